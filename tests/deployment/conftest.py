"""Fixtures of the deployment tests: a real redis-server, role processes, a deployment config."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from deploy_helpers import RoleProcess  # noqa: E402  (after the path set-up)




@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


#: Short times, so a takeover or a re-claim happens in seconds; stage 1 only, so analysis is quick.
FAST = {"deployment.lease_seconds": 3.0, "deployment.claim_idle_seconds": 3.0, "deployment.heartbeat_seconds": 0.5,
        "deployment.sweep_interval": 3600.0, "deployment.metrics_port": 0, "deployment.batch_size": 16,
        "nlp.cascade.mode": "stage1", "web.enabled": False}


@pytest.fixture
def deployment_config(tmp_path, redis_url):
    """``make(backend="sqlite", es_url=None, **settings)`` → the path of a config file for role processes."""
    def make(backend: str = "sqlite", es_url: str | None = None, name: str = "config.yaml", **settings) -> Path:
        values = {**FAST, "deployment.redis_url": redis_url, "store.path": str(tmp_path / "store.sqlite"),
                  "store.backend": backend}
        if backend == "elasticsearch":
            values["store.elasticsearch.hosts"] = [es_url]
            values["store.elasticsearch.retry_max_seconds"] = 2.0
        values.update(settings)
        tree: dict = {}
        for key, value in values.items():
            node = tree
            *path, last = key.split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[last] = value
        path = tmp_path / name
        path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        return path
    return make


@pytest.fixture
def roles(tmp_path):
    """``start(role, config)`` → a running :class:`RoleProcess`; every one is stopped at the end."""
    started: list[RoleProcess] = []

    def start(role: str, config: Path, *extra: str) -> RoleProcess:
        proc = RoleProcess.start(role, config, *extra)
        started.append(proc)
        return proc
    yield start
    for proc in started:
        proc.stop()


def status(config: Path) -> dict:
    """``yuqing status --format json`` of the deployment."""
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "status", "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    import json

    return json.loads(done.stdout)


@pytest.fixture
def deployment_status():
    return status


@pytest.fixture
def clock():
    return time.monotonic
