"""Storm mode (平急转换, issue 15 part 1): what switching it on changes, each where it is done.

Real components only: the alert stage and its rules on SQLite and Elasticsearch, real crawls (the
Scrapy child process) of a search page and a search API on loopback, the service's real scheduler,
mail to a real SMTP receiver on loopback, the web app in process, and ``yuqing desk storm`` as a
subprocess.
"""
from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import minutes, rescue_slots

from desk import storm
from desk.storm import StormWatchStage
from governance import audit
from yuqing.config import load_config
from yuqing.records import Analysis, Document, clock_reads, now
from yuqing.storm import search_terms, storm_mode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))  # the loopback SMTP receiver
from loopback import SmtpReceiver  # noqa: E402

RESCUE = {"name": "rescue-request", "type": "rescue_request"}
HARMFUL = {"name": "harmful-info", "type": "harmful_info", "severity": "yellow",
           "options": {"types": ["rumor", "fraud"], "min_score": 0.75}}
RED_WARNING = {"name": "red-warning", "type": "keyword", "severity": "red", "options": {"phrases": ["红色预警"]}}
GATHERING = {"name": "gathering", "type": "keyword", "severity": "red", "options": {"phrases": ["堵路"]}}
RUMOUR = [{"label": "rumor", "score": 0.9}]


def need(phone: str, address: str, urgency: float) -> dict:
    """A request's slots with no vulnerable group, so its colour is its urgency's alone."""
    return {**rescue_slots(phone, address, urgency=urgency), "vulnerable": []}


def make_config(tmp_path: Path, rules=(), settings: Optional[dict] = None):
    """A config file with these alert rules and settings (dotted keys)."""
    rules_dir = tmp_path / "rules.d"
    rules_dir.mkdir(exist_ok=True)
    for rule in rules:
        (rules_dir / f"{rule['name']}.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    data: dict = {}
    for key, value in {"alerts.rules_dirs": [str(rules_dir)], "alerts.delivery_backoff_seconds": 0.01,
                       "store.path": str(tmp_path / "cli.sqlite"), **(settings or {})}.items():
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path, environ={})


