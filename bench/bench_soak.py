"""Two full services against one Redis and one Elasticsearch for an hour of replayed storm (issue 18).

    .venv/bin/python bench/bench_soak.py [--minutes 60] [--kills 2] [--out soak.json] [--workdir DIR]
        [--es-url URL | --es-port 9288] [--lease-seconds 15] [--crawl-interval 30] [--kill-busy-wait SECONDS]

What runs. One ``redis-server`` (started here, on a free loopback port), one Elasticsearch node
(``scripts/elasticsearch.sh`` on ``--es-port`` with its own ``--data`` folder, stopped at the end;
or an existing node with ``--es-url``), and two *full services*, A and B: each one process
``yuqing run --role crawl,analyze,cluster,alert,web`` with a config file of its own (its own web
port, its own spool folder) pointing at the same Redis and the same index prefix. Besides the
addresses (``deployment.metrics_port`` 0), ``crawl.download_delay`` 0.1 and ``log.level`` INFO,
every setting is the default: ``deployment.lease_seconds`` 15 (``--lease-seconds``),
``claim_idle_seconds`` 60, ``sweep_interval`` 300, ``service.alert_interval`` 30,
``cluster_interval`` 300, the bundled rules of ``alerts/rules.d``.

The storm. The 1,981 real posts of ``henan_storm_unlabelled/posts.jsonl`` are published by the
replay site of :mod:`crawlers.replay` on loopback (its social JSON API, newest first, ten a page),
their original times (five days) compressed to ``--minutes`` of wall time: a post appears when its
compressed time comes, stamped with that wall time. Both services crawl the site with the same
``json_api`` source every ``--crawl-interval`` seconds, as two machines crawling one platform do.

The kills. At 1/(kills+1), 2/(kills+1)… of the run the process holding the ``alert`` lease (read
from its Redis key, ``host:pid|token``) is SIGKILLed with its whole process group (a crawl child
included): a machine that dies. The seconds until the other service holds the lease are measured
by polling the key every 50 ms; so are those of the ``cluster`` and ``sweep`` leases when the dead
process held them. With ``--kill-busy-wait`` the kill waits (up to that long) for the holder to have
stream entries in hand, so that another analyser must re-claim a batch the dead one was analysing;
the entries it held are recorded either way. Then the killed service is started again, so the next
kill hits the other one.

What is counted, at the end (after the feed, once every stored document has an analysis and the
stream is empty, or ``--drain-minutes`` passed, then two alert cycles more):

* documents stored (ids in ``PREFIX-docs-*``) against posts published by the site;
* never analysed: stored document ids with no ``PREFIX-analyses`` document;
* analysed twice: an analysis is written with a bulk ``index`` on ``_id`` = document id, so a
  second write of the same document's analysis (a double analysis stored) raises the
  document's ``_version`` to 2. Nothing else writes analyses in a role deployment (corrections are
  an analyst's command), so ``_version > 1`` is the witness of a post analysed and stored twice.
  Analyses computed but refused before their write (``analyses not stored``: the take passed to
  another analyser) are counted from the logs; and the heartbeats' ``analysed`` counters are
  summed (highest value seen per process, so a killed process's last few seconds may be missing);
* duplicate alerts: open cards sharing one ``dedup_key`` (the key that makes two findings one
  alert: ``rule:key`` or ``incident:ID``); a post on two open request cards (rule
  ``rescue-request``); a post on two rows of the desk's board (``rescue_requests`` records);
* failover seconds per kill and lease; errors in the services' logs (lines with ``Traceback``,
  `` ERROR `` or `` CRITICAL ``), with the first few messages.

Figures only, no asserts; prints a summary, writes every figure as JSON with ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tests.deployment.deploy_helpers import free_port, wait_until  # noqa: E402

POSTS = ROOT.parent / "shared" / "data" / "henan_storm_unlabelled" / "posts.jsonl"
ROLES = "crawl,analyze,cluster,alert,web"
SOURCE = "storm-weibo"
LEASES = ("alert", "cluster", "sweep")
ERROR_LINE = re.compile(r"Traceback|\sERROR\s|\sCRITICAL\s")


# the storm, published progressively ---------------------------------------------------------------
def storm_site(path: Path, minutes: float):
    """The replay site serving the storm's posts on its social API, five days compressed to ``minutes``."""
    from crawlers.replay import Post, ReplaySite
    from yuqing.importer import parse_time

    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    times = [parse_time(r["published_at"]) for r in rows]
    first = min(times)
    posts = sorted((Post(r["id"], "social", (t - first).total_seconds() / 60, r["text"]) for r, t in zip(rows, times)),
                   key=lambda p: (p.at, p.id))
    span = max(p.at for p in posts)
    return ReplaySite("127.0.0.1", 0, speed=span / minutes, head_start=0.0, posts=posts)


