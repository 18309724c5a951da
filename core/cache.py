"""A Redis cache that fails open: when Redis is unreachable, the cache is empty.

Only rate limits and short-lived markers live in the cache (allauth's login, sign-up and
reset limits, its TOTP used-code marks, the /verify/ limit); sessions are in the
database. So an unreachable Redis must not take logins down with it: every read answers
a miss, every write is dropped as if it had been stored, and a warning is logged. While
Redis is down no rate limit holds; that is the price of keeping authentication up.

After a failure the cache stops trying for RETRY_AFTER seconds, so a Redis that hangs
(rather than refusing connections) costs one connection timeout per process and window,
not one per cache call.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _call(self, name: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning(
                "Cache unreachable (%s: %s): rate limits are off; trying again in %.0f s",
                type(exc).__name__,
                exc,
                RETRY_AFTER,
            )
            return fallback
        if self._down_until:
            self._down_until = 0.0
            logger.info("Cache reachable again")
        return result

    # Reads miss.
    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    # Writes are dropped as if stored: add() answers True, so a lock taken with add()
    # (allauth's rate-limit lock) is "acquired" instead of refused for ever.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def incr(self, key, delta=1, version=None):
        # As if the counter had just been created: the first hit of a new window.
        return self._call("incr", delta, key, delta, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
