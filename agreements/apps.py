from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from agreements.panels import agreements_panel
        from partnerships.panels import register_panel

        register_panel(agreements_panel)
