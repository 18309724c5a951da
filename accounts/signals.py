from allauth.account.signals import password_changed, password_reset, password_set
from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts.models import User


@receiver(password_changed)
@receiver(password_reset)
@receiver(password_set)
def revoke_api_tokens_on_password_change(sender, request, user, **kwargs) -> None:
    """A new password ends every API token minted under the old one."""
    Token.objects.filter(user=user).delete()


@receiver(post_save, sender=User)
def revoke_api_tokens_on_deactivation(sender, instance: User, **kwargs) -> None:
    if not instance.is_active:
        Token.objects.filter(user=instance).delete()