def stored(store, doc_id: str, text: str, at: datetime, *, category="natural_disaster", street="民治街道",
           rescue=None, harmful=None) -> Document:
    """A post and its analysis, as the crawler and the analysis stage would have stored them."""
    doc = Document(id=doc_id, text=text, published_at=at, collected_at=at, source="weibo", source_type="social",
                   url=f"https://weibo.example/{doc_id}")
    store.put_documents([doc])
    store.put_analyses([Analysis.model_validate({
        "id": doc_id, "sentiment": {"label": "negative", "score": 0.9},
        "categories": [{"label": category, "score": 0.9}], "rescue": rescue,
        "harmful": {"types": harmful} if harmful else None,
        "location": {"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9}, "keywords": []})])
    store.flush()
    return doc


def alert_cycle(config, store):
    """``run(at)``: one cycle of the real alert stage (rules, cards, the desk's rows, deliveries) at ``at``."""
    from alerts.stage import AlertEngine, AlertStage

    stage = AlertStage(config, store, engine=AlertEngine.from_config(config, store, providers=False))

    def run(at: datetime):
        report = stage.run_once(now=at)
        store.flush()
        assert report.errors == 0, report.detail
        return report
    return run


def card(store, doc_id: str):
    store.flush()
    [found] = [a for a in store.find_records("alerts") if doc_id in a.doc_ids]
    return found


def storm_events(store) -> list:
    store.flush()
    return list(reversed(audit.find(store, actions=["desk_storm"])))


# --- the switch ---------------------------------------------------------------------------------------

def test_switching_on_names_the_event_and_switching_back_is_one_audited_action(store):
    storm.switch(store, True, by="王敏", note="暴雨红色预警", event="民治内涝", keywords=["暴雨，内涝", "内涝"],
                 places=["民治街道"])
    mode = storm_mode(store)
    assert mode.on and mode.by == "王敏" and mode.event == "民治内涝"
    assert mode.keywords == ("暴雨", "内涝") and mode.places == ("民治街道",)
    config = load_config(None, ["storm.keywords=[求救, 暴雨]"])
    assert search_terms(config, mode) == ["暴雨", "内涝", "民治街道", "求救"]  # the event's first, once each

    storm.switch(store, False, by="王敏", note="雨停，转为平时")
    mode = storm_mode(store)
    assert not mode.on and mode.keywords == () and mode.places == () and search_terms(config, mode) == []
    on, off = storm_events(store)
    assert (on.who, off.who) == ("王敏", "王敏")
    assert on.detail == "开启应急（暴雨）模式：暴雨红色预警；关键词：暴雨、内涝；地点：民治街道"
    assert off.detail == "关闭应急（暴雨）模式：雨停，转为平时"
    history = storm.current(store)["history"]
    assert [h["on"] for h in history] == [True, False] and history[0]["keywords"] == ["暴雨", "内涝"]


# --- 1. collection narrows and speeds up on the event --------------------------------------------------

class EventSite:
    """A site search page and a search API on loopback that find a post per known word; every
    search asked is kept in ``asked`` as (path, word)."""

    def __init__(self, posts: dict[str, str]) -> None:
        self.posts = posts
        self.asked: list[tuple[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                word = parse_qs(parts.query).get("q", [""])[0]
                if parts.path in ("/search", "/api/search", "/api/timeline"):
                    site.asked.append((parts.path, word))
                stamp = now().isoformat()
                number = list(site.posts).index(word) if word in site.posts else None
                if parts.path == "/search":
                    items = (f"<li class='result'><a href='/d/{number}'>{word}</a></li>" if number is not None
                             else "")
                    self.answer(f"<html><body><ul>{items}</ul></body></html>")
                elif parts.path.startswith("/d/"):
                    text = list(site.posts.values())[int(parts.path[3:])]
                    self.answer(f"<html><body><h1>{text[:12]}</h1><div class='body'>{text}</div>"
                                f"<span class='pub'>{stamp}</span></body></html>")
                elif parts.path.startswith("/api/"):
                    found = ([{"id": f"api-{number}", "text": site.posts[word], "created_at": stamp}]
                             if number is not None else [])
                    self.answer(json.dumps({"data": {"list": found}}, ensure_ascii=False), "application/json")
                else:
                    self.send_error(404)

            def answer(self, body: str, kind: str = "text/html") -> None:
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def words(self, path: str) -> set[str]:
        return {word for asked, word in self.asked if asked == path}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def event_site():
    site = EventSite({"内涝": "民治街道碧水龙庭地下车库内涝，十几辆车被淹", "民治街道": "民治街道多处积水，请绕行",
                      "求救": "被困求救，水已经到腰了"})
    yield site
    site.close()


FAST_CRAWL = {"crawl.download_delay": 0.0, "crawl.autothrottle": False, "crawl.download_timeout": 5.0,
              "crawl.retry_times": 1, "crawl.max_run_seconds": 60}


def test_search_and_social_sources_search_the_event_while_storm_mode_is_on(sqlite_store, tmp_path, event_site):
    from crawlers.stage import CrawlStage

    store = sqlite_store
    sources = [{"name": "site-search", "type": "search", "url_template": event_site.url + "/search?q={keyword}",
                "list_item": "li.result", "detail_title": "h1", "detail_body": "div.body",
                "detail_time": "span.pub::text"},
               {"name": "social-search", "type": "json_api", "url": event_site.url + "/api/search",
                "query_param": "q", "items_path": "data.list", "id_path": "id", "text_path": "text",
                "time_path": "created_at"}]
    config = make_config(tmp_path, settings={**FAST_CRAWL, "crawl.sources": sources, "crawl.keywords": ["欠薪"],
                                             "storm.keywords": ["求救"]})

    def crawl(*names):
        event_site.asked.clear()
        for name in names:
            report = CrawlStage(config, store, name).run_once()
            assert report.errors == 0, report.detail
        store.flush()

    crawl("site-search", "social-search")  # in peacetime: the monitored words only
    assert event_site.words("/search") == {"欠薪"} and event_site.words("/api/search") == {"欠薪"}
    assert store.count_documents() == 0

    storm.switch(store, True, by="王敏", keywords=["内涝"], places=["民治街道"])
    crawl("site-search", "social-search")
    event = {"内涝", "民治街道", "求救", "欠薪"}  # the event's words and places, storm.keywords, then the usual
    assert event_site.words("/search") == event and event_site.words("/api/search") == event
    texts = {d.text for d in store.iter_documents()}
    assert "民治街道碧水龙庭地下车库内涝，十几辆车被淹" in texts and "被困求救，水已经到腰了" in texts
    assert store.count_documents() == 6  # three posts found through each source

    storm.switch(store, False, by="王敏")
    crawl("site-search", "social-search")
    assert event_site.words("/search") == {"欠薪"} and event_site.words("/api/search") == {"欠薪"}


class TickStage:
    """A job that does nothing: after each of its runs the service follows storm mode."""

    def __init__(self):
        from yuqing.pipeline import StageReport
        self.report = StageReport("tick")

    def run_once(self):
        return self.report


def test_crawl_intervals_shorten_while_storm_mode_is_on_and_come_back(sqlite_store, tmp_path, event_site):
    from yuqing.app.scheduler import JobSpec, Service

    store = sqlite_store
    config = make_config(tmp_path, settings={
        **FAST_CRAWL, "storm.crawl_interval_factor": 0.1, "storm.min_crawl_interval": 30,
        "crawl.sources": [{"name": "timeline", "type": "json_api", "url": event_site.url + "/api/timeline",
                           "items_path": "data.list", "id_path": "id", "text_path": "text", "interval": 600},
                          {"name": "hotline", "type": "json_api", "url": event_site.url + "/api/timeline",
                           "items_path": "data.list", "id_path": "id", "text_path": "text", "interval": 20}]})
    service = Service(config, store)
    specs = {k: v for k, v in service.discover().items() if k.startswith("crawl:")}
    assert {k: s.interval for k, s in specs.items()} == {"crawl:timeline": 600, "crawl:hotline": 20}
    specs["tick"] = JobSpec("tick", 1, TickStage)
    service.discover = lambda: specs

    def interval(job_id):
        return service.scheduler.get_job(job_id, jobstore="store").trigger.interval.total_seconds()

    def crawls():
        return sum(1 for path, _ in event_site.asked if path == "/api/timeline")

    def wait_for(predicate, what, timeout=60.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, what
            time.sleep(0.1)

    service.start()
    try:
        wait_for(lambda: crawls() >= 2, "the first crawls at start")
        wait_for(lambda: store.count_records("job_runs", {"job": "crawl:timeline"}) >= 1, "the first crawl's end")
        before = crawls()
        storm.switch(store, True, by="王敏", keywords=["内涝"])
        # 600 s × 0.1 = 60 s; the hotline's 20 s × 0.1 would be 2 s, below storm.min_crawl_interval: 20 s kept
        wait_for(lambda: interval("crawl:timeline") == 60, "the timeline's interval shortened")
        assert interval("crawl:hotline") == 20
        wait_for(lambda: crawls() >= before + 2, "each source crawled at once when storm mode came on")
        storm.switch(store, False, by="王敏")
        wait_for(lambda: interval("crawl:timeline") == 600, "the timeline's own interval back")
        assert interval("crawl:hotline") == 20
    finally:
        service.stop()

    storm.switch(store, True, by="王敏")  # a service started in storm mode starts with the short intervals
    assert {k: s.interval for k, s in Service(config, store).discover().items() if k.startswith("crawl:")} == \
        {"crawl:timeline": 60, "crawl:hotline": 20}


# --- 2. switched on by itself --------------------------------------------------------------------------

def test_a_red_natural_disaster_warning_switches_storm_mode_on_by_itself(store, tmp_path):
    config = make_config(tmp_path, [RESCUE, RED_WARNING], {"storm.auto_requests": 0})
    run, watch = alert_cycle(config, store), StormWatchStage.from_config(config, store)
    stored(store, "help", "碧水龙庭3栋被困，老人小孩，急需救援，电话13800001111", minutes(0),
           rescue=rescue_slots("13800001111", "民治街道碧水龙庭3栋", urgency=0.95))
    run(minutes(1))
    assert card(store, "help").severity == "red" and card(store, "help").desk_topic == "rescue"
    watch.run_once(minutes(1))
    assert not storm_mode(store).on  # one urgent request's colour is no warning

    stored(store, "warn", "市气象台发布暴雨红色预警，民治街道低洼地带群众请立即转移", minutes(2))
    run(minutes(3))
    warning = card(store, "warn")
    assert (warning.severity, warning.category, getattr(warning, "desk_topic", None)) == ("red", "natural_disaster",
                                                                                          None)
    assert watch.run_once(minutes(3)).created == 1
    state = storm.current(store)
    assert state["on"] and state["by"] == "system" and state["places"] == ["民治街道"]
    assert state["note"] == f"自动开启：红色预警「{warning.title}」" and state["event"] == warning.id
    [event] = storm_events(store)
    assert event.who == "system" and event.role == "system" and "红色预警" in event.detail

    # switching back is the analyst's: the warning already seen does not overrule them, and the
    # watch never switches off by itself
    with clock_reads(minutes(4)):
        storm.switch(store, False, by="王敏", note="已转移完毕")
    watch.run_once(minutes(5))
    assert not storm_mode(store).on
    stored(store, "warn2", "观澜街道发布山洪红色预警，河道两侧立即撤离", minutes(6), street="观澜街道")
    run(minutes(7))
    watch.run_once(minutes(7))
    assert storm_mode(store).on and storm_mode(store).places == ("观澜街道",)
    assert [e.who for e in storm_events(store)] == ["system", "王敏", "system"]


def test_a_burst_of_requests_for_help_switches_storm_mode_on_by_itself(store, tmp_path):
    config = make_config(tmp_path, [RESCUE], {"storm.auto_requests": 3, "storm.auto_minutes": 10,
                                              "storm.auto_on_red_warning": False})
    run, watch = alert_cycle(config, store), StormWatchStage.from_config(config, store)

    def request(n: int, at: int, street="民治街道"):
        phone = f"1380000{n:04d}"
        stored(store, f"req{n}", f"{street}第{n}栋被困，急需救援，电话{phone}", minutes(at), street=street,
               rescue=rescue_slots(phone, f"{street}某小区{n}栋", urgency=0.7))
        run(minutes(at + 1))
        return watch.run_once(minutes(at + 1))

    request(1, 0)
    report = request(2, 2)
    assert report.processed == 2 and not report.created and not storm_mode(store).on
    assert not request(3, 15).created  # requests 1 and 2 are older than 10 minutes: a trickle is no burst
    request(4, 17, "观澜街道")
    assert request(5, 19).created == 1  # 3 new requests within 10 minutes
    state = storm.current(store)
    assert state["on"] and state["by"] == "system" and state["note"] == "自动开启：10 分钟内 3 条新求救"
    assert state["places"] == ["民治街道", "观澜街道"]

    with clock_reads(minutes(21)):
        storm.switch(store, False, by="王敏")
    assert not request(6, 22).created  # counted since the last switch: the same burst does not count twice
    assert [e.who for e in storm_events(store)] == ["system", "王敏"]


# --- 3. the queue puts the desk's cards first -----------------------------------------------------------

def test_the_queue_puts_requests_and_disaster_rumours_first_while_storm_mode_is_on(store, tmp_path):
    from starlette.testclient import TestClient

    from yuqing.app.web.app import create_app
    from yuqing.app.web.views.queue import queue, storm_first

    config = make_config(tmp_path, [RESCUE, HARMFUL, GATHERING],
                         {"web.users": {"ana": {"role": "analyst", "token": "t-ana"}}})
    run = alert_cycle(config, store)
    stored(store, "gather", "工人讨薪堵路，厂门口聚了上百人", minutes(0), category="labor_dispute")
    run(minutes(1))
    stored(store, "pay-rumour", "网传工厂老板已经跑路，工资都不发了", minutes(2), category="labor_dispute",
           harmful=RUMOUR)
    run(minutes(3))
    stored(store, "help", "碧水龙庭3栋被困，急需救援，电话13800001111", minutes(4),
           rescue=need("13800001111", "民治街道碧水龙庭3栋", urgency=0.6))
    run(minutes(5))
    stored(store, "dam", "网传观澜水库溃坝，下游全部撤离", minutes(6), street="观澜街道", harmful=RUMOUR)
    run(minutes(7))
    ids = {doc: card(store, doc).id for doc in ("gather", "pay-rumour", "help", "dam")}
    assert [getattr(card(store, d), "desk_topic", None) for d in ids] == [None, None, "rescue", "rumor"]
    order = {v: k for k, v in ids.items()}

    def listed(**kw):
        return [order[a.id] for a in queue(store, {}, first=storm_first(store), **kw)]

    assert listed() == ["gather", "help", "dam", "pay-rumour"]  # by severity: red, orange, yellow
    client = TestClient(create_app(config, store))

    def api(query=""):
        answer = client.get(f"/api/alerts{query}", headers={"Authorization": "Bearer t-ana"})
        assert answer.status_code == 200, answer.text
        return [order[a["id"]] for a in answer.json()]

    storm.switch(store, True, by="王敏")
    assert listed() == ["help", "dam", "gather", "pay-rumour"]
    assert listed(sort="newest") == ["dam", "help", "pay-rumour", "gather"]
    assert listed(limit=2, offset=1) == ["dam", "gather"]  # pages are cut across the two parts
    assert api() == ["help", "dam", "gather", "pay-rumour"] and api("?sort=oldest") == ["help", "dam", "gather",
                                                                                        "pay-rumour"]
    storm.switch(store, False, by="王敏")
    assert listed() == ["gather", "help", "dam", "pay-rumour"] and api() == listed()


# --- 4. notifications go to the desk --------------------------------------------------------------------

def test_the_desk_gets_requests_and_disaster_rumours_by_mail_while_storm_mode_is_on(store, tmp_path):
    with SmtpReceiver() as smtp:
        config = make_config(tmp_path, [RESCUE, HARMFUL, GATHERING], {
            "alerts.notifiers": {"mail": {"type": "email", "host": "127.0.0.1", "port": smtp.port,
                                          "sender": "yuqing@street.example", "to": ["duty@street.example"]}},
            # in peacetime nothing of this street is mailed: its route has no notifier
            "alerts.routing": [{"department": "民治街道应急办", "notifiers": []}],
            "storm.desk_contacts": ["desk@street.example"], "storm.desk_notifiers": ["mail"]})
        run = alert_cycle(config, store)
        stored(store, "before", "碧水龙庭3栋被困，电话13800001111", minutes(0),
               rescue=need("13800001111", "民治街道碧水龙庭3栋", urgency=0.3))
        run(minutes(1))
        assert smtp.messages == []

        storm.switch(store, True, by="王敏")
        stored(store, "help", "桂花苑5栋地下室进水，三人被困求救，电话13900002222", minutes(2),
               rescue=need("13900002222", "民治街道桂花苑5栋", urgency=0.3))  # yellow: still the desk's
        stored(store, "fraud", "暴雨救援捐款请转账到6222020200112233445，冒充红十字会", minutes(2),
               harmful=[{"label": "fraud", "score": 0.9}])
        stored(store, "gather", "工人讨薪堵路", minutes(2), category="labor_dispute")
        run(minutes(3))
        mails = [(sorted(rcpts), email.message_from_string(content, policy=policy.default))
                 for _, rcpts, content in smtp.messages]
        assert [r for r, _ in mails] == [["desk@street.example", "duty@street.example"]] * 2
        bodies = {m["Subject"]: m.get_content() for _, m in mails}
        help_mail = next(body for subject, body in bodies.items() if "求助" in subject)
        assert "139****2222" in help_mail and "13900002222" not in help_mail  # personal data masked as ever
        fraud_mail = next(body for subject, body in bodies.items() if "诈骗" in subject)
        assert "6222020200112233445" not in fraud_mail
        assert not any("堵路" in subject for subject in bodies)  # not the desk's: its route is silent

        storm.switch(store, False, by="王敏")
        stored(store, "after", "书香门第2栋被困，电话13700003333", minutes(4),
               rescue=need("13700003333", "民治街道书香门第2栋", urgency=0.3))
        run(minutes(5))
        assert len(smtp.messages) == 2  # back to peacetime: nothing more


# --- 5. the command line ----------------------------------------------------------------------------------

def yuqing(store, *args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args, "-s", f"store.path={store.path}"],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_storm_mode_from_the_command_line(sqlite_store):
    store = sqlite_store
    on = yuqing(store, "desk", "storm", "on", "--keywords", "暴雨", "内涝", "--places", "民治街道", "碧水龙庭",
                "--note", "暴雨红色预警", "--by", "王敏", "--format", "json")
    assert on.returncode == 0, on.stderr
    state = json.loads(on.stdout)
    assert state["on"] is True and state["by"] == "王敏" and state["keywords"] == ["暴雨", "内涝"]
    assert state["places"] == ["民治街道", "碧水龙庭"] and "history" not in state

    status = yuqing(store, "desk", "storm", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("应急模式：开启（王敏，")
    assert "关键词：暴雨、内涝" in status.stdout and "地点：民治街道、碧水龙庭" in status.stdout

    nobody = yuqing(store, "desk", "storm", "off")
    assert nobody.returncode == 2 and "--by NAME" in nobody.stderr and "Traceback" not in nobody.stderr
    misplaced = yuqing(store, "desk", "storm", "off", "--keywords", "暴雨", "--by", "王敏")
    assert misplaced.returncode == 2 and "go with `storm on`" in misplaced.stderr
    assert storm_mode(store).on

    off = yuqing(store, "desk", "storm", "off", "--by", "王敏", "--note", "雨停", "--format", "json")
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["on"] is False and json.loads(off.stdout)["keywords"] == []
    assert [(e.who, e.detail) for e in storm_events(store)] == [
        ("王敏", "开启应急（暴雨）模式：暴雨红色预警；关键词：暴雨、内涝；地点：民治街道、碧水龙庭"),
        ("王敏", "关闭应急（暴雨）模式：雨停")]