def source_of(site_url: str, interval: int) -> dict:
    return {"name": SOURCE, "type": "json_api", "interval": interval, "url": f"{site_url}/api/timeline",
            "items_path": "data.statuses", "id_path": "id", "text_path": "text", "time_path": "created_at",
            "author_path": "user.screen_name", "url_template": f"{site_url}/s/{{id}}",
            "next_path": "data.next_cursor", "next_param": "cursor"}


# the services --------------------------------------------------------------------------------------
class Service:
    """One full service: ``yuqing run --role crawl,analyze,cluster,alert,web`` in its own process group."""

    def __init__(self, name: str, folder: Path, settings: dict) -> None:
        import yaml

        self.name, self.folder = name, folder
        folder.mkdir(parents=True, exist_ok=True)
        tree: dict = {}
        for key, value in settings.items():
            node = tree
            *parts, last = key.split(".")
            for part in parts:
                node = node.setdefault(part, {})
            node[last] = value
        self.config = folder / "config.yaml"
        self.config.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        self.web_port = settings["web.port"]
        self.popen: subprocess.Popen | None = None
        self.started_at = 0.0
        self.logs: list[Path] = []

    def start(self) -> None:
        log = self.folder / f"run-{len(self.logs) + 1}.log"
        self.logs.append(log)
        self.started_at = time.monotonic()
        with log.open("w") as out:
            self.popen = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(self.config), "run",
                                           "--role", ROLES], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid if self.popen else -1

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the service and its crawl child die as with their machine."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)

    def stop(self, timeout: float = 120) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(30)
        try:  # a crawl child left behind by a clean stop
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def settings_for(name: str, folder: Path, es_url: str, prefix: str, redis_url: str, site_url: str,
                 args) -> dict:
    return {"store.backend": "elasticsearch", "store.path": str(folder / "store.sqlite"),
            "store.elasticsearch.hosts": [es_url], "store.elasticsearch.index_prefix": prefix,
            "deployment.redis_url": redis_url, "deployment.metrics_port": 0,
            "deployment.lease_seconds": args.lease_seconds, "web.enabled": True, "web.port": free_port(),
            "service.demo": False, "crawl.sources": [source_of(site_url, args.crawl_interval)],
            "crawl.download_delay": 0.1, "log.level": "INFO"}


# watching --------------------------------------------------------------------------------------------
def holder_pid(value: str | None) -> int | None:
    """``host:pid|token`` → pid."""
    if not value:
        return None
    return int(value.split("|")[0].rsplit(":", 1)[1])


