from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(name: str, **kwargs: Any) -> str:
    """A full link for emails and PDFs (LASTMILE_BASE_URL + the route)."""
    return settings.LASTMILE_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def client_ip(request) -> str | None:
    """The client's address, believing X-Forwarded-For only from our own trusted proxies."""
    import ipaddress

    from django.conf import settings

    from core.middleware import trusted_proxy

    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0
    candidate = request.META.get("REMOTE_ADDR") or ""
    if proxies and trusted_proxy(candidate):
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return ipaddress.ip_address(candidate).compressed
    except ValueError:
        return None
