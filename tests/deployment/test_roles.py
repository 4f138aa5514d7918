"""``yuqing run --role …`` as real processes against a real Redis and a store; ``--role all`` as today."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

from deploy_helpers import ROOT, free_port, wait_until
from deployment.connection import Keys
from deployment.streams import DocumentStream, PublishingStore

ROLES = ("crawl", "analyze", "cluster", "alert", "web")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_every_role_runs_is_listed_and_answers(roles, deployment_config, deployment_status, redis_client,
                                               tmp_path, make_docs):
    web_port = free_port()
    config = deployment_config(**{"web.enabled": True, "web.port": web_port})
    procs = {role: roles(role, config) for role in ROLES}
    addresses = {role: proc.metrics_address() for role, proc in procs.items()}

    status = wait_until(lambda: (s := deployment_status(config)) and len(s["processes"]) == len(ROLES) and s, 60,
                        "yuqing status to list every process")
    assert sorted(r for p in status["processes"] for r in p["roles"]) == sorted(ROLES)
    assert {p["pid"] for p in status["processes"]} == {p.pid for p in procs.values()}
    assert all(p["alive"] and p["metrics"] for p in status["processes"])
    wait_until(lambda: all(deployment_status(config)["leases"][n] for n in ("cluster", "alert")), 30,
               "the singleton leases to be held")
    text = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "status"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert text.returncode == 0, text.stdout + text.stderr
    assert all(role in text.stdout for role in ROLES) and "lease cluster:" in text.stdout

    for role, address in addresses.items():
        code, body = _get(f"http://{address}/healthz")
        assert code == 200, (role, body)
        assert json.loads(body)["roles"] == [role]
        code, body = _get(f"http://{address}/metrics")
        assert code == 200 and "yuqing_documents_analysed_total" in body and "yuqing_stream_lag" in body
    assert _get(f"http://127.0.0.1:{web_port}/")[0] < 500  # the web role serves the analyst UI
    code, page = _get(f"http://127.0.0.1:{web_port}/sources")  # and its sources page lists every process
    assert code == 200 and all(f"<td>{proc.pid}</td>" in page for proc in procs.values()), page

    # new documents (as the crawl role announces them) are analysed by the analyze process
    from yuqing.storage.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "store.sqlite")
    try:
        stream = DocumentStream(redis_client, Keys("yuqing"))
        PublishingStore(store, stream).put_documents(make_docs(40))
        wait_until(lambda: _metric(_get(f"http://{addresses['analyze']}/metrics")[1],
                                   "yuqing_documents_analysed_total") == 40, 120, "/metrics to count 40 analyses")
        assert store.count_analyses() == 40
        wait_until(lambda: _metric(_get(f"http://{addresses['cluster']}/metrics")[1],
                                   'yuqing_lease_held{lease="cluster"}') == 1, 30, "the cluster lease in /metrics")
    finally:
        store.close()

    for proc in procs.values():  # SIGTERM: each stops cleanly and leaves the deployment
        assert proc.stop() == 0, proc.output[-3000:]
    assert deployment_status(config)["processes"] == []


def test_role_all_on_sqlite_without_redis_runs_as_today(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"store:\n  path: {tmp_path / 'store.sqlite'}\nweb:\n  enabled: false\n"
                      "nlp:\n  cascade:\n    mode: stage1\n", encoding="utf-8")
    once = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "run", "--role", "all", "--once",
                           "--no-crawl"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert once.returncode == 0, once.stderr[-3000:]
    assert "analyze:" in once.stderr and "redis" not in once.stderr.lower()

    served = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines: list[str] = []
    try:
        for line in served.stdout:
            lines.append(line)
            if "service started" in line:
                break
        served.send_signal(signal.SIGTERM)
        rest, _ = served.communicate(timeout=120)
    finally:
        if served.poll() is None:
            served.kill()
    output = "".join(lines) + rest
    assert served.returncode == 0, output[-3000:]
    assert "service started" in output and "health and metrics" not in output  # no deployment machinery
    assert "deployment" not in output


def test_bad_roles_are_refused_with_a_sentence(tmp_path, redis_url):
    config = tmp_path / "config.yaml"
    config.write_text(f"store:\n  path: {tmp_path / 'store.sqlite'}\n", encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "run", *args],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    unknown = run("--role", "crawl,bogus")
    assert unknown.returncode == 2 and "unknown role bogus" in unknown.stderr
    no_redis = run("--role", "analyze")
    assert no_redis.returncode == 2 and "deployment.redis_url" in no_redis.stderr
    once = run("--role", "analyze", "--once", "-s", f"deployment.redis_url={redis_url}")
    assert once.returncode == 2 and "--role all" in once.stderr
    unreachable = run("--role", "cluster", "-s", f"deployment.redis_url=redis://127.0.0.1:{free_port()}/0")
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr


def test_the_documented_cluster_config_is_valid():
    from yuqing.config import load_config

    config = load_config(ROOT / "deploy" / "config.cluster.yaml", environ={}, required=True)
    assert config["store.backend"] == "elasticsearch" and config["store.elasticsearch.replicas"] == 1
    assert config["deployment.redis_url"].startswith("redis://")
