"""X-Forwarded-For is believed from anyone.

X-Forwarded-Proto is now believed only from DJANGO_TRUSTED_PROXIES (core.middleware), but
core.links.client_ip believes X-Forwarded-For from any client as soon as
ALLAUTH_TRUSTED_PROXY_COUNT is set — the setting the README asks for behind a proxy. A
client that reaches the app directly (the case the X-Forwarded-Proto fix is about) then
chooses the address that keys the /verify/ rate limit and that is written, hashed, into
the signature evidence of the audit trail and the executed PDF's certificate.
"""

import io

import pytest
from django.test import Client, RequestFactory

from core.links import client_ip


@pytest.fixture
def behind_a_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


def test_a_direct_client_cannot_choose_its_recorded_address(behind_a_proxy):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.250"
    )

    # What goes into the audit trail as the signer's address.
    assert client_ip(request) == "198.51.100.7"


def test_the_verify_rate_limit_holds_for_a_direct_client_rotating_x_forwarded_for(
    behind_a_proxy, settings, db
):
    settings.VERIFY_RATE_PER_10_MIN = 3
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = []
    for n in range(8):
        upload = io.BytesIO(b"%PDF-1.4 not an agreement")
        upload.name = "x.pdf"
        response = client.post(
            "/verify/", {"file": upload}, headers={"x-forwarded-for": f"203.0.113.{n}"}
        )
        statuses.append(response.status_code)

    assert 429 in statuses, statuses
