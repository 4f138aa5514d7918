"""The monitoring service: one APScheduler job per configured source and per pipeline stage.

Jobs keep their schedule in the configured store (:class:`StoreJobStore`), so a restart picks up
where the service left off. Every job runs with ``max_instances=1`` and coalescing; a run that fails
is logged, its error kept in the store's ``job_runs`` and retried after ``service.retry_seconds``.
No job can take the service down. SIGTERM and SIGINT stop it cleanly: running jobs finish, the
web UI closes, the store is flushed and closed.
"""
from __future__ import annotations

import base64
import logging
import pickle
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from yuqing.config import Config
from yuqing.errors import NotConfigured, StageUnavailable
from yuqing.pipeline import STAGES, Stage, StageReport, stage_class
from yuqing.records import DEFAULT_TZ, now
from yuqing.storage.base import JsonRecord, Kind, Range, Store, register_kind
from yuqing.storm import crawl_interval, storm_mode

log = logging.getLogger(__name__)

register_kind(Kind("scheduler_jobs", JsonRecord, fields=("next_run_time",)))

_SERVICE: Optional["Service"] = None  # the running service; jobs refer to it by job id only


class StoreJobStore(BaseJobStore):
    """An APScheduler job store kept in the engine's own store (SQLite or Elasticsearch)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def _record(self, job: Job) -> JsonRecord:
        state = base64.b64encode(pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)).decode()
        next_run = job.next_run_time.timestamp() if job.next_run_time else None
        return JsonRecord(id=job.id, next_run_time=next_run, state=state)

    def _job(self, record) -> Job:
        job = Job.__new__(Job)
        job.__setstate__(pickle.loads(base64.b64decode(record.state)))
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _jobs(self, where=None) -> list[Job]:
        jobs = []
        for record in self.store.find_records("scheduler_jobs", where):
            try:
                jobs.append(self._job(record))
            except Exception:  # a job pickled by an older version: drop it, it is re-added at start
                log.warning("dropping unreadable scheduled job %s", record.id)
                self.store.delete_record("scheduler_jobs", record.id)
        return sorted(jobs, key=lambda j: (j.next_run_time is None, j.next_run_time or 0))

    def lookup_job(self, job_id):
        record = self.store.get_record("scheduler_jobs", job_id)
        return self._job(record) if record else None

    def get_due_jobs(self, now_time):
        return [j for j in self._jobs() if j.next_run_time and j.next_run_time <= now_time]

    def get_next_run_time(self):
        times = [j.next_run_time for j in self._jobs() if j.next_run_time]
        return min(times) if times else None

    def get_all_jobs(self):
        jobs = self._jobs()
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job):
        if self.store.get_record("scheduler_jobs", job.id) is not None:
            raise ConflictingIdError(job.id)
        self.store.put_records("scheduler_jobs", [self._record(job)])

    def update_job(self, job):
        if self.store.get_record("scheduler_jobs", job.id) is None:
            raise JobLookupError(job.id)
        self.store.put_records("scheduler_jobs", [self._record(job)])

    def remove_job(self, job_id):
        if not self.store.delete_record("scheduler_jobs", job_id):
            raise JobLookupError(job_id)

    def remove_all_jobs(self):
        for record in self.store.find_records("scheduler_jobs"):
            self.store.delete_record("scheduler_jobs", record.id)


def run_job(job_id: str) -> None:
    """Entry point of every scheduled job (module-level so the job store can pickle a reference)."""
    if _SERVICE is None:
        log.warning("job %s fired with no service running; ignored", job_id)
        return
    _SERVICE.run_job(job_id)


@dataclass
class JobSpec:
    """One job of the service: what to build and how often to run it."""

    job_id: str
    interval: int
    build: Callable[[], Stage]


class Service:
    """The long-running service: scheduler, jobs, optional demo site and web UI."""

    def __init__(self, config: Config, store: Store, *, crawl: bool = True) -> None:
        self.config = config
        self.store = store
        self.crawl = crawl
        self.specs: dict[str, JobSpec] = {}
        self._stages: dict[str, Stage] = {}
        self._stop = threading.Event()
        self.scheduler: Optional[BackgroundScheduler] = None
        self._crawl_base: dict[str, int] = {}  # crawl job id → the source's own interval
        self._storm_on = False  # the storm mode the crawl intervals follow (yuqing.storm)
        self._storm_lock = threading.Lock()

    # jobs -----------------------------------------------------------------------------------------
    def discover(self) -> dict[str, JobSpec]:
        """Jobs from the config: one per crawl source, one per installed pipeline stage."""
        intervals = {"analyze": "service.analyze_interval", "cluster": "service.cluster_interval",
                     "calendar": "service.calendar_interval", "alert": "service.alert_interval",
                     "followups": "service.alert_interval", "watch": "assess.watch_interval"}
        if self.crawl:
            storm = storm_mode(self.store)  # while it is on, crawls come more often (平急转换)
            self._storm_on = storm.on
            for source in _crawl_sources(self.config):
                name = source["name"]
                self._crawl_base[f"crawl:{name}"] = int(source.get("interval", 600))
                self.specs[f"crawl:{name}"] = JobSpec(
                    f"crawl:{name}", crawl_interval(self.config, storm, int(source.get("interval", 600))),
                    lambda n=name: _crawl_stage(self.config, self.store, n))
        for name in STAGES:
            try:
                cls = stage_class(name)
            except StageUnavailable as exc:
                log.info("%s; the service runs without it", exc)
                continue
            self.specs[f"stage:{name}"] = JobSpec(
                f"stage:{name}", int(self.config[intervals[name]]),
                lambda c=cls: c.from_config(self.config, self.store))
        if self.config["store.retention_days"] or self.config["rescue.retention_days"]:
            from governance.retention import PurgeStage  # retention (数据保存时长): see governance/
            self.specs["purge"] = JobSpec("purge", int(self.config["service.purge_interval"]),
                                          lambda: PurgeStage.from_config(self.config, self.store))
        if self.config["briefings.daily_at"]:
            from briefings.schedule import BriefingStage  # the daily report (舆情日报): see briefings/
            self.specs["briefings"] = JobSpec("briefings", int(self.config["briefings.check_interval"]),
                                              lambda: BriefingStage.from_config(self.config, self.store))
        if self.config["briefings.today_interval"]:
            from briefings.schedule import TodayReportStage  # the report of the day so far, for the archive page
            self.specs["briefings_today"] = JobSpec("briefings_today", int(self.config["briefings.today_interval"]),
                                                    lambda: TodayReportStage.from_config(self.config, self.store))
        if self.config["enterprise.check_interval"]:
            from enterprise.schedule import ScoringStage  # 欠薪/停工/外迁 scores, monthly and after an import
            self.specs["enterprise"] = JobSpec("enterprise", int(self.config["enterprise.check_interval"]),
                                               lambda: ScoringStage.from_config(self.config, self.store))
        if self.config["dispatch.check_interval"]:
            from dispatch.deadlines import DispatchStage  # 报送 chasing and escalation: see dispatch/
            self.specs["dispatch"] = JobSpec("dispatch", int(self.config["dispatch.check_interval"]),
                                             lambda: DispatchStage.from_config(self.config, self.store))
        if self.config["storm.auto_on_red_warning"] or self.config["storm.auto_requests"]:
            from desk.storm import StormWatchStage  # storm mode on by itself (平急转换): see desk/storm.py
            self.specs["storm"] = JobSpec("storm", int(self.config["service.alert_interval"]),
                                          lambda: StormWatchStage.from_config(self.config, self.store))
        return self.specs

    def stage(self, job_id: str) -> Stage:
        if job_id not in self._stages:
            self._stages[job_id] = self.specs[job_id].build()
        return self._stages[job_id]

    def run_job(self, job_id: str) -> StageReport:
        """Run one job now, keep its outcome in ``job_runs``; never raises."""
        started = now()
        error = None
        try:
            report = self.stage(job_id).run_once()
        except NotConfigured as exc:
            report = StageReport(job_id, detail=f"switched off: {exc}")
        except Exception as exc:  # noqa: BLE001 - a failing job must not take the service down
            error = f"{type(exc).__name__}: {exc}"
            log.error("job %s failed: %s\n%s", job_id, error, traceback.format_exc(limit=5))
            report = StageReport(job_id, errors=1, detail=error)
            self._schedule_retry(job_id)
        finished = now()
        self.store.put_records("job_runs", [JsonRecord(
            id=f"{job_id}@{started.isoformat()}", job=job_id, ok=error is None, error=error,
            started_at=started.isoformat(), finished_at=finished.isoformat(),
            processed=report.processed, created=report.created, errors=report.errors, detail=report.detail)])
        if error is None:
            log.info("%s", report.line())
        self.follow_storm_mode()
        return report

    def follow_storm_mode(self) -> None:
        """Crawl intervals follow storm mode: shortened while it is on, each source crawled at once when
        it comes on, back to their own when it goes off (:func:`yuqing.storm.crawl_interval`)."""
        if self.scheduler is None or not self._crawl_base:
            return
        try:
            storm = storm_mode(self.store)
        except Exception as exc:  # noqa: BLE001 - the store's trouble is the next job's to report
            log.warning("could not read storm mode: %s", exc)
            return
        with self._storm_lock:
            if storm.on == self._storm_on:
                return
            self._storm_on = storm.on
            start = now() + timedelta(seconds=1) if storm.on else None
            for job_id, base in self._crawl_base.items():
                interval = crawl_interval(self.config, storm, base)
                self.specs[job_id].interval = interval
                try:
                    self.scheduler.reschedule_job(job_id, jobstore="store", trigger=IntervalTrigger(
                        seconds=interval, start_date=start, timezone=DEFAULT_TZ))
                except JobLookupError:
                    log.warning("crawl job %s is not scheduled; its interval follows storm mode at the next start",
                                job_id)
        log.info("storm mode %s: crawl intervals %s", "on" if storm.on else "off",
                 ", ".join(f"{j} {self.specs[j].interval}s" for j in sorted(self._crawl_base)))

    def _schedule_retry(self, job_id: str) -> None:
        spec = self.specs.get(job_id)
        retry = int(self.config["service.retry_seconds"])
        if self.scheduler is None or spec is None or spec.interval <= retry:
            return
        self.scheduler.add_job(run_job, DateTrigger(now() + timedelta(seconds=retry)), args=[job_id],
                               id=f"retry:{job_id}", replace_existing=True, jobstore="store",
                               misfire_grace_time=int(self.config["service.misfire_grace_seconds"]))

    # lifecycle ------------------------------------------------------------------------------------
    def jobstore(self) -> BaseJobStore:
        """Where the schedule is kept: the store, so a restart resumes it. The processes of a
        multi-machine deployment (deployment.roles) keep theirs in memory, each its own jobs."""
        return StoreJobStore(self.store)

    def start(self) -> BackgroundScheduler:
        global _SERVICE
        _SERVICE = self
        self.discover()
        jobstore = self.jobstore()
        scheduler = BackgroundScheduler(
            jobstores={"store": jobstore},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(self.config["service.misfire_grace_seconds"])},
            timezone=self.config["service.timezone"])
        for record in self.store.find_records("scheduler_jobs") if isinstance(jobstore, StoreJobStore) else []:
            if record.id not in self.specs and not record.id.startswith("retry:"):  # jobs no longer configured
                self.store.delete_record("scheduler_jobs", record.id)
        first = now() + timedelta(seconds=1)
        for spec in self.specs.values():
            scheduler.add_job(run_job, IntervalTrigger(seconds=spec.interval, timezone=DEFAULT_TZ),
                              args=[spec.job_id], id=spec.job_id, name=spec.job_id, jobstore="store",
                              replace_existing=True, next_run_time=first)
        scheduler.start()
        self.scheduler = scheduler
        log.info("service started with %d jobs: %s", len(self.specs), ", ".join(sorted(self.specs)))
        return scheduler

    def stop(self) -> None:
        global _SERVICE
        self._stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        _SERVICE = None
        log.info("service stopped")

    def wait(self, timeout: Optional[float] = None) -> bool:
        return self._stop.wait(timeout)

    def request_stop(self) -> None:
        self._stop.set()


def _crawl_sources(config: Config) -> list[dict]:
    from crawlers.stage import configured_sources

    return configured_sources(config)


def _crawl_stage(config: Config, store: Store, name: str) -> Stage:
    from crawlers.stage import CrawlStage
    return CrawlStage(config, store, name)


def run_once(config: Config, store: Store, *, crawl: bool = True) -> list[StageReport]:
    """Every crawl once (unless ``crawl`` is false), then every stage once, in order."""
    service = Service(config, store, crawl=crawl)
    reports = [service.run_job(job_id) for job_id in service.discover()]
    store.flush()
    return reports


def recent_failures(store: Store, hours: int = 24) -> list:
    since = now() - timedelta(hours=hours)
    return store.find_records("job_runs", {"ok": False}, since=since, order_by="started_at", descending=True,
                              limit=50)
