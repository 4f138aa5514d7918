"""Contract records: required fields, field-naming errors, zone defaults, JSON shape."""
import json

import pytest

from yuqing.errors import RecordError
from yuqing.records import Alert, Analysis, Document, parse_record, stable_id


def test_document_minimum_and_default_zone():
    doc = parse_record(Document, {"id": "a", "text": "民治街道积水", "published_at": "2023-09-07 20:15:00"})
    assert doc.published_at.utcoffset().total_seconds() == 8 * 3600
    line = json.loads(doc.to_json())
    assert line["published_at"] == "2023-09-07T20:15:00+08:00"
    assert "民治街道积水" in doc.to_json()  # Chinese unescaped


@pytest.mark.parametrize("missing", ["id", "text", "published_at"])
def test_missing_required_field_is_named(missing):
    data = {"id": "a", "text": "t", "published_at": "2023-09-07T20:15:00+08:00"}
    del data[missing]
    with pytest.raises(RecordError, match=f"docs.jsonl line 4: field '{missing}'"):
        parse_record(Document, data, where="docs.jsonl line 4")


def test_unknown_label_is_refused_and_named():
    with pytest.raises(RecordError, match="field 'categories.0.label'"):
        parse_record(Analysis, {"id": "a", "sentiment": {"label": "negative", "score": 0.9},
                                "categories": [{"label": "weather", "score": 0.5}]})


def test_categories_sorted_by_score():
    analysis = parse_record(Analysis, {"id": "a", "sentiment": {"label": "neutral", "score": 0.5},
                                       "categories": [{"label": "traffic", "score": 0.2},
                                                      {"label": "natural_disaster", "score": 0.9}]})
    assert analysis.top_category == "natural_disaster"


def test_alert_history_keeps_contract_keys():
    alert = Alert(id="1", rule="r", severity="orange", title="t", created_at="2023-09-07T20:15:00+08:00",
                  history=[{"who": "analyst", "when": "2023-09-07T21:00:00+08:00", "from": "new",
                            "to": "acknowledged", "note": "已电话核实"}])
    entry = json.loads(alert.to_json())["history"][0]
    assert entry == {"who": "analyst", "when": "2023-09-07T21:00:00+08:00", "from": "new",
                     "to": "acknowledged", "note": "已电话核实"}


def test_stable_ids():
    assert stable_id("hotline", "A1") == stable_id("hotline", "A1") != stable_id("hotline", "A2")


def test_every_module_that_declares_a_record_kind_is_listed():
    """Kinds existed only once their owner happened to be imported: `yuqing reindex` copied 0 of 3
    calendar_warnings and the SIGTERM test failed when run alone. KIND_MODULES lists the owners."""
    import re
    from pathlib import Path

    from yuqing.storage.base import KIND_MODULES

    repo = Path(__file__).resolve().parents[2]
    owners = set()
    for package in ("yuqing", "crawlers", "nlp", "clustering", "alerts", "event_calendar", "case_library",
                    "governance", "briefings", "dispatch", "enterprise", "assessment"):
        for path in (repo / package).rglob("*.py"):
            if re.search(r"^(\w+ = )?register_kind\(Kind\(", path.read_text(encoding="utf-8"), re.M):
                owners.add(".".join(path.relative_to(repo).with_suffix("").parts))
    assert owners - {"yuqing.storage.base"} == set(KIND_MODULES)


def test_a_fresh_process_knows_every_kind(tmp_path):
    import subprocess
    import sys

    code = ("from yuqing.storage.sqlite import SQLiteStore\n"
            f"s = SQLiteStore({str(tmp_path / 's.sqlite')!r})\n"
            "print([s.count_records(k) for k in ('scheduler_jobs', 'calendar_warnings', 'alert_deliveries')])\n"
            "s.close()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.strip() == "[0, 0, 0]"
