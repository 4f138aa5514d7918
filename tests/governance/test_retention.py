"""Retention and deletion on both stores: what a purge removes, what it keeps, and the command as users run it."""
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from governance.retention import purge
from yuqing.config import load_config
from yuqing.records import Alert, Analysis, Document, now
from yuqing.storage.base import JsonRecord

PHONE = "13812345678"
ADDRESS = "龙华区民治街道碧水龙庭3栋1502"
OLD = now() - timedelta(days=400)    # older than store.retention_days (365)
RECENT = now() - timedelta(days=40)  # older than rescue.retention_days (30), younger than a year
TODAY = now() - timedelta(hours=1)


def doc(doc_id, stored, text=None, published=None):
    return Document(id=doc_id, title=f"{doc_id} 积水", text=text or f"{doc_id} 民治街道暴雨内涝积水",
                    published_at=published or stored, collected_at=stored, source="forum")


def rescue_analysis(doc_id):
    return Analysis(id=doc_id, sentiment={"label": "negative", "score": 0.9},
                    categories=[{"label": "natural_disaster", "score": 0.9}],
                    rescue={"score": 0.95, "phones": [PHONE], "address": ADDRESS, "people_count": 3,
                            "vulnerable": ["elderly"], "needs": ["evacuation"], "urgency": 0.9},
                    location={"district": "龙华区", "street": "民治街道", "confidence": 0.9})


def plain_analysis(doc_id):
    return Analysis(id=doc_id, sentiment={"label": "neutral", "score": 0.6},
                    categories=[{"label": "natural_disaster", "score": 0.7}],
                    location={"district": "龙华区", "street": "民治街道", "confidence": 0.8})


def fill(store):
    """Two old documents, one recent request for help (its alert, record and rule memory), one new document."""
    docs = [doc("old-a", OLD), doc("old-b", OLD, text="old-b 观澜街道停电"),
            doc("help", RECENT, text=f"民治街道暴雨被困，{ADDRESS}，三位老人，电话{PHONE}"),
            doc("new-a", TODAY, published=OLD)]  # published long ago, collected an hour ago: kept
    store.put_documents(docs)
    store.put_analyses([plain_analysis("old-a"), plain_analysis("old-b"), rescue_analysis("help"),
                        plain_analysis("new-a")])
    store.put_records("alerts", [
        Alert(id="a-help", rule="rescue", severity="red", title=f"求助：{ADDRESS}",
              summary=f"民治街道暴雨被困，{ADDRESS}，三位老人，电话{PHONE}", doc_ids=["help"], street="民治街道",
              category="natural_disaster", created_at=RECENT, dedup_key="req:1",
              history=[{"who": "ana", "when": RECENT.isoformat(), "from": "new", "to": "acknowledged",
                        "note": f"已电话联系 {PHONE}"}]),
        Alert(id="a-old", rule="kw", severity="blue", title="暴雨积水", summary="old-a 民治街道暴雨内涝积水",
              doc_ids=["old-a", "gone-long-ago"], street="民治街道", created_at=OLD)])
    store.put_records("rescue_requests", [JsonRecord(
        id="req:1", request_id="req:1", alert_id="a-help", doc_ids=["help"], phones=[PHONE], address=ADDRESS,
        street="民治街道", people_count=3, vulnerable=["elderly"], needs=["evacuation"], urgency=0.9, status="open",
        first_seen=RECENT.isoformat(), last_seen=RECENT.isoformat())])
    store.set_state("alerts.rule.rescue", {"identities": {f"tel:{PHONE}": "req:1", f"addr:{ADDRESS}": "req:1",
                                                          "tel:13900000000": "req:other"}})
    store.flush()


def raw_records(store, kind):
    """Every stored byte of a kind's records, as the backend keeps them (not through the models)."""
    if store.name == "sqlite":
        with sqlite3.connect(store.path) as db:
            rows = db.execute("SELECT data FROM records WHERE kind = ?", (kind,)).fetchall()
            fts = db.execute("SELECT body FROM records_fts WHERE kind = ?", (kind,)).fetchall()
        return json.dumps([r[0] for r in rows] + [r[0] for r in fts], ensure_ascii=False)
    store.flush()
    hits = store.es.search(index=f"{store.prefix}-{kind}", size=1000)["hits"]["hits"]
    return json.dumps([h["_source"] for h in hits], ensure_ascii=False)


def bigrams(text):
    return [text[i:i + 2] for i in range(len(text) - 1)]


# the store interface ------------------------------------------------------------------------------

