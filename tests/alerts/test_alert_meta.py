"""Meta-tests: every registered rule type and notifier has a test, an example and a README entry."""
import re
from pathlib import Path

import pytest
import yaml

from alerts.notifiers import NOTIFIERS
from alerts.rules import RULE_TYPES
from alerts.settings import BUILTIN_RULES_DIR

HERE = Path(__file__).parent
README = (Path(BUILTIN_RULES_DIR).parent / "README.md").read_text(encoding="utf-8")
TESTS = {p.name: p.read_text(encoding="utf-8") for p in HERE.glob("test_*.py")}


def shipped_types() -> set[str]:
    return {yaml.safe_load(p.read_text(encoding="utf-8"))["type"] for p in Path(BUILTIN_RULES_DIR).glob("*.yaml")}


@pytest.mark.parametrize("name", RULE_TYPES.names())
def test_rule_type_has_test_example_and_docs(name):
    assert re.search(rf"def test_{name}\w*\(", "".join(TESTS.values())), f"no test_{name}_… in tests/alerts"
    assert name in shipped_types(), f"no example rule of type {name} in alerts/rules.d"
    assert f"### `{name}`" in README, f"alerts/README.md has no section for {name}"
    cls = RULE_TYPES.get(name)
    assert cls.summary and cls.__doc__, f"{name} needs a summary and a docstring"
    for option in cls.options:
        assert f"`{option}`" in README.split(f"### `{name}`")[1].split("\n### ")[0], \
            f"option {option} of {name} is not documented in its README section"


@pytest.mark.parametrize("name", NOTIFIERS.names())
def test_notifier_has_test_and_docs(name):
    assert re.search(rf'build\("{name}"', TESTS["test_alert_notifiers.py"]), f"no test builds notifier {name}"
    assert f"### `{name}`" in README, f"alerts/README.md has no section for notifier {name}"


def test_every_alerts_setting_is_in_the_readme():
    from alerts.settings import SETTINGS
    for setting in SETTINGS:
        assert setting.name.split(".", 1)[1] in README, f"{setting.name} is not in alerts/README.md"
