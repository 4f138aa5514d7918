"""Fixtures of the crawler tests: the fixture site, configs, stores and a real redis-server."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # fixture_site, custom_spider
if str(HERE.parents[1]) not in sys.path:  # the project root, when pytest is not run with -m
    sys.path.insert(0, str(HERE.parents[1]))

from crawl_helpers import FAST  # noqa: E402  (after the path set-up above)

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