class Watch:
    """What the bench samples while the services run: leases, heartbeats, stream lag, load, web answers."""

    def __init__(self, client, store, services: list[Service]) -> None:
        from deployment.connection import Keys
        from deployment.streams import DocumentStream

        self.client, self.store, self.services = client, store, services
        self.keys = Keys("yuqing")
        self.stream = DocumentStream(client, self.keys)
        self.analysed: dict[str, int] = {}  # process id → highest analysed count its heartbeat showed
        self.load: list[float] = []
        self.web = Counter()

    def lease(self, name: str) -> str | None:
        return self.client.get(self.keys.lease(name))

    def pending(self, consumer: str) -> int:
        """Stream entries delivered to ``consumer`` and not yet acknowledged."""
        from deployment.streams import GROUP

        try:
            return len(self.client.xpending_range(self.keys.stream, GROUP, min="-", max="+", count=1000,
                                                  consumername=consumer))
        except Exception:  # noqa: BLE001 - no stream or group yet
            return 0

    def beats(self) -> None:
        for key in self.client.scan_iter(match=self.keys.processes):
            data = self.client.hgetall(key)
            if data.get("analysed", "") != "":
                ident = key.split(":process:", 1)[1]
                self.analysed[ident] = max(self.analysed.get(ident, 0), int(data["analysed"]))

    def probe_web(self) -> None:
        for service in self.services:
            if not service.alive() or time.monotonic() - service.started_at < 90:
                continue  # a service that is starting (models, store) has no web UI yet
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{service.web_port}/", timeout=10) as answer:
                    self.web[f"{answer.status}"] += 1
            except urllib.error.HTTPError as exc:
                self.web[f"{exc.code}"] += 1
            except Exception as exc:  # noqa: BLE001 - counted by kind
                self.web[type(exc).__name__] += 1

    def line(self, elapsed: float, site) -> str:
        self.load.append(os.getloadavg()[0])
        lag = self.stream.lag()["total"]
        holders = {n: holder_pid(self.lease(n)) for n in LEASES}
        return (f"{elapsed / 60:5.1f} min  posts out {len(site.visible()):>4}  stored {self.store.count_documents():>4}"
                f"  analysed {self.store.count_analyses():>4}  stream lag {lag:>4}  leases {holders}"
                f"  load {self.load[-1]:.1f}")


def kill_holder(watch: Watch, services: list[Service], status_config: Path, busy_wait: float = 0.0) -> dict:
    """SIGKILL the alert lease holder; seconds until each lease it held is held by another process.

    With ``busy_wait``, wait up to that long for the holder to have stream entries in hand (a batch
    being analysed), so the kill also leaves entries for another analyser to re-claim.
    """
    value = wait_until(lambda: watch.lease("alert"), 120, "an alert lease holder")
    pid = holder_pid(value)
    victim = next((s for s in services if s.pid == pid), None)
    if victim is None:
        return {"error": f"alert lease held by pid {pid}, not one of the services"}
    consumer = value.split("|")[0]  # the lease owner is host:pid, as the analyser's consumer name
    deadline = time.monotonic() + busy_wait
    while not watch.pending(consumer) and time.monotonic() < deadline:
        time.sleep(0.05)
    in_hand = watch.pending(consumer)
    held = [n for n in LEASES if holder_pid(watch.lease(n)) == pid]
    at = time.time()
    victim.kill()
    killed = time.monotonic()
    took: dict[str, float | None] = {n: None for n in held}
    new: dict[str, str | None] = {n: None for n in held}
    while any(v is None for v in took.values()) and time.monotonic() - killed < 180:
        for name in held:
            if took[name] is None:
                current = watch.lease(name)
                if current and holder_pid(current) != pid:
                    took[name], new[name] = round(time.monotonic() - killed, 2), current
        time.sleep(0.05)
    status = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(status_config), "status", "--format",
                             "json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    victim.start()
    return {"at": datetime.fromtimestamp(at).isoformat(timespec="seconds"), "service": victim.name,
            "pid": pid, "lease_before": value, "leases_held": held, "entries_in_hand": in_hand,
            "failover_seconds": took,
            "new_holders": new, "status_after": _json_or_text(status.stdout)}


def _cpu() -> str:
    done = subprocess.run(["lscpu"], capture_output=True, text=True)
    found = re.search(r"Model name:\s*(.+)", done.stdout)
    return f"{found.group(1).strip() if found else '?'}, {os.cpu_count()} cores"


