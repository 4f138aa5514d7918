"""Shared fixtures: the two real stores, a real Elasticsearch node, synthetic Chinese documents.

``store`` is parametrized over both backends, so a test written against it runs on SQLite and on
Elasticsearch. The node is the one named by ``YUQING_ES_URL`` (``make test`` starts it), or one this
session starts with ``scripts/elasticsearch.sh`` on a free port and stops at the end.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from es_node import EsNode  # noqa: E402  (tests/ is not a package)
from redis_node import start_redis  # noqa: E402
from store_helpers import open_test_store  # noqa: E402

# The repository's config.yaml is the demo's (replay site, demo sources): a command a test runs from
# the checkout must not pick it up. Every `yuqing` a test starts, in-process or as a subprocess, reads
# this empty file unless the test names its own with --config.
_EMPTY_CONFIG = Path(__file__).resolve().parent.parent / ".cache" / "test-config.yaml"
_EMPTY_CONFIG.parent.mkdir(parents=True, exist_ok=True)
_tmp_config = _EMPTY_CONFIG.with_name(f".test-config.{os.getpid()}.yaml")  # atomic: test workers write it at once
_tmp_config.write_text("# the tests' defaults: every setting at its declared default\n", encoding="utf-8")
os.replace(_tmp_config, _EMPTY_CONFIG)
os.environ["YUQING_CONFIG"] = str(_EMPTY_CONFIG)


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, its files in the test's temp dir; stopped after."""
    proc, url = start_redis(tmp_path)
    yield url
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="session")
def es_node():
    """The URL of a running Elasticsearch node (started for the session when none is given)."""
    url = os.environ.get("YUQING_ES_URL")
    if url:
        yield url
        return
    node = EsNode.start_on_free_port()
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture
def sqlite_store(tmp_path, request):
    store, clean = open_test_store("sqlite", tmp_path, request)
    yield store
    clean()


@pytest.fixture
def es_store(tmp_path, request):
    store, clean = open_test_store("elasticsearch", tmp_path, request)
    yield store
    clean()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request):
    """Each backend in turn: the same test runs on both."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "es_store")


@pytest.fixture
def make_docs():
    """``make_docs(n, first=0, seed=7)``: varied synthetic Chinese documents (民治街道, 观澜街道, …)."""
    from yuqing.storage.synthetic import make_docs as build

    return build


@pytest.fixture
def make_pairs():
    """``make_pairs(n)``: synthetic documents with the analyses that match them."""
    from yuqing.storage.synthetic import make_pairs as build

    return build
