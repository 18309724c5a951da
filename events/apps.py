from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Exchange events")

    def ready(self) -> None:
        from events.panels import events_panel
        from partnerships.panels import register_panel

        register_panel(events_panel)
