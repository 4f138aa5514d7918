"""Meta-test: every crawl setting has help text, a valid default, and is read by the code."""
from pathlib import Path

from crawlers.settings_schema import SETTINGS

CODE = "\n".join(p.read_text("utf-8") for p in (Path(__file__).parents[2] / "crawlers").rglob("*.py")
                 if p.name != "settings_schema.py")


def test_every_setting_is_documented_valid_and_used():
    for setting in SETTINGS:
        assert setting.name.startswith("crawl.") and len(setting.help) > 20, setting.name
        setting.coerce(setting.default, "default")
        key = setting.name.split(".", 1)[1]
        used = f'"{key.split(".")[-1]}"' in CODE or f'"{setting.name}"' in CODE or f"'{setting.name}'" in CODE
        assert used, f"{setting.name} is declared but never read"
