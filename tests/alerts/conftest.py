"""Fixtures of the alert tests: config files, engines and loopback receivers."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # alert_builders, loopback

@pytest.fixture
def http():
    from loopback import CaptureServer
    with CaptureServer() as server:
        yield server


@pytest.fixture
def make_config(tmp_path):
    """``make_config(rules=[...], **alerts_settings)``: a config file whose rules folder holds ``rules``."""
    from yuqing.config import load_config

    def make(rules=(), **alerts):
        rules_dir = tmp_path / "rules.d"
        rules_dir.mkdir(exist_ok=True)
        for old in rules_dir.glob("*.yaml"):
            old.unlink()
        for rule in rules:
            (rules_dir / f"{rule['name']}.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
        section = {"rules_dirs": [str(rules_dir)], "delivery_backoff_seconds": 0.01, **alerts}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump({"alerts": section, "store": {"path": str(tmp_path / "cli.sqlite")}},
                                       allow_unicode=True), encoding="utf-8")
        return load_config(path)
    return make


@pytest.fixture
def make_stage(make_config, store):
    """``make_stage(rules=[...], **alerts_settings)``: an alert stage on the test store (no providers)."""
    from alerts.stage import AlertEngine, AlertStage

    def make(rules=(), calendar=None, cases=None, **alerts):
        config = make_config(rules, **alerts)
        engine = AlertEngine.from_config(config, store, providers=False)
        engine.calendar, engine.cases = calendar, cases
        return AlertStage(config, store, engine=engine)
    return make
