"""Word lists of the extractors, loaded once from the YAML files of this folder."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """``load("rescue")`` → the parsed ``rescue.yaml`` (libyaml's safe loader when PyYAML has it: the
    pure-Python one cost about 0.2 s of the first analysis; tests/nlp/test_rescue.py checks both agree)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((HERE / f"{name}.yaml").read_text(encoding="utf-8"), Loader=loader)
