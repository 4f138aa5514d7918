"""Calendar entries of every kind expand to the right dates; bad entries are reported and skipped."""
import logging
from datetime import date, timedelta

import pytest

from event_calendar import Calendar
from event_calendar.entries import parse_entry
from event_calendar.expand import windows_for_year
from event_calendar.holidays import holiday_span, is_official, makeup_workdays
from event_calendar.loaders import DEFAULT_FILE, load_entries, milestone_entries
from event_calendar.lunar import lunar_to_solar, solar_term
from yuqing.errors import RecordError


def entry(**fields):
    base = {"name": "x", "categories": ["labor_dispute"], "sensitivity": 1.5}
    return parse_entry({**base, **fields}, "test")


def spans(e, year):
    return [(w.start, w.end) for w in windows_for_year(e, year)]


def test_fixed_solar_date_with_span():
    e = entry(kind="fixed", month=3, day=15, before=7, after=5)
    assert spans(e, 2026) == [(date(2026, 3, 8), date(2026, 3, 20))]


def test_fixed_feb_29_in_a_common_year_is_feb_28():
    assert spans(entry(kind="fixed", month=2, day=29), 2026) == [(date(2026, 2, 28), date(2026, 2, 28))]


def test_lunar_dates_converted():
    # 春节 2026 is Feb 17, 2027 Feb 6; 中秋 2026 is Sep 25; 端午 2026 is Jun 19.
    assert spans(entry(kind="lunar", lunar_month=1, lunar_day=1), 2026) == [(date(2026, 2, 17),) * 2]
    assert spans(entry(kind="lunar", lunar_month=1, lunar_day=1), 2027) == [(date(2027, 2, 6),) * 2]
    assert spans(entry(kind="lunar", lunar_month=8, lunar_day=15), 2026) == [(date(2026, 9, 25),) * 2]
    assert spans(entry(kind="lunar", lunar_month=5, lunar_day=5), 2026) == [(date(2026, 6, 19),) * 2]


def test_lunar_span_before_spring_festival_and_chuxi():
    e = entry(kind="lunar", lunar_month=1, lunar_day=1, before=28)
    assert spans(e, 2026) == [(date(2026, 1, 20), date(2026, 2, 17))]
    # 除夕 is the last day of lunar month 12, which had only 29 days in lunar year 2025.
    assert spans(entry(kind="lunar", lunar_month=12, lunar_day=-1), 2026) == [(date(2026, 2, 16),) * 2]
    assert lunar_to_solar(2025, 12, 30) == date(2026, 2, 16)


def test_solar_term_qingming():
    assert spans(entry(kind="solar_term", term="清明", before=1, after=1), 2026) == \
        [(date(2026, 4, 4), date(2026, 4, 6))]
    assert solar_term(2025, "清明") == date(2025, 4, 4)


def test_official_holiday_and_makeup_workdays():
    e = entry(kind="holiday", holiday="national_day")
    assert spans(e, 2026) == [(date(2026, 10, 1), date(2026, 10, 7))]
    assert is_official(2026)
    assert date(2026, 2, 14) in makeup_workdays(2026)  # Saturday worked before Spring Festival
    assert holiday_span(2026, "spring_festival") == (date(2026, 2, 15), date(2026, 2, 23))
    window = windows_for_year(entry(kind="holiday", holiday="spring_festival"), 2026)[0]
    assert any("2026-02-14" in note for note in window.notes)


def test_holiday_falls_back_when_the_table_lacks_the_year(caplog):
    caplog.set_level(logging.WARNING)
    e = entry(kind="holiday", holiday="spring_festival")
    festival = lunar_to_solar(2030, 1, 1)
    assert spans(e, 2030) == [(festival - timedelta(days=1), festival + timedelta(days=6))]
    assert not is_official(2030)
    assert spans(entry(kind="holiday", holiday="national_day"), 2030) == [(date(2030, 10, 1), date(2030, 10, 7))]
    windows_for_year(entry(kind="holiday", holiday="labour_day"), 2030)
    assert caplog.text.count("no official holiday table for 2030") == 1  # logged once


