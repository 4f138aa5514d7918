"""``/healthz`` and Prometheus ``/metrics`` of one process (prometheus-client, its own registry).

Each process serves them on ``deployment.metrics_host:deployment.metrics_port`` (0: any free port,
which the heartbeat announces), whatever its role, so Prometheus scrapes every machine alike.
"""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

_CYCLE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """The figures of one process: documents in, analysed, stream lag, cycle times, errors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.documents_in = Counter("yuqing_documents_in", "New documents stored by this process's crawls.",
                                    registry=self.registry)
        self.documents_analysed = Counter("yuqing_documents_analysed", "Documents this process analysed.",
                                          registry=self.registry)
        self.analysis_seconds = Histogram("yuqing_analysis_batch_seconds", "Seconds per analysed batch.",
                                          buckets=_CYCLE_BUCKETS, registry=self.registry)
        self.stream_lag = Gauge("yuqing_stream_lag", "Document ids on the stream not yet acknowledged "
                                "(waiting + pending), as this process last saw them.", registry=self.registry)
        self.cycle_seconds = Histogram("yuqing_cycle_seconds", "Seconds per run of a scheduled job.", ["job"],
                                       buckets=_CYCLE_BUCKETS, registry=self.registry)
        self.errors = Counter("yuqing_errors", "Failed job runs and worker errors.", ["job"], registry=self.registry)
        self.lease_held = Gauge("yuqing_lease_held", "1 while this process holds the lease.", ["lease"],
                                registry=self.registry)
        self.job_running = Gauge("yuqing_job_running", "1 while a scheduled job runs in this process.", ["job"],
                                 registry=self.registry)
        self.fenced_writes = Counter("yuqing_fenced_writes", "Store writes of a singleton's jobs checked against "
                                     "its lease: written, or refused (the lease was lost or a newer token exists).",
                                     ["lease", "outcome"], registry=self.registry)
        self.fenced_write_last = Gauge("yuqing_fenced_write_last_timestamp_seconds", "Wall-clock time the last "
                                       "store write of a singleton's jobs let through began its lease check.",
                                       ["lease"], registry=self.registry)
        self.fenced_writes_late = Counter("yuqing_fenced_writes_late", "Writes of a singleton's jobs that passed "
                                          "the lease check but completed more than a lease later (the process "
                                          "was paused or the store slow mid-write): they may have landed after "
                                          "another process took the lease.", ["lease"], registry=self.registry)
        self.in_hand = Gauge("yuqing_analysis_in_hand", "Stream entries of the batch this analyser is working on "
                             "(0 between batches).", registry=self.registry)
        self.analyses_lost = Counter("yuqing_analyses_not_stored", "Analyses this process made but did not store: "
                                     "their documents passed to another analyser while it was held up past "
                                     "deployment.claim_idle_seconds.", registry=self.registry)

    def analysed(self, count: int, seconds: float) -> None:
        self.documents_analysed.inc(count)
        self.analysis_seconds.observe(seconds)

    def fenced(self, lease: str, written: bool, checked_at: float) -> None:
        """One checked write of a singleton's job: counted, and when (wall clock) the check of the last
        one let through began."""
        self.fenced_writes.labels(lease, "written" if written else "refused").inc()
        if written:
            self.fenced_write_last.labels(lease).set(checked_at)

    def cycle(self, job: str, seconds: float, errors: int) -> None:
        self.cycle_seconds.labels(job).observe(seconds)
        if errors:
            self.errors.labels(job).inc(errors)

    def text(self) -> bytes:
        return generate_latest(self.registry)


class OpsServer:
    """``GET /healthz`` (JSON, 200 or 503) and ``GET /metrics`` (Prometheus text) in a thread."""

    def __init__(self, metrics: Metrics, health: Callable[[], dict], host: str, port: int) -> None:
        self.metrics = metrics
        self.health = health
        ops = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                if path == "/metrics":
                    self._send(200, ops.metrics.text(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    try:
                        state = ops.health()
                    except Exception as exc:  # noqa: BLE001 - a health check answers, it never raises
                        state = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                    body = json.dumps(state, ensure_ascii=False, default=str).encode()
                    self._send(200 if state.get("ok") else 503, body, "application/json")
                else:
                    self._send(404, b'{"error": "not found: try /healthz or /metrics"}', "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # scrapes every few seconds: keep them out of the log
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="ops-http", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "OpsServer":
        self._thread.start()
        log.info("health and metrics on http://%s/healthz and /metrics", self.address)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
