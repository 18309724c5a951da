"""Request middleware of our own."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {exc}") from exc


def _trusted(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def trusted_proxy(address: str) -> bool:
    """Is this peer one of DJANGO_TRUSTED_PROXIES (whose forwarding headers we believe)?"""
    return _trusted(address)


FORWARDING_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")


class TrustedProxyMiddleware:
    """Drop X-Forwarded-Proto and X-Forwarded-For unless a trusted proxy sent them.

    SECURE_PROXY_SSL_HEADER makes Django take `X-Forwarded-Proto: https` as proof that
    the request came over TLS (no https redirect; HSTS sent) — and any client reaching
    the app directly can send it. X-Forwarded-For chooses the address that keys rate
    limits (ours and allauth's) and is recorded in a signature's evidence. Only the
    proxies in DJANGO_TRUSTED_PROXIES may say either. First in MIDDLEWARE, so nothing
    after it sees a forwarding header from anyone else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        _networks(tuple(settings.TRUSTED_PROXIES))  # a bad setting fails at start-up

    def __call__(self, request):
        meta = request.META
        if not _trusted(meta.get("REMOTE_ADDR", "")):
            for header in FORWARDING_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
