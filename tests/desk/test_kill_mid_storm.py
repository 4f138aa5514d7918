"""Issue 15's goal: no request for help lost or duplicated when the service is killed mid-storm.

A storm is replayed through the service with a replay source: the replay site of the demo
(:class:`crawlers.replay.ReplaySite`) serves the storm's posts in this process as a social JSON API,
each once its time has come, and a real ``yuqing run`` crawls it, analyses, alerts and fills the
desk's board on a SQLite store. The site's clock is held at two gates, so each SIGKILL falls in the
middle of the storm for sure: the service is killed (its whole process group, the crawl's child
included, as a stop of its unit would) while it is busy with the posts before a gate, the storm
goes on while it is down, and a new ``yuqing run`` picks up from the store. Nothing waits on a
guess: every step waits on what the store shows, with a generous timeout.

At the end every request in the replayed posts is on the board exactly once, with all its posts (the
original and its reposts), it has one alert card, and every post is stored once and analysed.

A kill rarely falls in the one narrow window where it did harm (after an alert cycle wrote its cards
and rows, before it saved what it learnt), so that window gets a test of its own: a store whose
process dies at that write.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import minutes, rescue_slots
from test_storm_mode import RESCUE, make_config, stored

from crawlers.replay import Post, ReplaySite
from yuqing.records import stable_id
from yuqing.storage.sqlite import SQLiteStore

SOURCE = "storm-weibo"
STREETS = ["民治街道", "龙华街道", "大浪街道", "观湖街道", "福城街道", "观澜街道"]
ESTATES = ["碧水龙庭", "桂花苑", "锦绣江南", "华润城", "龙华新村", "金地梅陇镇", "书香门第", "万科城"]
POSTS, GATES = 120, (45, 90)  # the site's clock holds after post 45, then after post 90
SPEED = 1440.0  # story minutes per wall minute: the 120 posts, two story minutes apart, come in 10 seconds


def storm(posts: int = POSTS, seed: int = 15) -> tuple[list[Post], dict[str, list[str]]]:
    """The storm's posts (requests for help, reposts of them, chatter), and each request's phone →
    the ids of its posts as the crawler stores them."""
    rng = random.Random(seed)
    out, requests = [], {}
    texts: list[tuple[str, str]] = []
    for i in range(posts):
        roll = rng.random()
        if roll < 0.45 or not texts:
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            home = (f"{rng.choice(STREETS)}{rng.choice(ESTATES)}{len(texts) + 1}栋"
                    f"{rng.randrange(1, 30)}0{rng.randrange(1, 9)}")
            text = f"{home}被困，{rng.randrange(2, 7)}人，有老人和小孩，水已经淹到二楼，急需救援，电话{phone}"
            texts.append((phone, text))
        elif roll < 0.8:
            phone, original = rng.choice(texts)
            text = "转发扩散：" + original
        else:
            phone, text = None, f"{rng.choice(STREETS)}积水严重，地铁停运，大家注意安全，不要出门"
        post = Post(id=f"w{i:04d}", channel="social", at=i * 2.0, text=text, author=f"网友{i}")
        out.append(post)
        if phone:
            requests.setdefault(phone, []).append(stable_id(SOURCE, post.id))
    return out, requests


class GatedClock:
    """The site's clock: the wall clock, held at ``gate`` (epoch seconds) until the gate is lifted."""

    def __init__(self) -> None:
        self.gate = float("inf")

    def __call__(self) -> float:
        return min(time.time(), self.gate)


