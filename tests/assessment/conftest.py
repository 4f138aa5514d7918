"""Make ``import assessment`` find the package, not this test folder; the ``config`` fixture.

tests/conftest.py puts ``tests/`` first on ``sys.path``, where this folder (named like the package)
would be picked up as an empty namespace package; the repository root must come first.
"""
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
module = sys.modules.get("assessment")
if module is not None and getattr(module, "__file__", None) is None:  # a namespace stand-in
    del sys.modules["assessment"]

from yuqing.config import load_config  # noqa: E402


@pytest.fixture
def config(tmp_path):
    """Defaults, with the lexical case search (the hybrid one loads an embedding model; the case
    library's own tests cover it) and the store file in ``tmp_path``."""
    return load_config(None, ["cases.search_mode=lexical", f"store.path={tmp_path / 'cfg.sqlite'}"])
