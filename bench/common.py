"""What the benches share: a throw-away store of either backend, the web UI served on loopback, timings.

Imported as ``bench.common``: every bench puts the repository root first on ``sys.path``.
"""
from __future__ import annotations

import contextlib
import math
import os
import socket
import statistics
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, Sequence

#: the one user of a served web UI (an analyst: sees every page the benches time)
TOKEN = "bench-token"


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0.95: the value 95 % of the samples do not exceed)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


@contextlib.contextmanager
def bench_store(backend: str, folder: Path, name: str) -> Iterator:
    """A new store in ``folder`` (SQLite) or on ``YUQING_ES_URL`` under a fresh index prefix
    (Elasticsearch, its indices deleted after: a bench leaves nothing behind on the node)."""
    if backend == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore
        store = SQLiteStore(Path(folder) / f"{name}.sqlite")
    else:
        from yuqing.storage.elastic import ElasticsearchStore
        store = ElasticsearchStore([os.environ.get("YUQING_ES_URL", "http://127.0.0.1:9200")],
                                   index_prefix=f"bench-{name}-{uuid.uuid4().hex[:8]}", spool_dir=folder)
    try:
        yield store
    finally:
        if backend != "sqlite":
            store.delete_indices()
        store.close()


@contextlib.contextmanager
def served(store) -> Iterator:
    """The web UI over ``store`` on a free loopback port; an ``httpx.Client`` signed in as an analyst."""
    import httpx

    from yuqing.app.web.server import WebServer
    from yuqing.config import load_config

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = load_config(None, [f"web.users={{ana: {{role: analyst, token: {TOKEN}}}}}", f"web.port={port}"])
    server = WebServer(config, store)
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                          headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            yield client
    finally:
        server.stop()


def time_calls(call: Callable[[], object], n: int) -> tuple[float, float]:
    """``(p50 ms, p95 ms)`` of ``n`` calls of ``call``."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def time_get(client, path: str, n: int) -> tuple[float, float, int]:
    """``(p50 ms, p95 ms, bytes)`` of ``n`` GETs of ``path``, after one untimed GET (templates
    compiled, caches filled)."""
    sizes = []

    def get() -> None:
        response = client.get(path)
        response.raise_for_status()
        sizes.append(len(response.content))

    get()
    p50, p95 = time_calls(get, n)
    return p50, p95, sizes[-1]
