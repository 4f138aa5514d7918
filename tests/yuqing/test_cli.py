"""The yuqing command line as a user runs it: exit codes, error sentences, the contract's outputs."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from yuqing.storage.sqlite import SQLiteStore


def yuqing(*args, cwd=None, timeout=120, extra_env=None, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "yuqing", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env, **kwargs)


@pytest.fixture
def scratch(tmp_path):
    return ["-s", f"store.path={tmp_path / 'store.sqlite'}"]


def write_docs(path, n, start=0, bad_every=0):
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(start, start + n):
            if bad_every and i % bad_every == 0:
                handle.write('{"id": "broken"\n')
                continue
            handle.write(json.dumps({"id": f"doc-{i}", "text": f"民治街道第{i}号楼积水，居民求助",
                                     "published_at": "2023-09-07T20:15:00+08:00"}, ensure_ascii=False) + "\n")


def test_no_command_is_misuse():
    assert yuqing().returncode == 2


def test_bad_config_is_exit_2_with_the_key(tmp_path, scratch):
    result = yuqing("stats", *scratch, "-s", "store.backend=mysql")
    assert result.returncode == 2
    assert "store.backend is 'mysql'" in result.stderr and "Traceback" not in result.stderr
    result = yuqing("stats", "--config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2 and "no such config file" in result.stderr


def test_import_reports_and_summarises_then_is_idempotent(tmp_path, scratch):
    docs = tmp_path / "docs.jsonl"
    write_docs(docs, 30, bad_every=10)
    first = yuqing("import", str(docs), "--format", "json", "-q", *scratch)
    assert first.returncode == 1
    assert json.loads(first.stdout.strip().splitlines()[-1]) == {"imported": 27, "duplicates": 0, "errors": 3}
    assert "docs.jsonl line 1: not valid JSON" in first.stderr
    second = yuqing("import", str(docs), "--format", "json", "-q", *scratch)
    assert json.loads(second.stdout.strip().splitlines()[-1]) == {"imported": 0, "duplicates": 27, "errors": 3}
    stats = yuqing("stats", "--format", "json", *scratch)
    assert stats.returncode == 0
    data = json.loads(stats.stdout)
    assert data["documents"] == 27
    assert set(data) >= {"documents", "analyses", "incidents", "alerts", "cases", "sources"}


def test_import_missing_file_is_exit_2(tmp_path, scratch):
    result = yuqing("import", str(tmp_path / "nothing.jsonl"), *scratch)
    assert result.returncode == 2 and "nothing.jsonl: no such file" in result.stderr


def test_search_with_hostile_query(tmp_path, scratch):
    docs = tmp_path / "docs.jsonl"
    write_docs(docs, 5)
    assert yuqing("import", str(docs), "-q", *scratch).returncode == 0
    for query in ['积水" OR 1=1 --', "NEAR(积水", "*", "'; DROP TABLE documents; --"]:
        result = yuqing("search", query, "--format", "json", *scratch)
        assert result.returncode == 0, result.stderr
    found = yuqing("search", "积水", "--format", "json", *scratch)
    assert len(found.stdout.strip().splitlines()) == 5


def test_kill_9_mid_import_loses_and_duplicates_nothing(tmp_path, scratch):
    docs = tmp_path / "big.jsonl"
    write_docs(docs, 60000)
    proc = subprocess.Popen([sys.executable, "-m", "yuqing", "import", str(docs), "-q", *scratch,
                             "-s", "store.batch_size=500"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store_path = tmp_path / "store.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until part of the file is in, then kill
        time.sleep(0.2)
        if store_path.exists():
            try:
                with SQLiteStore(store_path) as store:
                    if store.count_documents() >= 2000:
                        break
            except Exception:
                continue
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with SQLiteStore(store_path) as store:
        partial = store.count_documents()
    assert 0 < partial < 60000, "the import was not interrupted mid-way"
    result = yuqing("import", str(docs), "--format", "json", "-q", *scratch)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"imported": 60000 - partial, "duplicates": partial, "errors": 0}
    with SQLiteStore(store_path) as store:
        assert store.count_documents() == 60000


def test_run_once_without_crawl(tmp_path, scratch):
    result = yuqing("run", "--once", "--no-crawl", *scratch, "-s", "service.demo=false")
    assert result.returncode == 0, result.stderr


def test_run_stops_cleanly_on_sigterm(tmp_path, scratch):
    proc = subprocess.Popen([sys.executable, "-m", "yuqing", "run", "--no-web", *scratch,
                             "-s", "service.demo=false", "-s", "crawl.sources=[]"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        started = False
        while time.monotonic() < deadline and not started:
            time.sleep(0.5)
            if (tmp_path / "store.sqlite").exists():
                with SQLiteStore(tmp_path / "store.sqlite") as store:
                    started = store.count_records("scheduler_jobs") > 0
        assert started, "the service never scheduled its jobs"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "service stopped" in err


def test_common_options_keep_their_values_at_every_level(tmp_path):
    config = tmp_path / "mine.yaml"
    config.write_text("log:\n  level: WARNING\n", encoding="utf-8")
    result = yuqing("--config", str(config), "-s", "store.path=a.sqlite", "config", "show",
                    "-s", "web.enabled=false")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["log.level"] == "WARNING"  # --config before the command is not reset by the command's parser
    assert shown["store.path"] == "a.sqlite" and shown["web.enabled"] is False  # both -s kept
    result = yuqing("-s", "log.level=ERROR", "calendar", "upcoming", "--days", "3", "--today", "2026-01-20",
                    "--config", str(config), "-s", f"store.path={tmp_path / 's.sqlite'}", "-s", "log.level=INFO")
    assert result.returncode == 0, result.stderr
    missing = yuqing("config", "show", "--config", str(tmp_path / "absent.yaml"))
    assert missing.returncode == 2 and "absent.yaml" in missing.stderr


@pytest.mark.parametrize("progress", ["", "1"])
def test_import_as_a_user_runs_it_without_quiet(tmp_path, scratch, progress):
    """No -q, output to a pipe (and with YUQING_PROGRESS=1, a live bar): the file is imported, the
    bad line named, no traceback. Every import without -q crashed on the progress bar before."""
    docs = tmp_path / "docs.jsonl"
    write_docs(docs, 12, bad_every=5)
    result = yuqing("import", str(docs), *scratch, extra_env={"YUQING_PROGRESS": progress})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert "docs.jsonl line 1: not valid JSON" in result.stderr
    assert "9 imported, 0 already there, 3 bad rows skipped" in result.stderr
    store = SQLiteStore(str(tmp_path / "store.sqlite"))
    try:
        assert store.count_documents() == 9
    finally:
        store.close()