def test_season_and_season_across_new_year():
    assert spans(entry(kind="season", **{"from": "04-15", "to": "10-15"}), 2026) == \
        [(date(2026, 4, 15), date(2026, 10, 15))]
    assert spans(entry(kind="season", **{"from": "11-01", "to": "03-31"}), 2026) == \
        [(date(2026, 11, 1), date(2027, 3, 31))]


def test_dated_entry_only_in_its_year():
    e = entry(kind="date", date="2026-05-01", end_date="2026-05-03")
    assert spans(e, 2026) == [(date(2026, 5, 1), date(2026, 5, 3))]
    assert spans(e, 2027) == []


def test_milestones_from_a_project_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("project:\n  name: 垃圾转运站\n  street: 观澜街道\n  categories: [environment]\n"
                    "  milestones:\n    - {name: 公示, date: 2026-03-02, end_date: 2026-03-11}\n"
                    "    - {name: 开工, date: not-a-date}\n", encoding="utf-8")
    errors = []
    entries = milestone_entries(path, errors.append)
    assert len(entries) == 1 and len(errors) == 1 and "milestone 2" in errors[0]
    calendar = Calendar(entries)
    [window] = calendar.active(date(2026, 3, 5), "environment", "观澜街道")
    assert window["name"] == "垃圾转运站: 公示" and window["kind"] == "milestone"
    assert calendar.active(date(2026, 3, 5), "environment", "民治街道") == []


@pytest.mark.parametrize("bad, field", [
    ({"kind": "fixed", "month": 13, "day": 1}, "month"),
    ({"kind": "fixed", "month": 3}, "needs day"),
    ({"kind": "holiday", "holiday": "christmas"}, "christmas"),
    ({"kind": "solar_term", "term": "春节"}, "not a solar term"),
    ({"kind": "season", "from": "4/15", "to": "10-15"}, "MM-DD"),
    ({"kind": "fixed", "month": 3, "day": 1, "categories": ["flood"]}, "unknown categories"),
    ({"kind": "fixed", "month": 3, "day": 1, "sensitivity": 0.5}, "sensitivity"),
])
def test_bad_entries_name_the_field(bad, field):
    with pytest.raises(RecordError) as err:
        parse_entry({"name": "x", **bad}, "cal.yaml entry 3")
    assert "cal.yaml entry 3" in str(err.value) and field in str(err.value)


def test_load_reports_bad_entries_and_keeps_the_rest(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("entries:\n  - {name: a, kind: fixed, month: 3, day: 15}\n"
                    "  - {name: b, kind: lunar, lunar_month: 1}\n", encoding="utf-8")
    errors = []
    assert [e.name for e in load_entries(path, errors.append)] == ["a"]
    assert "entry 2 (b)" in errors[0] and "lunar_day" in errors[0]


def test_shipped_calendar_loads_cleanly_and_answers():
    errors = []
    entries = load_entries(DEFAULT_FILE, errors.append)
    assert errors == [] and len(entries) >= 15
    assert {e.kind for e in entries} >= {"fixed", "lunar", "solar_term", "holiday", "season"}
    calendar = Calendar(entries)
    names = {w["name"] for w in calendar.upcoming(date(2026, 1, 10), 30)}
    assert "春节前欠薪高发期" in names
    # Sensitivity: the largest factor of the open windows, 1.0 where none applies.
    assert calendar.sensitivity(date(2026, 1, 25), "labor_dispute", "观澜街道") == 1.8
    assert calendar.sensitivity(date(2026, 1, 25), "education") == 1.0
    assert calendar.sensitivity(date(2026, 8, 1), "natural_disaster") == 1.5  # typhoon > flood season
    record = calendar.upcoming(date(2026, 6, 1), 10)[0]
    assert set(record) >= {"name", "start", "end", "categories", "streets", "reason", "keywords", "sensitivity"}
    assert Calendar(entries, max_sensitivity=1.4).sensitivity(date(2026, 1, 25), "labor_dispute") == 1.4
