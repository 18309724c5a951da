"""With the Redis that holds the rate limits gone, people can still sign in, sign up,
reset a password and check a PDF at /verify/ (the limits fail open, with a warning).

A real redis-server of our own (port 6391) is started, used, then killed."""

import logging
import os
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from redis.backoff import NoBackoff
from redis.retry import Retry

from accounts.models import User
from tests.conftest import require
from tests.factories import PASSWORD, UserFactory

PORT = 6391
REDIS_DB = 12
ROUNDS = 5  # of each action, with Redis up and again with it down


def _answers(port: int) -> bool:
    try:
        client = redis.Redis(port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


class OwnRedis:
    """A redis-server on PORT that only these tests start and kill."""

    def __init__(self, binary: str):
        self.binary = binary
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                pytest.fail(f"port {PORT} is taken; these tests start and kill a Redis there")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(PORT), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            # Redis is a peer, not the code under test: it keeps the real clock when the
            # suite runs under libfaketime (whose preload jemalloc's Redis cannot start with).
            env={k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")},
        )
        deadline = time.monotonic() + 10
        while not _answers(PORT):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.kill()
                pytest.fail("our redis-server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)
        assert not _answers(PORT)


@pytest.fixture
def own_redis():
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server", "apt-get install redis-server")
    server = OwnRedis(binary)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_cache(settings, own_redis):
    settings.CACHES = {"default": _production_cache(f"redis://127.0.0.1:{PORT}/{REDIS_DB}")}
    return own_redis


def _production_cache(redis_url: str) -> dict:
    """The cache config/settings.py configures when REDIS_URL is set."""
    import importlib
    import os
    from unittest import mock

    import config.settings as module

    with mock.patch.dict(os.environ, {"REDIS_URL": redis_url}):
        configured = importlib.reload(module).CACHES["default"]
    importlib.reload(module)
    return configured


def _journeys(round_: int, tag: str) -> list[int]:
    """Each public action once, by a fresh visitor; returns the status codes."""
    statuses = []
    user = UserFactory()
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk), "the login did not succeed"
    statuses.append(response.status_code)

    email = f"new-{tag}-{round_}@example.com"
    response = Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert User.objects.filter(email=email).exists(), "the sign-up did not succeed"
    statuses.append(response.status_code)

    sent = len(mail.outbox)
    response = Client().post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == sent + 1, "no password reset email"
    statuses.append(response.status_code)

    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")
    response = Client().post("/verify/", {"file": upload})
    statuses.append(response.status_code)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_sign_in_sign_up_reset_and_verify_survive_a_redis_outage(redis_cache, caplog):
    assert settings.CACHES["default"]["BACKEND"] != (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    up = [code for n in range(ROUNDS) for code in _journeys(n, "up")]
    keys = redis.Redis(port=PORT, db=REDIS_DB).keys("*")
    assert any(b"allauth" in key for key in keys), "the rate limits were not kept in our Redis"
    assert any(b"verify" in key for key in keys)

    redis_cache.kill()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        down = [code for n in range(ROUNDS) for code in _journeys(n, "down")]

    assert 500 not in up + down
    assert all(code in (200, 302) for code in up + down), (up, down)
    assert len(down) == 4 * ROUNDS
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert warnings and "rate limits are off" in warnings[0].getMessage()


def test_the_cache_is_used_again_once_redis_is_back(redis_cache, caplog, monkeypatch):
    from django.core.cache import cache

    from core import cache as fail_open

    monkeypatch.setattr(fail_open, "RETRY_AFTER", 0.0)
    cache.set("probe", 1)
    redis_cache.kill()
    with caplog.at_level(logging.INFO, logger="core.cache"):
        assert cache.get("probe", "miss") == "miss"
        assert cache.add("lock", True) is True  # a lock "taken", so callers go on
        assert cache.incr("counter") == 1  # the first hit of a new window
        redis_cache.start()
        cache.set("probe", 2)
        assert cache.get("probe") == 2
    assert redis.Redis(port=PORT, db=REDIS_DB).exists(":1:probe")
    messages = [r.getMessage() for r in caplog.records if r.name == "core.cache"]
    assert "rate limits are off" in messages[0]
    assert messages[-1] == "Cache reachable again"


def test_sessions_do_not_live_in_the_cache():
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.signed_cookies",
    )
