from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the receivers
        from accounts.services import member_is_current
        from core.services import email_member_rule_register

        email_member_rule_register(member_is_current)
