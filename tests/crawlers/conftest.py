"""Fixtures of the crawler tests: the fixture site, configs, stores and a real redis-server."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # fixture_site, custom_spider
if str(HERE.parents[1]) not in sys.path:  # the project root, when pytest is not run with -m
    sys.path.insert(0, str(HERE.parents[1]))

from crawl_helpers import FAST, free_port  # noqa: E402  (after the path set-up above)

if not (HERE.parent / "conftest.py").exists():  # until the shared store fixtures land
    @pytest.fixture
    def sqlite_store(tmp_path):
        from yuqing.storage.sqlite import SQLiteStore
        s = SQLiteStore(tmp_path / "store.sqlite")
        yield s
        s.close()

    @pytest.fixture
    def store(sqlite_store):
        yield sqlite_store


@pytest.fixture
def site():
    from fixture_site import FixtureSite
    s = FixtureSite().start()
    yield s
    s.stop()


@pytest.fixture
def make_config(tmp_path):
    """``make_config(sources, **crawl_settings)``: a loaded config with those sources."""
    from yuqing.config import load_config

    def make(sources, **crawl):
        path = tmp_path / "config.yaml"
        data = {"crawl": {**FAST, **crawl, "sources": sources},
                "store": {"path": str(tmp_path / "cli.sqlite")}}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return load_config(path, required=True)
    return make


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, in a temp dir (Debian package redis-server)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server (the Makefile does this)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(5)
