"""Scheduled scoring: the service's ``enterprise`` job scores after an import (as users run it, on both
stores) and once a month from ``enterprise.score_day``; a planted pattern becomes a warning and, at the
alert stage's next run, a card that links the enterprise page; a restart neither repeats nor loses one."""
from datetime import datetime, timedelta

from ent_builders import code, months, quiet_rows, write_csv, yuqing
from enterprise.records import Enterprise, IndicatorMonth, month_of, shift_month
from enterprise.schedule import SCORED_STATE, ScoringStage, monthly_mark
from enterprise.service import month_start
from yuqing.config import load_config
from yuqing.records import DEFAULT_TZ, Document, now
from yuqing.app.scheduler import Service

SETTINGS = ["cases.search_mode=lexical", "alerts.rules_only=[enterprise-risk]"]


def test_an_import_is_scored_at_the_next_check_and_its_warning_reaches_the_queue(store, tmp_path):
    month = month_of(now())  # the current month: the alert rule ignores months long past
    earlier = [shift_month(month, -back) for back in range(6, 0, -1)]
    a, b = code(41), code(42)
    rows = quiet_rows(a, "深圳市鑫达电子有限公司", "民治街道", earlier) + quiet_rows(b, "深圳市宏兴五金有限公司", "大浪街道",
                                                                        earlier)
    rows.append([a, "深圳市鑫达电子有限公司", "民治街道", month, 90, 72_000, 60_000, 48_000, 780, 3, 1])  # planted
    rows.append([b, "深圳市宏兴五金有限公司", "大浪街道", month, 120, 132_000, 0, 50_000, 800, 0, 0])
    store.put_documents([Document(id="p1", text="鑫达电子拖欠工资两个月，工人在厂门口拉横幅讨薪", source="forum",
                                  source_type="forum", published_at=month_start(month) + timedelta(hours=1))])
    store.flush()
    service = Service(load_config(None, SETTINGS), store, crawl=False)
    assert "enterprise" in service.discover()  # on by default: every 600 s, after imports and monthly
    first = service.run_job("enterprise")
    assert first.processed == 0 and "no enterprise indicators" in first.detail

    done = yuqing(store, tmp_path, "indicators", "import", str(write_csv(tmp_path / "export.csv", rows)))
    assert done.returncode == 0, done.stderr
    scored = service.run_job("enterprise")
    assert scored.errors == 0 and scored.processed == 2 and scored.created == 1, scored.detail
    assert f"{month} scored (import" in scored.detail
    [warning] = store.find_records("enterprise_scores", {"warning": True})
    assert (warning.enterprise, warning.risk, warning.month) == (a, "wage_arrears", month)
    assert {"contributions_owed", "arrears_posts"} <= {s.name for s in warning.signals}
    [run] = [r for r in store.find_records("job_runs", {"job": "enterprise"}) if r.processed]
    assert run.ok and run.created == 1

    again = Service(load_config(None, SETTINGS), store, crawl=False)  # a restart: nothing new to score
    again.discover()
    assert again.run_job("enterprise").processed == 0
    assert store.get_state(SCORED_STATE)["month"] == month

    service.run_job("stage:alert")
    store.flush()
    [card] = store.find_records("alerts", {"rule": "enterprise-risk"})
    assert card.street == "民治街道" and card.evidence["page"] == f"/enterprises/{a}"
    assert card.title.startswith(f"企业欠薪风险：深圳市鑫达电子有限公司（{month}，") and card.doc_ids == ["p1"]


def _stored(store) -> str:
    a = code(51)
    store.put_records("enterprises", [Enterprise(id=a, code=a, name="深圳市鑫达电子有限公司",
                                                 names=["深圳市鑫达电子有限公司"], street="民治街道")])
    values = dict(headcount=120, contributions_paid=132_000, contributions_owed=0, power_kwh=50_000, water_m3=800)
    store.put_records("enterprise_indicators", [IndicatorMonth(id=f"{a}|{m}", enterprise=a, period=m, **values)
                                                for m in months("2026-01", 7)])
    store.flush()
    return a


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=DEFAULT_TZ)


def test_monthly_scoring_from_the_score_day_once_a_month(sqlite_store):
    _stored(sqlite_store)
    stage = ScoringStage.from_config(load_config(None, ["enterprise.score_on_import=false",
                                                        "enterprise.score_day=10"]), sqlite_store)
    assert stage.run_once(at=_at(8, 9)).processed == 1  # never scored yet: at once
    assert sqlite_store.get_state(SCORED_STATE)["reasons"] == ["monthly"]
    assert stage.run_once(at=_at(8, 9, 23)).processed == 0  # before the 10th: August is not due yet
    assert stage.run_once(at=_at(8, 10, 0)).processed == 1  # the 10th: August's scoring
    assert stage.run_once(at=_at(8, 25)).processed == 0
    assert stage.run_once(at=_at(10, 2)).processed == 1  # down on September 10th: scored when back
    assert stage.run_once(at=_at(10, 9)).processed == 0
    assert sqlite_store.count_records("enterprise_scores") == 3  # one month (the latest), three risks


def test_monthly_mark():
    assert monthly_mark(_at(8, 10, 0), 10) == _at(8, 10, 0)
    assert monthly_mark(_at(8, 9, 23), 10) == _at(7, 10, 0)
    assert monthly_mark(_at(1, 3), 28) == datetime(2025, 12, 28, tzinfo=DEFAULT_TZ)


def test_scheduled_scoring_is_switched_off_by_its_settings(sqlite_store):
    off = Service(load_config(None, ["enterprise.check_interval=0"]), sqlite_store, crawl=False)
    assert "enterprise" not in off.discover()
    nothing = Service(load_config(None, ["enterprise.score_on_import=false", "enterprise.score_day=0"]), sqlite_store,
                      crawl=False)
    nothing.discover()
    assert "switched off" in nothing.run_job("enterprise").detail
