"""Word lists of the extractors, loaded once from the YAML files of this folder."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """``load("rescue")`` → the parsed ``rescue.yaml``."""
    return yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
