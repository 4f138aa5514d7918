"""The web UI's sources page lists the deployment's processes (as ``yuqing status``), from a real Redis."""
from __future__ import annotations

import os
import re
import time

from starlette.testclient import TestClient

from deploy_helpers import free_port
from deployment.connection import Keys
from deployment.heartbeat import Heartbeat
from deployment.lease import Lease
from deployment.roles import ROLES
from deployment.status import LEASES
from deployment.streams import DocumentStream
from yuqing import vocabulary
from yuqing.config import load_config
from yuqing.app.web.app import create_app

KEYS = Keys("yuqing")


def _page(store, *overrides: str) -> str:
    config = load_config(None, ["web.users={ana: {role: analyst, token: t-ana}}", *overrides])
    answer = TestClient(create_app(config, store)).get("/sources", headers={"Authorization": "Bearer t-ana"})
    assert answer.status_code == 200, answer.text
    return answer.text


def _section(html: str, table: str) -> str:
    found = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S)
    assert found, html
    return found.group(1)


def test_the_sources_page_shows_every_process_its_beat_lag_and_leases(sqlite_store, redis_client, redis_url):
    stream = DocumentStream(redis_client, KEYS)
    stream.ensure_group()
    stream.publish(["d1", "d2", "d3"])  # three ids waiting for an analyser
    # this process, as a cluster role holding its lease would beat
    lease = Lease(redis_client, KEYS, "cluster", ttl=60)
    assert lease.try_acquire()
    Heartbeat(redis_client, KEYS, ["cluster"], 5.0, lambda: {"stream_lag": 3, "leases": "cluster"}).beat()
    # two processes of other machines: one beating, one that stopped a minute ago (killed), marked silent
    now = time.time()
    for ident, roles, beat, leases in (("machine-c:77", "crawl,analyze", now, ""),
                                       ("machine-d:99", "alert", now - 60, "alert")):
        host, pid = ident.split(":")
        redis_client.hset(KEYS.process(ident), mapping={
            "roles": roles, "host": host, "pid": pid, "started_at": now - 600, "last_beat": beat, "interval": 5.0,
            "stream_lag": 3, "leases": leases})

    html = _page(sqlite_store, f"deployment.redis_url={redis_url}")
    processes = _section(html, "processes")
    rows = re.findall(r"<tr><td>(.*?)</tr>", processes, re.S)
    assert len(rows) == 3, processes
    assert "聚类" in processes and "采集、分析" in processes and "预警" in processes
    for pid in (os.getpid(), 77, 99):
        assert f"<td>{pid}</td>" in processes
    silent = next(r for r in rows if "<td>99</td>" in r)
    assert "失联" in silent and "秒前" in silent
    assert all("正常" in r for r in rows if r is not silent)
    assert "<td>3</td>" in processes  # the stream lag each process last saw
    assert "等待 3 条" in html
    leases = _section(html, "leases")
    assert f"{lease.owner}|{lease.token}" in leases and leases.count("无持有者") == 2  # alert and sweep


def test_without_a_deployment_redis_the_page_is_as_on_one_machine(sqlite_store):
    html = _page(sqlite_store)
    assert "数据源" in html and "部署进程" not in html and 'id="processes"' not in html


def test_an_unreachable_redis_is_said_and_the_sources_are_still_shown(sqlite_store):
    html = _page(sqlite_store, f"deployment.redis_url=redis://127.0.0.1:{free_port()}/0")
    assert "无法读取部署状态" in html and "cannot reach" in html
    assert "最近失败的任务" in html


def test_every_role_and_lease_has_a_chinese_word():
    for name in (*ROLES, *LEASES):
        word = vocabulary.label("role", name)
        assert word != name and any("\u4e00" <= ch <= "\u9fff" for ch in word), name
