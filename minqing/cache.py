"""The Django cache on Redis, failing soft (settings.redis_cache).

Only conveniences live in the cache: the public lookup's per-address limit and the leaders' numbers that were
slow to compute. So while Redis cannot be reached, each call is answered from this process's memory instead of
raising — limits then count per process, remembered figures are remembered per process — and a page never
fails or waits because of it. One warning is logged when Redis goes away and one when it is back; while it is
away it is tried again at most every ``RETRY_SECONDS``, so requests do not each wait for a connection timeout.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30


class Outage:
    """Whether one Redis location is away, shared by every thread of the process (the cache backend itself is
    created once per thread)."""

    def __init__(self, location: str):
        self.location = location
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0

    def should_try(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if self.down:
                return
            self.down = True
        logger.warning(
            "Redis cache at %s unreachable (%s): answering from this process's memory, trying again every %s s",
            self.location,
            error,
            RETRY_SECONDS,
        )

    def succeeded(self) -> None:
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning("Redis cache at %s reachable again", self.location)


class FailSoftRedisCache(RedisCache):
    #: One Outage per location, per process.
    outages: dict[str, Outage] = {}

    def __init__(self, server, params):
        super().__init__(server, params)
        location = server if isinstance(server, str) else ",".join(server)
        self.outage = self.outages.setdefault(location, Outage(location))
        # The same keys (prefix, version) in a per-process memory cache; one store per location in the process.
        shared = {k: params[k] for k in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if k in params}
        self.local = LocMemCache(f"minqing-fail-soft:{location}", {**shared, "OPTIONS": {"MAX_ENTRIES": 10_000}})

    def _either(self, method: str, *args, **kwargs):
        if self.outage.should_try():
            try:
                result = getattr(RedisCache, method)(self, *args, **kwargs)
            except RedisError as e:  # connection refused, timeout, a restarting server…
                self.outage.failed(e)
            else:
                self.outage.succeeded()
                return result
        return getattr(self.local, method)(*args, **kwargs)

    # Every operation RedisCache implements; BaseCache builds the others (get_or_set, decr, a*…) from these.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", keys, version)

    def clear(self):
        return self._either("clear")
