"""`yuqing cases …` and `yuqing calendar …` as CONTRACT.md specifies them (SQLite store)."""
import json

import pytest

from yuqing.app.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no config.yaml here: defaults only

    def run(*argv):
        code = main([*argv, "-s", f"store.path={tmp_path / 'x.sqlite'}"])  # -s after the action
        out, err = capsys.readouterr()
        return code, out, err
    return run


def lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_calendar_upcoming_json_is_the_contract_record(run):
    code, out, _ = run("calendar", "upcoming", "--days", "30", "--today", "2026-01-10", "--format", "json")
    assert code == 0
    records = lines(out)
    assert all({"name", "start", "end", "categories", "streets", "reason", "keywords"} <= set(r) for r in records)
    assert "春节前欠薪高发期" in {r["name"] for r in records}
    assert all(r["start"] <= "2026-02-09" and r["end"] >= "2026-01-10" for r in records)


def test_calendar_show_learn_and_misuse(run):
    code, out, _ = run("calendar", "show", "2026-07-20", "--category", "natural_disaster", "--format", "json")
    assert code == 0 and json.loads(out)["sensitivity"] == 1.5
    code, out, _ = run("calendar", "learn", "--today", "2026-01-01")
    assert code == 0 and "0 peaks proposed" in out
    code, _, err = run("calendar", "upcoming", "--today", "2026/01/10")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run("calendar", "accept", "nope")
    assert code == 1 and "no calendar proposal 'nope'" in err


def test_cases_search_json_is_the_contract_record(run):
    code, out, _ = run("cases", "search", "郑州暴雨 地铁被困", "--limit", "2", "--format", "json")
    assert code == 0
    records = lines(out)
    assert len(records) == 2 and set(records[0]) == {"case_id", "title", "score", "reasons"}
    assert records[0]["case_id"] == "zhengzhou-720-rainstorm-2021"


def test_cases_import_export_show_history(run, tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_text("cases:\n  - {id: my-1, title: 某小区电梯困人, categories: [property_management]}\n"
                      "  - {id: my-2, title: 坏, categories: [nope]}\n", encoding="utf-8")
    code, out, err = run("cases", "import", str(source), "--who", "li", "--format", "json")
    assert code == 1 and json.loads(out) == {"imported": 1, "unchanged": 0, "errors": 1}
    assert "case 2" in err and "categories" in err
    code, out, _ = run("cases", "show", "my-1", "--format", "json")
    assert code == 0 and json.loads(out)["title"] == "某小区电梯困人"
    code, out, _ = run("cases", "history", "my-1", "--format", "json")
    assert lines(out)[0]["who"] == "li"
    target = tmp_path / "all.json"
    assert run("cases", "export", str(target))[0] == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert len(exported) >= 31 and "my-1" in {c["id"] for c in exported}
    code, _, err = run("cases", "show", "nope")
    assert code == 1 and "no case 'nope'" in err
    code, _, err = run("cases", "draft-from-alert", "no-alert")
    assert code == 1 and "no alert 'no-alert'" in err


def test_cases_similar_to_a_stored_incident(run, tmp_path):
    from yuqing.records import Incident
    from yuqing.storage.sqlite import SQLiteStore

    with SQLiteStore(tmp_path / "x.sqlite") as store:
        store.put_records("incidents", [Incident(id="inc-9", label="民治街道 小区 物业费 上涨", category="property_management",
                                                 keywords=["物业", "业委会"], streets=["民治街道"])])
    code, out, _ = run("cases", "similar", "--incident", "inc-9", "--limit", "2", "--format", "json")
    assert code == 0
    [first, _] = lines(out)
    assert first["case_id"] in {"property-fee-dispute-pattern", "jingzhou-building-self-management"}
    assert "same category: property_management" in first["reasons"]
    code, _, err = run("cases", "similar", "--incident", "nope")
    assert code == 1 and "no incident 'nope'" in err


def test_options_before_the_action_are_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    store_path = tmp_path / "before.sqlite"
    assert main(["calendar", "-s", f"store.path={store_path}", "-s", "calendar.shipped=false",
                 "upcoming", "--today", "2026-01-10", "--format", "json"]) == 0
    assert capsys.readouterr().out == ""  # shipped calendar switched off: no windows
    assert store_path.exists()
