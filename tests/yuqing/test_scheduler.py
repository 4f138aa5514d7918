"""The service's scheduler: jobs kept in the store, failures recorded and retried, never fatal."""
import threading
import time

from yuqing.config import load_config
from yuqing.pipeline import Stage, StageReport
from yuqing.app.scheduler import JobSpec, Service


class CountingStage(Stage):
    """A real stage that counts the documents in the store."""

    name = "counting"
    runs = 0

    def run_once(self):
        type(self).runs += 1
        return StageReport(self.name, processed=self.store.count_documents())


class FailingStage(Stage):
    name = "failing"

    def run_once(self):
        raise RuntimeError("source answered 500")


def service_with(store, specs, **overrides):
    config = load_config(None, [f"{k}={v}" for k, v in {"service.retry_seconds": 1, **overrides}.items()])
    service = Service(config, store, crawl=False)
    service.discover = lambda: service.specs  # only the test's jobs
    for spec in specs:
        service.specs[spec.job_id] = spec
    return service


def test_failing_job_is_recorded_and_others_go_on(store):
    CountingStage.runs = 0
    service = service_with(store, [
        JobSpec("stage:failing", 3600, lambda: FailingStage(None, store)),
        JobSpec("stage:counting", 3600, lambda: CountingStage(None, store)),
    ])
    service.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (CountingStage.runs < 1 or
                                               store.count_records("job_runs", {"ok": False}) < 2):
            time.sleep(0.2)
    finally:
        service.stop()
    store.flush()
    failures = store.find_records("job_runs", {"job": "stage:failing"})
    assert len(failures) >= 2, "the failed job was not retried after service.retry_seconds"
    assert all(f.ok is False and "source answered 500" in f.error for f in failures)
    assert CountingStage.runs >= 1
    assert store.find_records("job_runs", {"job": "stage:counting"})[0].ok is True


def test_jobs_are_kept_in_the_store_across_restarts(store):
    spec = JobSpec("stage:counting", 3600, lambda: CountingStage(None, store))
    service = service_with(store, [spec])
    service.start()
    service.stop()
    store.flush()
    kept = store.get_record("scheduler_jobs", "stage:counting")
    assert kept is not None and kept.next_run_time is not None
    again = service_with(store, [spec])
    scheduler = again.start()
    try:
        assert [job.id for job in scheduler.get_jobs()] == ["stage:counting"]
    finally:
        again.stop()


def test_run_job_never_raises(store):
    service = service_with(store, [JobSpec("stage:failing", 3600, lambda: FailingStage(None, store))])
    report = service.run_job("stage:failing")
    assert report.errors == 1 and "RuntimeError" in report.detail
