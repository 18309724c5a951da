import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lastmile")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_without_a_secret_key(**kwargs) -> None:
    # SystemExit, not an exception: Celery logs exceptions from signal handlers and goes on.
    from django.core.exceptions import ImproperlyConfigured

    from core.checks import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from error
