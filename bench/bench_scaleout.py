"""Analysis throughput with 1, 2 and 4 ``yuqing run --role analyze`` processes on one machine.

    YUQING_ES_URL=http://127.0.0.1:9277 .venv/bin/python bench/bench_scaleout.py [--docs 2000] [--workers 1,2,4]
        [--mode cascade|stage1] [--backend elasticsearch|sqlite]

For each worker count: a fresh redis-server and a fresh store (index prefix or SQLite file), the
workers started and warmed up (models loaded, one batch each analysed), then ``--docs`` synthetic
documents stored and announced on the stream as the crawl role does, and the wall time until every one
has an analysis and the stream is empty. Prints documents per second in all and per process, and
how many documents were analysed more than once (the heartbeats' counts against the number of
documents). Figures only, no asserts.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.deployment.deploy_helpers import RoleProcess, free_port, wait_until  # noqa: E402


def _redis(folder: Path):
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--dir",
                             str(folder), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port, decode_responses=True)
    wait_until(lambda: _ping(client), 10, "redis")
    return proc, client, f"redis://127.0.0.1:{port}/0"


def _ping(client) -> bool:
    try:
        return client.ping()
    except Exception:  # noqa: BLE001
        return False


def _store(backend: str, folder: Path, es_url: str, prefix: str):
    if backend == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore
        return SQLiteStore(folder / "store.sqlite")
    from yuqing.storage.elastic import ElasticsearchStore
    return ElasticsearchStore([es_url], index_prefix=prefix, spool_dir=folder)


def run(workers: int, docs_count: int, mode: str, backend: str, es_url: str) -> dict:
    import yaml

    from deployment.connection import Keys
    from deployment.streams import DocumentStream, PublishingStore
    from yuqing.storage.synthetic import make_docs

    folder = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    redis_proc, client, url = _redis(folder)
    store = _store(backend, folder, es_url, prefix)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "store": {"backend": backend, "path": str(folder / "store.sqlite"),
                  "elasticsearch": {"hosts": [es_url], "index_prefix": prefix}},
        "deployment": {"redis_url": url, "metrics_port": 0, "heartbeat_seconds": 1.0, "sweep_interval": 3600.0},
        "nlp": {"cascade": {"mode": mode}, "models": {"threads": 1}}, "web": {"enabled": False}}), encoding="utf-8")
    procs = [RoleProcess.start("analyze", config) for _ in range(workers)]
    try:
        for proc in procs:
            proc.metrics_address(timeout=300)
        stream = DocumentStream(client, Keys("yuqing"))
        stream.ensure_group()
        publishing = PublishingStore(store, stream)
        warm = make_docs(64 * workers, first=10_000_000)
        publishing.put_documents(warm)
        wait_until(lambda: store.count_analyses() == len(warm) and stream.lag()["total"] == 0, 600, "warm-up")
        time.sleep(2.5)  # two beats, so the heartbeats carry the warm-up's counts
        before = _analysed(client)
        docs = make_docs(docs_count)
        started = time.monotonic()
        for start in range(0, len(docs), 200):  # as the crawl role writes: batches of 200
            publishing.put_documents(docs[start:start + 200])
        wait_until(lambda: store.count_analyses() == len(warm) + len(docs) and stream.lag()["total"] == 0, 3600,
                   "every document analysed", every=0.2)
        seconds = time.monotonic() - started
        time.sleep(2.5)  # two beats, so the heartbeats carry the final counts
        after = _analysed(client)
        analysed = sum(after.values()) - sum(before.values())
        return {"workers": workers, "docs": len(docs), "seconds": seconds, "per_second": len(docs) / seconds,
                "per_process": len(docs) / seconds / workers, "analysed_twice": analysed - len(docs),
                "split": sorted(after[p] - before.get(p, 0) for p in after)}
    finally:
        for proc in procs:
            proc.stop()
        if backend == "elasticsearch":
            store.delete_indices()
        store.close()
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _analysed(client) -> dict[int, int]:
    rows = {}
    for key in client.scan_iter(match="yuqing:process:*"):
        data = client.hgetall(key)
        rows[int(data["pid"])] = int(data.get("analysed") or 0)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--mode", default="cascade", choices=("cascade", "stage1", "stage2"))
    parser.add_argument("--backend", default="elasticsearch", choices=("elasticsearch", "sqlite"))
    args = parser.parse_args()
    es_url = os.environ.get("YUQING_ES_URL", "http://127.0.0.1:9277")
    print(f"{os.cpu_count()} cores, {args.docs} documents, nlp.cascade.mode={args.mode}, store {args.backend}")
    print(f"{'analysers':>9} {'seconds':>8} {'docs/s':>8} {'per process':>12} {'twice':>6}  split")
    for workers in [int(w) for w in args.workers.split(",")]:
        r = run(workers, args.docs, args.mode, args.backend, es_url)
        print(f"{r['workers']:>9} {r['seconds']:>8.1f} {r['per_second']:>8.1f} {r['per_process']:>12.1f} "
              f"{r['analysed_twice']:>6}  {r['split']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
