"""Make ``import event_calendar`` / ``import case_library`` find the packages, not these test folders.

tests/conftest.py puts ``tests/`` first on ``sys.path``, where the folders named like the packages
would be picked up as empty namespace packages; the repository root must come first.
"""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
for name in ("event_calendar", "case_library"):
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) is None:  # a namespace stand-in
        del sys.modules[name]
