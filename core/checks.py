"""Checks of our own: the secret key (every command) and deployment (`check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development)."


def _secret_key_missing() -> bool:
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own "must not be empty"
        return True


@register()
def secret_key_configured(app_configs, **kwargs):
    """Runs before every management command that does work (not before --help)."""
    if _secret_key_missing():
        return [Error(MISSING_SECRET_KEY, id="lastmile.E001")]
    return []


def require_secret_key(**kwargs) -> None:
    """For processes that run no system checks (gunicorn, the Celery worker and beat)."""
    if _secret_key_missing():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@register(Tags.security, deploy=True)
def signing_key_configured(app_configs, **kwargs):
    if settings.LASTMILE_SIGNING_KEY and settings.LASTMILE_SIGNING_CERT:
        return []
    if settings.LASTMILE_SIGNING_DEV_KEY and settings.DEBUG:
        return []
    return [
        Warning(
            "Executed agreements cannot be signed: LASTMILE_SIGNING_KEY and "
            "LASTMILE_SIGNING_CERT are not set.",
            hint="Make a pair with `python manage.py signing_key DIR` (or use your CA's) and "
            "point both variables at the PEM files, for every web and worker process.",
            id="lastmile.W001",
        )
    ]
