"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
