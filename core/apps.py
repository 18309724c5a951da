from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from core import checks  # noqa: F401 - registers the deploy checks
        from core.scopes import task_scope_close, task_scope_open

        # Each task runs in its own checked tenant scope (core/scopes.py).
        task_prerun.connect(task_scope_open, weak=False)
        task_postrun.connect(task_scope_close, weak=False)
