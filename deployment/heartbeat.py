"""Heartbeats (心跳): every process of a deployment says who and where it is, every few seconds.

A beat is a Redis hash ``{prefix}:process:{host}:{pid}`` (roles, host, pid, start, last beat, stream
lag, held leases, the address of its /metrics, a few counters) that expires after twelve missed
beats, so ``yuqing status`` lists the live processes and, for a while, the silent ones.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable, Optional

log = logging.getLogger(__name__)

SILENT_AFTER_BEATS = 3
EXPIRE_AFTER_BEATS = 12


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat(threading.Thread):
    """Writes this process's beat every ``interval`` seconds; ``fields()`` gives what changes."""

    def __init__(self, client, keys, roles: list[str], interval: float,
                 fields: Callable[[], dict], *, ident: Optional[str] = None) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.client = client
        self.interval = interval
        self.fields = fields
        self.key = keys.process(ident or process_id())
        self.static = {"roles": ",".join(roles), "host": socket.gethostname(), "pid": os.getpid(),
                       "started_at": time.time()}
        self.last_ok: Optional[float] = None
        self._halt = threading.Event()

    def beat(self) -> None:
        values = {**self.static, **self.fields(), "last_beat": time.time(), "interval": self.interval}
        values = {k: ("" if v is None else v) for k, v in values.items()}
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping=values)
            pipe.pexpire(self.key, int(self.interval * EXPIRE_AFTER_BEATS * 1000))
            pipe.execute()
        self.last_ok = time.monotonic()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - Redis away: /healthz reports it, the work goes on
                log.warning("heartbeat not written: %s", exc)
            self._halt.wait(self.interval)

    @property
    def healthy(self) -> bool:
        return self.last_ok is not None and time.monotonic() - self.last_ok < self.interval * SILENT_AFTER_BEATS

    def stop(self, *, remove: bool = True) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)
        if remove:  # a clean stop leaves no silent process behind in `yuqing status`
            try:
                self.client.delete(self.key)
            except Exception:  # noqa: BLE001 - it expires by itself
                pass


def list_processes(client, keys) -> list[dict]:
    """Every process that beat recently, silent ones marked, sorted by role then host."""
    rows = []
    wall = time.time()
    for key in client.scan_iter(match=keys.processes, count=500):
        data = client.hgetall(key)
        if not data:
            continue
        interval = float(data.get("interval") or 5)
        last = float(data.get("last_beat") or 0)
        row = {"id": key.split(":process:", 1)[-1], "roles": data.get("roles", "").split(","),
               "host": data.get("host", ""), "pid": int(data.get("pid") or 0),
               "started_at": float(data.get("started_at") or 0), "last_beat": last,
               "seconds_since_beat": round(wall - last, 1),
               "alive": wall - last < interval * SILENT_AFTER_BEATS}
        for name in ("stream_lag", "analysed", "documents_in", "errors"):
            if data.get(name, "") != "":
                row[name] = int(float(data[name]))
        row["leases"] = [x for x in data.get("leases", "").split(",") if x]
        row["metrics"] = data.get("metrics", "")
        rows.append(row)
    return sorted(rows, key=lambda r: (r["roles"], r["host"], r["pid"]))
