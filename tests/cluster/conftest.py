"""Fixtures of the cluster tests (``make test-cluster``): a real three-node Elasticsearch, a real Redis."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "deployment"))
from es_node import EsCluster  # noqa: E402  (tests/ is on the path: tests/conftest.py)


@pytest.fixture(scope="module")
def es_cluster():
    """Three nodes of the distribution the tests fetch, on free loopback ports, stopped and removed after."""
    cluster = EsCluster.on_free_ports(3)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