class Service:
    """``yuqing run`` as a subprocess in its own process group (its crawl children with it)."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "yuqing", "--config", str(self.config), "run", "--no-web"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env=dict(os.environ, PYTHONUNBUFFERED="1"))

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=120)

    def ensure_dead(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def wait_for(predicate, what: str, service: Service, timeout: float = 180.0, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if service.process.poll() is not None:
            pytest.fail(f"the service exited ({service.process.returncode}) while waiting for {what}:\n"
                        + service.log.read_text(encoding="utf-8")[-4000:])
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n" + service.log.read_text(encoding="utf-8")[-4000:])
        time.sleep(poll)


def board(store) -> list:
    return store.find_records("rescue_requests")


def on_board(store) -> set[str]:
    return {doc_id for row in board(store) for doc_id in row.doc_ids}


def test_no_request_is_lost_or_duplicated_when_the_service_is_killed_mid_storm(tmp_path):
    posts, requests = storm()
    request_docs = {doc_id for ids in requests.values() for doc_id in ids}
    clock = GatedClock()
    clock.gate = time.time()  # nothing shown until the service first starts
    site = ReplaySite(speed=SPEED, head_start=0.0, posts=posts, clock=clock).start()
    path, config = tmp_path / "storm.sqlite", tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "store": {"path": str(path)},
        "service": {"analyze_interval": 1, "alert_interval": 1, "cluster_interval": 3600, "retry_seconds": 1},
        "web": {"enabled": False},
        "crawl": {"download_delay": 0.0, "autothrottle": False, "download_timeout": 10.0,
                  "sources": [{"name": SOURCE, "type": "json_api", "interval": 1, "url": f"{site.url}/api/timeline",
                               "items_path": "data.statuses", "id_path": "id", "text_path": "text",
                               "time_path": "created_at", "author_path": "user.screen_name",
                               "thread_path": "reply_to", "url_template": f"{site.url}/s/{{id}}",
                               "next_path": "data.next_cursor", "next_param": "cursor"}]},
    }, allow_unicode=True), encoding="utf-8")
    store = SQLiteStore(path)
    service = Service(config, tmp_path / "service.log")
    killed_at = []
    try:
        for gate in GATES:
            clock.gate = site.appears_at(posts[gate - 1])  # the storm goes on, up to this gate
            before = len(board(store))
            service.start()
            # killed as soon as the alert stage puts a new request on the board: its cycle is then
            # half done (its rows are written one by one, its memory and cursor after them)
            wait_for(lambda: len(board(store)) > before, f"a new request on the board before gate {gate}", service,
                     poll=0.01)
            service.kill()
            killed_at.append((store.count_documents(), len(board(store))))
        clock.gate = float("inf")  # the rest of the storm
        service.start()
        wait_for(lambda: store.count_documents() == POSTS and request_docs <= on_board(store),
                 "every post stored and every request's posts on the board", service)
        assert service.stop() == 0
    finally:
        service.ensure_dead()
        site.stop()

    assert killed_at[0][1] < len(requests) and killed_at[1][0] < POSTS, killed_at  # both kills mid-storm
    rows = board(store)
    assert len(rows) == len(requests), "a request lost or put on the board twice"
    for phone, doc_ids in requests.items():
        [row] = [r for r in rows if phone in r.phones]  # exactly one row per request, with all its posts
        assert set(doc_ids) <= set(row.doc_ids) and len(row.doc_ids) == len(set(row.doc_ids))
        assert row.phones == [phone]
    assert sum(len(r.doc_ids) for r in rows) == len(request_docs)  # no post on two rows, no chatter on any
    cards = [a for a in store.find_records("alerts") if getattr(a, "desk_topic", None) == "rescue"]
    assert sorted(a.id for a in cards) == sorted(r.alert_id for r in rows), "one alert card per request"
    ids = {stable_id(SOURCE, p.id) for p in posts}
    assert {d.id for d in store.iter_documents()} == ids
    assert all(store.get_analysis(doc_id) is not None for doc_id in ids), "an analysed post lost"
    store.close()


class Killed(BaseException):
    """The process dies here: nothing catches it, as nothing catches SIGKILL."""


class DyingStore(SQLiteStore):
    """The SQLite store of a process killed as it is about to write the state ``dies_at``."""

    dies_at = None

    def set_state(self, key, value):
        if key == self.dies_at:
            raise Killed(key)
        super().set_state(key, value)


@pytest.mark.parametrize("dies_at", ["alerts.rule.rescue-request", "alerts.cursor"])
def test_a_cycle_killed_before_it_saves_what_it_learnt_puts_no_request_on_the_board_twice(tmp_path, dies_at):
    """Killed as it saves the rescue rule's memory (phone → request), or the alert cursor: either
    way the cycle is read again after the restart, with a repost that came in meanwhile."""
    from alerts.collect import CURSOR_KEY
    from alerts.stage import AlertEngine, AlertStage

    assert CURSOR_KEY == "alerts.cursor"

    config = make_config(tmp_path, [RESCUE])
    store = DyingStore(tmp_path / "store.sqlite")

    def cycle(at):
        stage = AlertStage(config, store, engine=AlertEngine.from_config(config, store, providers=False))
        return stage.run_once(now=at)  # a fresh stage each time: a fresh process

    help_ = rescue_slots("13800001111", "民治街道碧水龙庭3栋")
    stored(store, "a", "民治街道碧水龙庭3栋被困，急需救援，电话13800001111", minutes(5), rescue=help_)
    store.dies_at = dies_at
    with pytest.raises(Killed):
        cycle(minutes(6))
    store.dies_at = None
    # after the restart, a repost published before the post comes in (crawled late, from another source)
    stored(store, "b", "转发：民治街道碧水龙庭3栋被困，急需救援，电话13800001111", minutes(1), rescue=help_)
    assert cycle(minutes(7)).errors == 0
    [row] = store.find_records("rescue_requests")
    assert sorted(row.doc_ids) == ["a", "b"]
    assert [a.id for a in store.find_records("alerts") if getattr(a, "desk_topic", None) == "rescue"] == [row.alert_id]
    store.close()