def _json_or_text(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text[-2000:]


# counting -----------------------------------------------------------------------------------------
def ids_and_versions(es, index: str) -> dict[str, int]:
    from elasticsearch.helpers import scan

    return {hit["_id"]: int(hit.get("_version") or 1) for hit in scan(
        es, index=index, query={"query": {"match_all": {}}, "version": True, "_source": False},
        ignore_unavailable=True)}


def count_store(store, prefix: str, site) -> dict:
    from crawlers.spiders.base import item_id

    store.es.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
    docs = ids_and_versions(store.es, f"{prefix}-docs-*")
    analyses = ids_and_versions(store.es, f"{prefix}-analyses")
    expected = {item_id(SOURCE, None, p.id): p.id for p in site.posts}
    never = sorted(set(docs) - set(analyses))
    twice = {i: v for i, v in analyses.items() if v > 1}
    return {"posts_published": len(site.visible()), "posts": len(site.posts), "documents": len(docs),
            "documents_not_from_the_storm": len(set(docs) - set(expected)),
            "posts_never_stored": sorted(expected[i] for i in set(expected) - set(docs))[:50],
            "posts_never_stored_count": len(set(expected) - set(docs)),
            "analyses": len(analyses), "never_analysed": len(never), "never_analysed_ids": never[:50],
            "analysed_twice": len(twice), "analysed_twice_ids": dict(list(twice.items())[:50])}


def count_alerts(store) -> dict:
    from yuqing.records import OPEN_ALERT_STATES

    alerts = store.find_records("alerts")
    open_cards = [a for a in alerts if a.state in OPEN_ALERT_STATES]
    by_key = defaultdict(list)
    for alert in open_cards:
        by_key[getattr(alert, "dedup_key", None) or f"(no key) {alert.id}"].append(alert.id)
    duplicate_keys = {k: v for k, v in by_key.items() if len(v) > 1}
    on_request_cards = defaultdict(set)
    for alert in open_cards:
        if alert.rule == "rescue-request":
            for doc_id in alert.doc_ids:
                on_request_cards[doc_id].add(alert.id)
    rows = store.find_records("rescue_requests")
    on_rows = defaultdict(set)
    for row in rows:
        if getattr(row, "merged_into", None):
            continue  # a row the desk merged into another: its posts are the other row's
        for doc_id in getattr(row, "doc_ids", None) or []:
            on_rows[doc_id].add(row.id)
    twice_on_cards = {d: sorted(c) for d, c in on_request_cards.items() if len(c) > 1}
    twice_on_rows = {d: sorted(r) for d, r in on_rows.items() if len(r) > 1}
    # diagnostics, not the goal's figures: a phone on two open rows (the rule's memory of phones keeps a
    # request's reposts on one row), a post on two open incident cards (incident ids that changed)
    phone_rows = defaultdict(set)
    for row in rows:
        if not getattr(row, "merged_into", None) and row.status not in ("duplicate", "invalid"):
            for phone in row.phones:
                phone_rows[phone].add(row.id)
    first_seen = {row.id: str(row.first_seen) for row in rows}
    twice_phone = {p: {r: first_seen[r] for r in sorted(ids)} for p, ids in phone_rows.items() if len(ids) > 1}
    on_incident_cards = defaultdict(set)
    for alert in open_cards:
        if str(getattr(alert, "dedup_key", "")).startswith("incident:"):
            for doc_id in alert.doc_ids:
                on_incident_cards[doc_id].add(alert.id)
    twice_incident = {d: sorted(c) for d, c in on_incident_cards.items() if len(c) > 1}
    return {"cards": len(alerts), "open_cards": len(open_cards), "by_rule": dict(Counter(a.rule for a in alerts)),
            "duplicate_open_cards": sum(len(v) - 1 for v in duplicate_keys.values()),
            "duplicate_keys": dict(list(duplicate_keys.items())[:20]),
            "request_cards": sum(1 for a in open_cards if a.rule == "rescue-request"),
            "posts_on_two_request_cards": len(twice_on_cards),
            "examples_cards": dict(list(twice_on_cards.items())[:10]),
            "board_rows": len(rows), "posts_on_two_board_rows": len(twice_on_rows),
            "examples_rows": dict(list(twice_on_rows.items())[:10]),
            "diagnostic_phones_on_two_open_rows": len(twice_phone),
            "examples_phones": dict(list(twice_phone.items())[:10]),
            "diagnostic_posts_on_two_open_incident_cards": len(twice_incident),
            "examples_incident_cards": dict(list(twice_incident.items())[:10])}


def count_logs(services: list[Service]) -> dict:
    errors, examples, warnings = 0, [], Counter()
    for service in services:
        for log in service.logs:
            for line in log.read_text("utf-8", errors="replace").splitlines():
                if ERROR_LINE.search(line):
                    errors += 1
                    if len(examples) < 15:
                        examples.append(f"{log.parent.name}/{log.name}: {line[:300]}")
                for mark in ("analyses not stored", "analysis batch failed", "stopped: lease", "lease alert lost",
                             "lease cluster lost", "not brought forward", "a alert write took",
                             "without an analysis put on the stream"):
                    if mark in line:
                        warnings[mark] += 1
    return {"error_lines": errors, "examples": examples, "marks": dict(warnings)}


# the run --------------------------------------------------------------------------------------------
def start_es(args, folder: Path) -> tuple[str, bool]:
    if args.es_url:
        return args.es_url, False
    done = subprocess.run([str(ROOT / "scripts" / "elasticsearch.sh"), "start", "--port", str(args.es_port),
                           "--data", str(folder / "es")], capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"Elasticsearch did not start: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1], True


def stop_es(args, folder: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "elasticsearch.sh"), "stop", "--port", str(args.es_port), "--data",
                    str(folder / "es")], capture_output=True, text=True, timeout=180)


