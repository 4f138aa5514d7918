"""The running service raises alerts continuously: the real scheduler runs the alert stage every second."""
import time

from alert_builders import analysis, doc
from yuqing.records import now
from yuqing.app.scheduler import JobSpec, Service


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    return None


def test_service_raises_and_updates_alerts_as_documents_arrive(store, make_config, http):
    from alerts.stage import AlertStage

    config = make_config([{"name": "kw", "type": "keyword", "options": {"words": ["堵路"]}}],
                         notifiers={"hook": {"type": "webhook", "url": http.url + "/hook"}})
    service = Service(config, store, crawl=False)
    service.discover = lambda: service.specs
    service.specs["stage:alert"] = JobSpec("stage:alert", 1, lambda: AlertStage.from_config(config, store))
    service.start()
    try:
        first = doc("工人在厂门口堵路", now())
        store.put_documents([first])
        store.put_analyses([analysis(first.id)])
        store.flush()
        alert = wait_for(lambda: store.flush() or store.find_records("alerts"))
        assert alert and alert[0].doc_ids == [first.id]
        second = doc("又有人堵路", now())
        store.put_documents([second])
        store.put_analyses([analysis(second.id)])
        store.flush()
        assert wait_for(lambda: store.flush() or (len(store.find_records("alerts")[0].doc_ids) == 2))
        assert wait_for(lambda: http.requests)[0]["json"]["event"] == "created"
        assert store.count_records("alerts") == 1
    finally:
        service.stop()
