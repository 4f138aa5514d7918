"""Fixtures for incident detection (helpers live in ``cluster_fixtures``, a unique module name)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_fixtures import clock, config  # noqa: E402,F401  (fixtures)
