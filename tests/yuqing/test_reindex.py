"""One machine to several: `yuqing reindex` copies the embedded store into Elasticsearch, and an
import killed mid-way on Elasticsearch loses and duplicates nothing, as on SQLite."""
import json
import signal
import subprocess
import sys
import time
import uuid

import pytest

from yuqing.records import Alert, AlertChange, Analysis, Case
from yuqing.storage.elastic import ElasticsearchStore
from yuqing.storage.sqlite import SQLiteStore


def yuqing(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "yuqing", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def es_target(es_node, tmp_path):
    """The -s options that point a command at a fresh index prefix, and a store to check it with."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    options = ["-s", "store.backend=elasticsearch", "-s", f"store.elasticsearch.hosts=[{es_node}]",
               "-s", f"store.elasticsearch.index_prefix={prefix}", "-s", f"store.path={tmp_path / 'es-local.sqlite'}"]
    store = ElasticsearchStore([es_node], index_prefix=prefix, spool_dir=tmp_path / "check-spool")
    yield options, store
    store.delete_indices()
    store.close()


def test_reindex_copies_documents_analyses_and_records_once(tmp_path, make_docs, es_target):
    options, target = es_target
    source_path = tmp_path / "old.sqlite"
    docs = make_docs(3000)
    with SQLiteStore(source_path) as source:
        source.put_documents(docs)
        source.put_analyses([Analysis(id=d.id, sentiment={"label": "negative", "score": 0.9}, keywords=["积水"]) for d in docs[:500]])
        source.put_records("alerts", [Alert(
            id="a1", rule="rescue_request", severity="red", title="民治街道求救", doc_ids=[docs[0].id],
            street="民治街道", created_at="2023-09-07T20:20:00+08:00", state="acknowledged",
            history=[AlertChange(who="ana", when="2023-09-07T20:25:00+08:00", from_state="new",
                                 to_state="acknowledged", note="已电话联系")])])
        source.put_records("cases", [Case(id="c1", title="某小区暴雨内涝", categories=["natural_disaster"])])
    result = yuqing("reindex", "--from", str(source_path), "-q", *options)
    assert result.returncode == 0, result.stderr
    assert "documents: 3000" in result.stderr and "analyses: 500" in result.stderr
    assert target.count_documents() == 3000
    assert len(target.get_analyses([d.id for d in docs[:600]])) == 500
    alert = target.get_record("alerts", "a1")
    assert alert.state == "acknowledged" and alert.history[0].note == "已电话联系"
    assert target.get_record("cases", "c1").title == "某小区暴雨内涝"
    phrase = docs[7].text[2:6]
    assert docs[7].id in {hit.document.id for hit in target.search(f'"{phrase}"', limit=3000).hits}

    again = yuqing("reindex", "--from", str(source_path), "-q", *options)  # an interrupted re-index is run again
    assert again.returncode == 0, again.stderr
    assert target.count_documents() == 3000 and target.count_records("alerts") == 1


def test_reindex_names_a_missing_file(tmp_path, es_target):
    options, _ = es_target
    result = yuqing("reindex", "--from", str(tmp_path / "absent.sqlite"), *options)
    assert result.returncode == 2 and "absent.sqlite: no such store file" in result.stderr


def test_kill_9_mid_import_on_elasticsearch(tmp_path, es_target):
    options, target = es_target
    path = tmp_path / "big.jsonl"
    total = 20000
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(total):
            handle.write(json.dumps({"id": f"doc-{i}", "text": f"观澜街道第{i}号厂房欠薪，工人讨薪",
                                     "published_at": "2024-01-20T09:00:00+08:00"}, ensure_ascii=False) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "yuqing", "import", str(path), "-q", *options,
                             "-s", "store.batch_size=500"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and target.count_documents() < 2000:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = target.count_documents()
    assert 0 < partial < total, "the import was not interrupted mid-way"
    result = yuqing("import", str(path), "--format", "json", "-q", *options)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["imported"] + summary["duplicates"] == total
    assert target.count_documents() == total
