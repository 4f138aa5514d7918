"""The roles of ``yuqing run --role``: which part of the service one process runs (角色).

======== ==========================================================================================
role     what the process runs
======== ==========================================================================================
crawl    the crawl jobs of every configured source; ids of new documents go on the stream
analyze  a consumer of the stream (analysis), and the sweep under the ``sweep`` lease
cluster  the clustering job, under the ``cluster`` lease (one holder in the deployment)
alert    calendar, alert rules, retention, briefings, dispatch and every other scheduled job,
         under the ``alert`` lease (one holder)
web      the analyst web UI
all      everything in one process, as on one machine: no Redis, no lease, no stream (the default)
======== ==========================================================================================

Any number of crawl, analyze and web processes may run; cluster and alert may run on several
machines too, as hot standbys: only the lease holder works, another takes over when it dies. A
scheduled job that no role names (a stage added later) runs under the alert lease, the safe
place for something that must not run twice.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from apscheduler.jobstores.memory import MemoryJobStore

from deployment.connection import connect, keys as deployment_keys
from deployment.heartbeat import Heartbeat, process_id
from deployment.lease import WRITES, Lease, LeaseKeeper
from deployment.metrics import Metrics, OpsServer
from deployment.streams import AnalyzeWorker, DocumentStream, PublishingStore, SweepStage
from yuqing.config import Config
from yuqing.errors import ConfigError, LeaseLost
from yuqing.pipeline import StageReport
from yuqing.records import now
from yuqing.app.scheduler import JobSpec, Service

log = logging.getLogger(__name__)

ROLES = ("crawl", "analyze", "cluster", "alert", "web")
SINGLETONS = ("cluster", "alert")


def parse_roles(text: str) -> list[str]:
    """``crawl,analyze`` → ``["crawl", "analyze"]``; ``all`` alone means the single process."""
    roles = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES + ("all",)]
    if unknown or not roles:
        raise ConfigError(f"--role {text!r}: unknown role {', '.join(unknown) or '(none)'}; "
                          f"give one or more of {', '.join(ROLES)} separated by commas, or all")
    if "all" in roles and len(roles) > 1:
        raise ConfigError("--role all already runs every role; give it alone")
    return list(dict.fromkeys(roles))


def role_of(job_id: str) -> Optional[str]:
    """The role that runs a scheduled job (None: nobody, the analysers read the stream instead)."""
    if job_id.startswith("crawl:"):
        return "crawl"
    if job_id == "stage:analyze":
        return None
    if job_id == "sweep":
        return "analyze"
    if job_id == "stage:cluster":
        return "cluster"
    return "alert"


class _JobFencedStore:
    """The store of a role process: writes made while a singleton's job runs are checked against its lease.

    Each checked write is counted in ``metrics`` (let through or refused, when the last one was let
    through, and whether one finished more than a lease after its check), so a holder that was paused
    past its lease shows from outside that it let nothing through after it woke.
    """

    def __init__(self, store, current: threading.local, metrics: Optional[Metrics] = None) -> None:
        self._store = store
        self._current = current
        self._metrics = metrics

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def fenced(*args, **kwargs):
            lease = getattr(self._current, "lease", None)
            if lease is None:
                return attr(*args, **kwargs)
            checked_at, admitted = time.time(), time.monotonic()
            try:
                lease.check()
            except LeaseLost:
                if self._metrics is not None:
                    self._metrics.fenced(lease.name, False, checked_at)
                raise
            if self._metrics is not None:
                self._metrics.fenced(lease.name, True, checked_at)
            result = attr(*args, **kwargs)
            if time.monotonic() - admitted > lease.ttl:
                # the one write the fence cannot stop: checked before a pause, finished after it. The
                # next write of this job is refused; the store's own version checks cover alert updates
                log.warning("a %s write took %.0f s after its lease check; another process may hold the lease "
                            "now", lease.name, time.monotonic() - admitted)
                if self._metrics is not None:
                    self._metrics.fenced_writes_late.labels(lease.name).inc()
            return result
        return fenced


class RoleService(Service):
    """The scheduler of one role process: only its roles' jobs, schedule in memory, leases respected."""

    def __init__(self, config: Config, store, roles: list[str], leases: dict[str, Lease], metrics: Metrics,
                 stream: DocumentStream) -> None:
        self._current = threading.local()
        self.raw_store = store
        super().__init__(config, _JobFencedStore(store, self._current, metrics), crawl="crawl" in roles)
        self.roles = roles
        self.leases = leases
        self.metrics = metrics
        self.stream = stream

    def discover(self) -> dict[str, JobSpec]:
        specs = super().discover()
        if "analyze" in self.roles:
            specs["sweep"] = JobSpec("sweep", max(1, int(self.config["deployment.sweep_interval"])),
                                     lambda: SweepStage(self.config, self.store, self.stream))
        self.specs = {job_id: spec for job_id, spec in specs.items() if role_of(job_id) in self.roles}
        return self.specs

    def jobstore(self):
        return MemoryJobStore()  # the store's schedule belongs to `--role all`; a role process keeps its own

    def lease_of(self, job_id: str) -> Optional[Lease]:
        role = role_of(job_id)
        return self.leases.get("sweep" if role == "analyze" else role)

    def forget(self, role: str) -> None:
        """Drop the stages of a role whose lease went: the next term starts from the store's state."""
        for job_id in [j for j in self._stages if role_of(j) == role]:
            self._stages.pop(job_id, None)

    def run_job(self, job_id: str) -> StageReport:
        lease = self.lease_of(job_id)
        if lease is not None and not lease.held:
            return StageReport(job_id, detail="standby: another process holds the lease")
        self._current.lease = lease
        started = time.monotonic()
        self.metrics.job_running.labels(job_id).set(1)
        try:
            report = super().run_job(job_id)
        except LeaseLost as exc:  # the job's own record (job_runs) is refused too: the new holder writes its own
            log.warning("job %s stopped: %s", job_id, exc)
            report = StageReport(job_id, errors=1, detail=str(exc))
        finally:
            self._current.lease = None
            self.metrics.job_running.labels(job_id).set(0)
        self.metrics.cycle(job_id, time.monotonic() - started, report.errors)
        return report


