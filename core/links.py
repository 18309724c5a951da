from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(name: str, **kwargs: Any) -> str:
    """A full link for emails and PDFs (LASTMILE_BASE_URL + the route)."""
    return settings.LASTMILE_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)
