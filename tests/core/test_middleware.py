"""X-Forwarded-Proto decides https (no redirect, HSTS sent) only when the configured
proxy sends it; a client that reaches the app directly cannot claim https."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client


@pytest.fixture
def strict(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::1"]


def _get(remote_addr: str, **headers):
    return Client(REMOTE_ADDR=remote_addr).get("/accounts/login/", headers=headers)


@pytest.mark.parametrize("proxy", ["10.1.2.3", "2001:db8::1"])
def test_the_trusted_proxy_says_https(strict, proxy):
    response = _get(proxy, x_forwarded_proto="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("client_address", ["203.0.113.9", "2001:db8::2", "not-an-address"])
def test_anyone_else_claiming_https_is_redirected_and_gets_no_hsts(strict, client_address):
    response = _get(client_address, x_forwarded_proto="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in response


def test_the_proxy_without_the_header_is_plain_http(strict):
    response = _get("10.1.2.3")
    assert response.status_code == 301


def test_by_default_only_a_proxy_on_this_host_is_trusted(settings, db):
    from config.settings import TRUSTED_PROXIES

    assert TRUSTED_PROXIES == ["127.0.0.1", "::1"]
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = TRUSTED_PROXIES
    assert _get("127.0.0.1", x_forwarded_proto="https").status_code == 200
    assert _get("192.0.2.7", x_forwarded_proto="https").status_code == 301


def test_a_malformed_proxy_list_stops_start_up(settings):
    from core.middleware import TrustedProxyMiddleware

    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        TrustedProxyMiddleware(lambda request: None)