def test_delete_documents_stored_before_removes_exactly_the_old_ones(store):
    fill(store)
    assert (store.count_documents(), store.count_analyses()) == (4, 4)
    done = store.delete_documents_stored_before(now() - timedelta(days=365), batch_size=1)
    assert (done.documents, done.analyses) == (2, 2)
    store.flush()
    assert (store.count_documents(), store.count_analyses()) == (2, 2)
    assert [d.id for d in store.get_documents(["old-a", "old-b", "help", "new-a"])] == ["help", "new-a"]
    assert store.get_analyses(["old-a", "old-b"]) == []
    assert store.search("观澜").total == 0 and store.search("积水").total == 2
    assert store.count_by("street") == {"民治街道": 2}
    # the same id can be stored again, and is found again
    assert store.put_documents([doc("old-b", TODAY, text="old-b 观澜街道恢复供电")]).inserted == 1
    store.flush()
    assert [h.document.id for h in store.search("观澜").hits] == ["old-b"]


def test_delete_documents_by_id_skips_unknown_ids(store):
    fill(store)
    done = store.delete_documents(["help", "no-such-id"])
    assert (done.documents, done.analyses) == (1, 1)
    store.flush()
    assert store.get_document("help") is None and store.count_documents() == 3
    assert store.search("被困").total == 0


def test_spool_does_not_bring_a_deleted_document_back(es_store):
    late = doc("late", TODAY, text="late 停水通知")
    es_store.spool.append([late])  # accepted while the node was down, not sent yet
    assert es_store.delete_documents(["late"]).documents == 1
    es_store.flush()  # would send the spool again if the deletion had not drained it first
    assert es_store.spool.pending() == 0
    assert es_store.get_document("late") is None and es_store.count_documents() == 0


# governance.retention.purge -----------------------------------------------------------------------

def test_personal_purge_keeps_counts_and_streets_but_no_phone_or_address(store):
    fill(store)
    counts = purge(store, before_personal=now() - timedelta(days=30))
    assert counts == {"documents": 0, "analyses": 0, "rescue_requests": 1, "alerts": 1, "rule_states": 2}
    request = store.get_record("rescue_requests", "req:1")
    assert (request.street, request.people_count, request.needs, request.urgency, request.doc_ids) == \
        ("民治街道", 3, ["evacuation"], 0.9, ["help"])
    assert request.phones == [] and request.address is None and request.personal_purged_at
    for kind in ("rescue_requests", "alerts"):
        stored = raw_records(store, kind)
        assert PHONE not in stored and ADDRESS not in stored and "碧水龙庭" not in stored, kind
        assert not any(b in stored for b in bigrams("碧水龙庭")), kind  # nor in the full-text index
    alert = store.get_record("alerts", "a-help")
    assert alert.street == "民治街道" and alert.title == "求助：龙华区民治街道****" and alert.state == "new"
    assert "138****5678" in alert.summary and "138****5678" in alert.history[0].note
    assert store.get_state("alerts.rule.rescue") == {"identities": {"tel:13900000000": "req:other"}}
    assert store.count_records("rescue_requests") == 1 and store.count_records("alerts") == 2
    assert store.count_records("rescue_requests", {"street": "民治街道"}) == 1
    # a second run finds nothing left to erase
    assert purge(store, before_personal=now() - timedelta(days=30))["rescue_requests"] == 0


def test_dry_run_changes_nothing(store):
    fill(store)
    before = (raw_records(store, "rescue_requests"), raw_records(store, "alerts"), store.get_state("alerts.rule.rescue"))
    counts = purge(store, before_documents=now() - timedelta(days=365), before_personal=now() - timedelta(days=30),
                   dry_run=True)
    assert counts == {"documents": 2, "analyses": 2, "rescue_requests": 1, "alerts": 1, "rule_states": 2}
    assert (store.count_documents(), store.count_analyses()) == (4, 4)
    assert (raw_records(store, "rescue_requests"), raw_records(store, "alerts"),
            store.get_state("alerts.rule.rescue")) == before


def test_deleting_a_document_on_request_erases_what_was_copied_from_it(store):
    fill(store)
    counts = purge(store, document_ids=["help"])
    assert counts["documents"] == 1 and counts["analyses"] == 1 and counts["rescue_requests"] == 1
    assert store.get_document("help") is None and store.count_documents() == 3
    assert PHONE not in raw_records(store, "rescue_requests") + raw_records(store, "alerts")
    assert store.get_record("alerts", "a-help").doc_ids == ["help"]  # the alert stays, citing a deleted id


# the command, as users run it -----------------------------------------------------------------------