def run(args) -> dict:
    import redis

    from redis_node import start_redis
    from yuqing.storage.elastic import ElasticsearchStore

    folder = Path(args.workdir or tempfile.mkdtemp(prefix="bench-soak-")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    es_url, own_es = start_es(args, folder)
    redis_proc, redis_url = start_redis(folder)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore([es_url], index_prefix=prefix, spool_dir=folder)
    site = storm_site(Path(args.posts), args.minutes)
    site.start()
    services = [Service(n, folder / n, settings_for(n, folder / n, es_url, prefix, redis_url, site.url, args))
                for n in ("A", "B")]
    result: dict = {"cpu": _cpu(), "minutes": args.minutes, "lease_seconds": args.lease_seconds, "es": es_url,
                    "prefix": prefix, "folder": str(folder), "roles": ROLES, "crawl_interval": args.crawl_interval}
    watch = Watch(client, store, services)
    try:
        for service in services:
            service.start()
        # both beating and the singletons held before the storm starts
        wait_until(lambda: len(list(client.scan_iter(match="yuqing:process:*"))) == 2
                   and all(watch.lease(n) for n in ("alert", "cluster")), 300, "both services up", every=1)
        site.started = time.time()  # the storm's first post appears now
        started = time.monotonic()
        end = started + args.minutes * 60
        kills_at = [started + args.minutes * 60 * k / (args.kills + 1) for k in range(1, args.kills + 1)]
        result["started_at"] = datetime.now().isoformat(timespec="seconds")
        kills, next_line = [], started
        while time.monotonic() < end:
            watch.beats()
            if kills_at and time.monotonic() >= kills_at[0]:
                kills_at.pop(0)
                kills.append(kill_holder(watch, services, services[0].config, args.kill_busy_wait))
                print(f"kill: {json.dumps({k: v for k, v in kills[-1].items() if k != 'status_after'})}", flush=True)
            if time.monotonic() >= next_line:
                watch.probe_web()
                print(watch.line(time.monotonic() - started, site), flush=True)
                next_line += 60
            time.sleep(2)
        result["feed_seconds"] = round(time.monotonic() - started, 1)
        result["kills"] = kills
        # drain: every post stored, every stored document analysed, nothing on the stream
        drain_started = time.monotonic()

        def drained():
            watch.beats()
            counts = count_store(store, prefix, site)
            return (counts["documents"] >= len(site.posts) and counts["never_analysed"] == 0
                    and watch.stream.lag()["total"] == 0)
        try:
            wait_until(drained, args.drain_minutes * 60, "the drain", every=10)
            result["drained"] = True
        except AssertionError:
            result["drained"] = False
        result["drain_seconds"] = round(time.monotonic() - drain_started, 1)
        time.sleep(2 * 30 + 15)  # two more alert cycles (service.alert_interval) see the last analyses
        watch.beats()
        print(watch.line(time.monotonic() - started, site), flush=True)
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        result["restarts"] = {s.name: len(s.logs) - 1 for s in services}
        result["alive_at_end"] = {s.name: s.alive() for s in services}
    finally:
        for service in services:
            service.stop()
        site.stop()
    try:
        result["store"] = count_store(store, prefix, site)
        result["alerts"] = count_alerts(store)
        result["heartbeat_analysed"] = {"per_process": watch.analysed, "sum": sum(watch.analysed.values())}
        result["logs"] = count_logs(services)
        result["load_1min"] = {"mean": round(sum(watch.load) / max(len(watch.load), 1), 2),
                               "max": round(max(watch.load, default=0), 2), "samples": watch.load}
        result["web_answers"] = dict(watch.web)
    finally:
        if not args.keep:
            store.delete_indices()
        store.close()
        client.close()
        redis_proc.terminate()
        redis_proc.wait(10)
        if own_es:
            stop_es(args, folder)
    return result


def summary(r: dict) -> str:
    s, a, logs = r["store"], r["alerts"], r["logs"]
    lines = [f"machine: {r['cpu']}",
             f"two full services ({r['roles']}), one Redis, one Elasticsearch ({r['es']}), "
             f"lease {r['lease_seconds']} s; storm fed over {r['feed_seconds'] / 60:.1f} min, "
             f"{r['wall_seconds'] / 60:.1f} min in all (drained: {r['drained']}, {r['drain_seconds']:.0f} s)",
             f"posts published {s['posts_published']} of {s['posts']}; documents stored {s['documents']} "
             f"(never stored {s['posts_never_stored_count']})",
             f"never analysed {s['never_analysed']}; analysed twice (analysis _version > 1) {s['analysed_twice']}; "
             f"heartbeats' analysed sum {r['heartbeat_analysed']['sum']}",
             f"alerts: {a['cards']} cards, {a['open_cards']} open; duplicate open cards (same dedup key) "
             f"{a['duplicate_open_cards']}; posts on two open request cards {a['posts_on_two_request_cards']}; "
             f"posts on two board rows {a['posts_on_two_board_rows']}",
             f"diagnostics: phones on two open board rows {a['diagnostic_phones_on_two_open_rows']}, posts on two "
             f"open incident cards {a['diagnostic_posts_on_two_open_incident_cards']}"]
    for number, kill in enumerate(r["kills"], 1):
        lines.append(f"kill {number}: service {kill.get('service')} (pid {kill.get('pid')}) held "
                     f"{kill.get('leases_held')} and {kill.get('entries_in_hand')} stream entries; "
                     f"failover seconds {kill.get('failover_seconds')}")
    lines.append(f"log error lines {logs['error_lines']}; marks {logs['marks']}; web answers {r['web_answers']}")
    lines.append(f"load average (1 min) mean {r['load_1min']['mean']}, max {r['load_1min']['max']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="wall minutes the storm is replayed over")
    parser.add_argument("--kills", type=int, default=2, help="alert lease holders SIGKILLed during the run")
    parser.add_argument("--kill-busy-wait", type=float, default=0.0, metavar="SECONDS",
                        help="at a kill, wait up to this long for the holder to have stream entries in hand")
    parser.add_argument("--lease-seconds", type=float, default=15.0, help="deployment.lease_seconds")
    parser.add_argument("--crawl-interval", type=int, default=30, help="seconds between crawls of the site")
    parser.add_argument("--drain-minutes", type=float, default=20.0, help="longest wait for the drain")
    parser.add_argument("--posts", default=str(POSTS))
    parser.add_argument("--es-url", help="an Elasticsearch node to use instead of starting one")
    parser.add_argument("--es-port", type=int, default=9288)
    parser.add_argument("--workdir", help="folder for configs, logs, Redis and the node (default: a new temp one)")
    parser.add_argument("--keep", action="store_true", help="keep the indices at the end")
    parser.add_argument("--out", help="write every figure as JSON here")
    args = parser.parse_args()
    result = run(args)
    text = summary(result)
    print(text)
    if args.out:
        Path(args.out).write_text(json.dumps({**result, "summary": text}, ensure_ascii=False, indent=1, default=str),
                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
