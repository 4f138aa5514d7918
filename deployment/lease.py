"""Singleton leases (单例租约): a Redis lock with a fencing token.

One process at a time holds the ``cluster`` lease and one the ``alert`` lease. Acquiring is one
atomic script: ``SET key owner NX PX ttl`` and, when it succeeds, ``INCR`` of the lease's token
counter, so every holder gets a token greater than any before it. The holder renews every third of
the lease (compare-and-``PEXPIRE``); a renewal that fails, or a holder that could not renew for a
whole lease (a long pause), has lost it and stops its work.

Fencing: a write of the holder goes through :class:`FencedStore`, which first asks Redis
(:meth:`Lease.check`) whether the lease still names this holder and whether its token is at least
the newest token any write was checked with (the ``fence`` key). A holder that was paused past its
lease and wakes up after another process took over is refused with :class:`StaleToken` before it
writes. The check and the write are two round trips to two systems, so the guarantee is the one
of the lease time: a holder stops before its lease can expire in Redis, and the store's own
optimistic concurrency (alerts are updated with their version) covers the rest.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable, Optional

from yuqing.errors import LeaseLost, StaleToken

log = logging.getLogger(__name__)

_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return token
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# 1 ok; 0 a newer token was already checked (stale); -1 the lease no longer names this holder
_CHECK = """
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = tonumber(ARGV[2])
if token < current then return 0 end
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if token > current then redis.call('SET', KEYS[2], token) end
return 1
"""


def default_owner() -> str:
    """``host:pid``: who holds a lease, as ``yuqing status`` shows it."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease:
    """One named lease in Redis.

    Args:
        client: a Redis client (``decode_responses=True``).
        keys: the deployment's :class:`~deployment.connection.Keys`.
        name: ``cluster``, ``alert``, ``sweep``…
        ttl: seconds the lease lasts without renewal.
        owner: who asks (default ``host:pid``).
    """

    def __init__(self, client, keys, name: str, ttl: float, owner: Optional[str] = None) -> None:
        self.client = client
        self.name = name
        self.ttl = float(ttl)
        self.owner = owner or default_owner()
        self.key = keys.lease(name)
        self.token_key = keys.lease_token(name)
        self.fence_key = keys.fence(name)
        self.token: Optional[int] = None
        self._renewed_at = 0.0  # monotonic time of the last successful acquire or renewal
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._check = client.register_script(_CHECK)

    @property
    def value(self) -> str:
        return f"{self.owner}|{self.token}"

    @property
    def ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    @property
    def held(self) -> bool:
        """Held, and renewed less than one lease ago (a process paused longer has lost it)."""
        return self.token is not None and time.monotonic() - self._renewed_at < self.ttl

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; the new token is in :attr:`token`."""
        token = int(self._acquire(keys=[self.key, self.token_key], args=[self.owner, self.ttl_ms]))
        if not token:
            return False
        self.token, self._renewed_at = token, time.monotonic()
        log.info("lease %s acquired by %s with token %d", self.name, self.owner, token)
        return True

    def renew(self) -> bool:
        """Extend the lease; False (and the lease dropped) when another process holds it now."""
        if self.token is None:
            return False
        started = time.monotonic()
        if int(self._renew(keys=[self.key], args=[self.value, self.ttl_ms])):
            self._renewed_at = started
            return True
        log.warning("lease %s lost by %s (token %d)", self.name, self.owner, self.token)
        self.token = None
        return False

    def release(self) -> None:
        if self.token is not None:
            self._release(keys=[self.key], args=[self.value])
            log.info("lease %s released by %s", self.name, self.owner)
        self.token = None

    def holder(self) -> Optional[str]:
        """``owner|token`` of whoever holds the lease now, or None."""
        return self.client.get(self.key)

    def check(self, token: Optional[int] = None) -> int:
        """Refuse a write with a stale token: raises :class:`StaleToken` or :class:`LeaseLost`.

        With ``token`` given, only the fence is checked (for a write that carries its token);
        otherwise this holder's own token, and that the lease still names this holder.
        """
        own = token is None
        token = self.token if own else token
        if token is None or (own and not self.held):
            raise LeaseLost(f"lease {self.name} is not held by {self.owner}; the write was not made")
        answer = int(self._check(keys=[self.key, self.fence_key], args=[self.value if own else "", token]))
        if answer == 0:
            raise StaleToken(f"lease {self.name}: token {token} is older than the newest holder's; "
                             "the write was refused")
        if answer < 0:
            self.token = None
            raise LeaseLost(f"lease {self.name} has passed to another process; the write was not made")
        return token


class LeaseKeeper(threading.Thread):
    """Keeps trying to take a lease, renews it while held, calls ``on_lost`` when it goes.

    Contenders try every third of the lease time, so a dead holder's lease is taken over at most
    ``ttl * 4 / 3`` after its last renewal (20 s with the default 15 s lease).
    """

    def __init__(self, lease: Lease, *, on_lost: Optional[Callable[[], None]] = None,
                 on_acquired: Optional[Callable[[], None]] = None) -> None:
        super().__init__(name=f"lease-{lease.name}", daemon=True)
        self.lease = lease
        self.on_lost = on_lost
        self.on_acquired = on_acquired
        self.period = lease.ttl / 3
        self._halt = threading.Event()
        self.acquired = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                if self.lease.token is None:
                    if self.lease.try_acquire():
                        self.acquired.set()
                        if self.on_acquired is not None:
                            self.on_acquired()
                elif not self.lease.renew() or not self.lease.held:
                    self._lost()
            except Exception as exc:  # noqa: BLE001 - Redis unreachable: hold on only while the lease lasts
                log.warning("lease %s: Redis error %s", self.lease.name, exc)
                if self.lease.token is not None and not self.lease.held:
                    self._lost()
            self._halt.wait(self.period)

    def _lost(self) -> None:
        self.lease.token = None
        self.acquired.clear()
        if self.on_lost is not None:
            self.on_lost()

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=self.period + 5)
        try:
            self.lease.release()
        except Exception as exc:  # noqa: BLE001 - the lease expires by itself
            log.warning("lease %s not released (%s); it expires in %.0f s", self.lease.name, exc, self.lease.ttl)


#: Store methods that write; :class:`FencedStore` checks the lease before each.
WRITES = ("put_documents", "put_analyses", "put_records", "update_record", "delete_record", "delete_documents",
          "delete_documents_stored_before", "set_state")


class FencedStore:
    """The store as a singleton's stage sees it: every write is checked against the lease first.

    Reads and everything else go to the wrapped store unchanged.
    """

    def __init__(self, store, lease: Lease) -> None:
        self._store = store
        self._lease = lease

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def fenced(*args, **kwargs):
            self._lease.check()
            return attr(*args, **kwargs)
        return fenced