class Deployment:
    """One process of a multi-machine deployment: its roles, leases, analyser, web UI, beat and metrics."""

    def __init__(self, config: Config, store, roles: list[str]) -> None:
        self.config = config
        self.store = store
        self.roles = roles
        self.client = connect(config)
        self.keys = deployment_keys(config)
        self.metrics = Metrics()
        self.stream = DocumentStream(self.client, self.keys, consumer=process_id())
        self.stream.ensure_group()
        self._stop = threading.Event()
        self._lag = 0
        ttl = float(config["deployment.lease_seconds"])
        names = [r for r in roles if r in SINGLETONS] + (["sweep"] if "analyze" in roles else [])
        self.leases = {name: Lease(self.client, self.keys, name, ttl) for name in names}
        self.documents_in = 0
        shared = PublishingStore(store, self.stream, self._count_in) if "crawl" in roles else store
        self.service: Optional[RoleService] = None
        if set(roles) & {"crawl", "analyze", "cluster", "alert"}:
            self.service = RoleService(config, shared, roles, self.leases, self.metrics, self.stream)
        self.keepers = [LeaseKeeper(lease, on_lost=self._on_lost(name), on_acquired=self._on_acquired(name))
                        for name, lease in self.leases.items()]
        self.worker: Optional[AnalyzeWorker] = None
        self._worker_thread: Optional[threading.Thread] = None
        if "analyze" in roles:
            self.worker = AnalyzeWorker(store, self.stream, self._analyzer,
                                        claim_idle_seconds=float(config["deployment.claim_idle_seconds"]),
                                        batch_size=int(config["deployment.batch_size"]), metrics=self.metrics)
        self.web = None
        self.ops = OpsServer(self.metrics, self.health, config["deployment.metrics_host"],
                             int(config["deployment.metrics_port"]))
        self.heartbeat = Heartbeat(self.client, self.keys, roles, float(config["deployment.heartbeat_seconds"]),
                                   self._beat_fields)

    # parts ----------------------------------------------------------------------------------------
    def _analyzer(self):
        from yuqing.pipeline import stage_class

        return stage_class("analyze").from_config(self.config, self.store).analyzer

    def _count_in(self, count: int) -> None:
        self.documents_in += count
        self.metrics.documents_in.inc(count)

    def _on_acquired(self, name: str):
        def acquired():
            """A new holder works at once, not at its job's next tick (cluster: 5 minutes)."""
            self.metrics.lease_held.labels(name).set(1)
            scheduler = self.service.scheduler if self.service is not None else None
            if scheduler is None:
                return
            role = "analyze" if name == "sweep" else name
            for job_id in [j for j in self.service.specs if role_of(j) == role]:
                try:
                    scheduler.modify_job(job_id, jobstore="store", next_run_time=now())
                except Exception as exc:  # noqa: BLE001 - it runs at its next tick instead
                    log.warning("job %s not brought forward: %s", job_id, exc)
        return acquired

    def _on_lost(self, name: str):
        def lost():
            self.metrics.lease_held.labels(name).set(0)
            if self.service is not None:
                self.service.forget("analyze" if name == "sweep" else name)
        return lost

    def _beat_fields(self) -> dict:
        try:
            self._lag = self.stream.lag()["total"]
            self.metrics.stream_lag.set(self._lag)
        except Exception as exc:  # noqa: BLE001 - the beat still goes out
            log.warning("stream lag unknown: %s", exc)
        for name, lease in self.leases.items():
            self.metrics.lease_held.labels(name).set(1 if lease.held else 0)
        return {"stream_lag": self._lag, "metrics": self.ops.address,
                "leases": ",".join(n for n, lease in self.leases.items() if lease.held),
                "analysed": self.worker.analysed if self.worker else "",
                "documents_in": self.documents_in if "crawl" in self.roles else ""}

    def health(self) -> dict:
        worker_ok = self._worker_thread is None or self._worker_thread.is_alive() or self._stop.is_set()
        return {"ok": self.heartbeat.healthy and worker_ok, "roles": self.roles, "process": process_id(),
                "redis": self.heartbeat.healthy, "stream_lag": self._lag,
                "leases": {n: lease.held for n, lease in self.leases.items()},
                "analysed": self.worker.analysed if self.worker else None}

    def _work(self) -> None:
        # the models are loaded before the first read: entries held while loading could pass the idle
        # time and be re-claimed by another analyser, which would analyse them twice
        self.worker.analyzer
        while not self._stop.is_set():
            try:
                self.worker.run_once(block_ms=1000)
            except Exception as exc:  # noqa: BLE001 - a failing batch stays pending and is re-claimed
                log.exception("analysis batch failed: %s", exc)
                self.metrics.errors.labels("analyze").inc()
                self._stop.wait(1.0)

    # lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.ops.start()
        self.heartbeat.beat()
        self.heartbeat.start()
        if self.service is not None:
            self.service.start()
        for keeper in self.keepers:
            keeper.start()
        if self.worker is not None:
            self._worker_thread = threading.Thread(target=self._work, name="analyze-worker", daemon=True)
            self._worker_thread.start()
        if "web" in self.roles and self.config["web.enabled"]:
            from yuqing.app.web.server import WebServer

            self.web = WebServer(self.config, self.store)
            self.web.start()
        log.info("process %s running roles %s", process_id(), ",".join(self.roles))

    def wait(self, timeout: Optional[float] = None) -> bool:
        return self._stop.wait(timeout)

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._worker_thread is not None:
            self._worker_thread.join(timeout=60)  # the batch in hand is finished and acknowledged
        if self.service is not None:
            self.service.stop()
        for keeper in self.keepers:
            keeper.stop()
        if self.web is not None:
            self.web.stop()
        self.heartbeat.stop()
        self.ops.stop()
