"""The daily calendar job writes warnings once per window; anniversaries come from stored cases."""
from datetime import date

from event_calendar import Calendar
from event_calendar.stage import CalendarStage, upcoming_warnings
from yuqing.config import load_config
from yuqing.pipeline import STAGES, stage_class
from yuqing.records import Case


def config(*overrides):
    return load_config(None, ["cases.starter=false", *overrides])


def test_stage_is_the_pipelines_calendar_stage():
    assert STAGES["calendar"] == "event_calendar.stage.CalendarStage"
    assert stage_class("calendar") is CalendarStage and CalendarStage.name == "calendar"


def test_daily_job_writes_each_warning_once(store):
    stage = CalendarStage(config("calendar.warning_days=14"), store, today=date(2026, 1, 10))
    report = stage.run_once()
    store.flush()
    names = {w.name for w in store.find_records("calendar_warnings")}
    # 春节前欠薪高发期 opens 2026-01-06 (28+14 days before 春节 on 02-17): open, so warned.
    assert "春节前欠薪高发期" in names and report.created == len(names) == report.processed
    assert "国庆假期" not in names
    state = upcoming_warnings(store, date(2026, 1, 10))
    assert {w["name"] for w in state} == names
    first = {w.id: w.first_warned for w in store.find_records("calendar_warnings")}

    again = CalendarStage(config("calendar.warning_days=14"), store, today=date(2026, 1, 10)).run_once()
    store.flush()
    assert again.created == 0 and store.count_records("calendar_warnings") == len(names)
    assert {w.id: w.first_warned for w in store.find_records("calendar_warnings")} == first

    # Three weeks on, the Spring Festival holiday (from 02-15) falls within the warning days.
    later = CalendarStage(config(), store, today=date(2026, 2, 3)).run_once()
    store.flush()
    assert later.created >= 1
    assert "春节假期" in {w.name for w in store.find_records("calendar_warnings")}
    assert upcoming_warnings(store, date(2026, 1, 10)) == []  # the state holds the latest day only


def test_anniversaries_come_from_stored_cases(store):
    store.put_records("cases", [
        Case(id="c1", title="观澜某工业园火灾", start="2021-07-20", city="深圳市", street="观澜街道",
             categories=["public_safety"], keywords=["火灾"]),
        Case(id="c2", title="外地暴雨", start="2021-07", city="郑州市", categories=["natural_disaster"]),
    ])
    store.flush()
    calendar = Calendar.from_config(config("calendar.shipped=false"), store, today=date(2026, 7, 1))
    [window] = calendar.active(date(2026, 7, 20))
    assert window["name"] == "观澜某工业园火灾 5周年" and window["kind"] == "anniversary"
    assert window["streets"] == ["观澜街道"] and window["start"] == window["end"] == "2026-07-20"
    assert calendar.active(date(2026, 7, 20), street="民治街道") == []
    only_zhengzhou = Calendar.from_config(config("calendar.shipped=false", "calendar.anniversary_cities=[郑州市]"),
                                          store, today=date(2026, 7, 1))
    assert only_zhengzhou.active(date(2026, 7, 20)) == []  # c2 has no full date, c1 is not in 郑州市
    fourth = Calendar.from_config(config("calendar.shipped=false"), store, today=date(2025, 7, 1))
    assert fourth.active(date(2025, 7, 20)) == []  # only round anniversaries (1, 5, 10, …) by default
    every = Calendar.from_config(config("calendar.shipped=false", "calendar.anniversary_marks=[]"), store,
                                 today=date(2025, 7, 1))
    assert [w["name"] for w in every.active(date(2025, 7, 20))] == ["观澜某工业园火灾 4周年"]


def test_stage_loads_the_starter_cases_for_anniversaries(store):
    stage = CalendarStage(load_config(None, ["calendar.shipped=false"]), store, today=date(2026, 7, 14))
    stage.run_once()
    store.flush()
    names = {w.name for w in store.find_records("calendar_warnings")}
    assert "郑州\"7·20\"特大暴雨灾害 5周年" in names