def yuqing(store, tmp_path, *args):
    settings = ["-s", f"store.path={tmp_path / 'cli' / 'store.sqlite'}"]
    if store.name == "sqlite":
        settings = ["-s", f"store.path={store.path}"]
    else:
        settings += ["-s", "store.backend=elasticsearch", "-s", f"store.elasticsearch.hosts=[{store.hosts[0]}]",
                     "-s", f"store.elasticsearch.index_prefix={store.prefix}"]
    return subprocess.run([sys.executable, "-m", "yuqing", *args, *settings], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_purge_command_with_the_defaults_then_pages_and_commands_still_work(store, tmp_path):
    fill(store)
    dry = yuqing(store, tmp_path, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "试运行" in dry.stdout and "将删除文档 2 篇" in dry.stdout
    assert store.count_documents() == 4
    done = yuqing(store, tmp_path, "purge", "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {k: summary[k] for k in ("dry_run", "documents", "analyses", "rescue_requests")} == \
        {"dry_run": False, "documents": 2, "analyses": 2, "rescue_requests": 1}
    assert "purge by cli" in done.stderr  # the one log line
    store.flush()  # the command wrote from another process
    from governance import audit

    [event] = audit.find(store, actions=["purge"])
    assert "删除文档 2 篇" in event.detail and PHONE not in event.detail
    store.flush()
    assert store.count_documents() == 2 and store.search("观澜").total == 0
    # what refers to deleted documents keeps working
    show = yuqing(store, tmp_path, "alerts", "show", "a-old")
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["doc_ids"] == ["old-a", "gone-long-ago"]
    search = yuqing(store, tmp_path, "search", "积水")
    assert search.returncode == 0 and "new-a" in search.stdout and "old-a" not in search.stdout, search.stderr
    config = load_config(None, ["web.users={ana: {role: analyst, token: t-ana}}"])
    from yuqing.app.web.app import create_app

    client = TestClient(create_app(config, store))
    for path in ("/alerts/a-old", "/alerts/a-help", "/alerts", "/rescue", "/", "/search?q=积水"):
        page = client.get(path, headers={"Authorization": "Bearer t-ana"})
        assert page.status_code == 200, path
    # even an analyst no longer sees the erased phone and address on the desk's pages (the post itself,
    # shown on /alerts/a-help, keeps its text until store.retention_days)
    for path in ("/rescue", "/alerts", "/"):
        page = client.get(path, headers={"Authorization": "Bearer t-ana"}).text
        assert PHONE not in page and ADDRESS not in page, path


def test_purge_command_deletes_one_document_on_request(store, tmp_path):
    fill(store)
    done = yuqing(store, tmp_path, "purge", "--document", "new-a")
    assert done.returncode == 0, done.stderr
    assert "已删除文档 1 篇、分析 1 条" in done.stdout
    store.flush()
    assert store.get_document("new-a") is None and store.count_documents() == 3  # nothing old went with it
    from governance import audit

    events = audit.find(store, actions=["purge", "delete_document"])
    assert sorted((e.action, e.target_id) for e in events) == [("delete_document", "new-a"), ("purge", None)]
    assert all(e.who.startswith("cli") for e in events) and "删除文档 1 篇" in events[-1].detail + events[0].detail


@pytest.mark.parametrize("args, named", [
    (["--document", "no-such-doc", "--document", "new-a"], "no-such-doc"),
    (["--before", "2024-02-30"], "2024-02-30"),
    (["--personal-before", "yesterday"], "yesterday"),
    (["--before", "2999-01-01"], "2999-01-01"),
])
def test_purge_command_errors_name_the_value_and_change_nothing(store, tmp_path, args, named):
    fill(store)
    before = raw_records(store, "rescue_requests")
    result = yuqing(store, tmp_path, "purge", *args)
    assert result.returncode != 0 and named in result.stderr and "Traceback" not in result.stderr
    store.flush()
    assert store.count_documents() == 4 and raw_records(store, "rescue_requests") == before


# the service's job --------------------------------------------------------------------------------

def test_service_runs_the_purge_job(store):
    from yuqing.app.scheduler import Service

    fill(store)
    service = Service(load_config(None, []), store, crawl=False)
    assert service.discover()["purge"].interval == 86400
    report = service.run_job("purge")
    assert report.errors == 0 and report.extra["documents"] == 2 and report.extra["rescue_requests"] == 1
    store.flush()
    assert store.count_documents() == 2
    run = store.find_records("job_runs", {"job": "purge"})
    assert len(run) == 1 and run[0].ok is True


def test_no_purge_job_when_both_retentions_are_zero(store):
    from yuqing.app.scheduler import Service

    config = load_config(None, ["store.retention_days=0", "rescue.retention_days=0"])
    assert "purge" not in Service(config, store, crawl=False).discover()


def test_a_purged_request_keeps_its_desk_lineage_and_no_phone_as_a_key(store):
    """A row the desk split keeps ``split_phones`` (phone → new row): the phone is a key there, and a
    purge must not leave it; the lineage (merged into, split from) is row ids and stays readable."""
    fill(store)
    stored = store.get_record("rescue_requests", "req:1").model_dump(mode="json")
    stored.update(split_phones={PHONE: "req:2"}, split_docs={"help-2": "req:2"}, merged_into="req:0",
                  merged_from=["req:3"], split_from="req:9")
    store.put_records("rescue_requests", [JsonRecord(**stored)])
    store.flush()
    purge(store, before_personal=now() - timedelta(days=30))
    request = store.get_record("rescue_requests", "req:1")
    assert request.split_phones == {} and PHONE not in raw_records(store, "rescue_requests")
    assert (request.merged_into, request.merged_from, request.split_from, request.split_docs) == \
        ("req:0", ["req:3"], "req:9", {"help-2": "req:2"})
