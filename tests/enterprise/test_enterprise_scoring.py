"""Risk scores: a planted pattern raises its warning and explains it; steady months, a planned holiday and
the 春节 window alone raise none; ``yuqing indicators score`` and ``show`` as users run them, both stores."""
import json

from ent_builders import at, code, months, quiet_rows, write_csv, yuqing
from enterprise.records import Enterprise, EnterpriseLink, IndicatorMonth
from enterprise.scoring import score_enterprise

THRESHOLDS = {"wage_arrears": 41, "shutdown": 50, "relocation": 20}
ENT = Enterprise(id="E1", name="深圳市鑫达电子有限公司", names=["深圳市鑫达电子有限公司"], street="民治街道")


def series(changes=None, first="2026-01", count=7):
    """Steady months (120 insured, 50,000 kWh, 800 m³), with ``changes[month] = {field: value}``."""
    out = {}
    for month in months(first, count):
        values = dict(headcount=120, contributions_paid=132_000, contributions_owed=0, power_kwh=50_000,
                      water_m3=800, tickets=0, inspections=0)
        values.update((changes or {}).get(month, {}))
        out[month] = IndicatorMonth(id=f"E1|{month}", enterprise="E1", period=month, **values)
    return out


def post(doc_id, month, groups, sentiment="negative"):
    return EnterpriseLink(id=f"{doc_id}|E1", doc_id=doc_id, enterprise="E1", month=month, published_at=at(month),
                          terms={g: ["x"] for g in groups}, sentiment=sentiment)


def scores(series_, links=(), month="2026-07", **kw):
    return {s.risk: s for s in score_enterprise(ENT, series_, list(links), month, thresholds=THRESHOLDS, **kw)}


def test_steady_months_raise_nothing():
    got = scores(series())
    assert not any(s.warning for s in got.values())
    assert all(s.signals == [] and s.score == 0 for s in got.values())


def test_wage_arrears_pattern_raises_its_warning_and_explains_it():
    arrears = {"2026-06": {"contributions_owed": 20_000, "contributions_paid": 112_000},
               "2026-07": {"headcount": 90, "contributions_owed": 60_000, "contributions_paid": 72_000,
                           "inspections": 1, "tickets": 3}}
    got = scores(series(arrears), [post("p1", "2026-07", ["arrears", "gathering"]), post("p2", "2026-06", ["arrears"])])
    s = got["wage_arrears"]
    assert s.warning and s.score >= 41 and s.id == "E1|2026-07|wage_arrears"
    names = [x.name for x in s.signals]
    assert {"contributions_owed", "owed_two_months", "headcount_falling", "inspections", "arrears_posts",
            "gathering_posts", "corroborated"} <= set(names)
    assert s.score == min(100, round(sum(x.points for x in s.signals), 1))  # the score is its signals, capped
    why = {x.name: x.why for x in s.signals}
    assert why["contributions_owed"] == "社保欠缴占应缴 45%"
    assert why["headcount_falling"] == "参保人数比基线下降 25%"
    assert sorted(next(x for x in s.signals if x.name == "arrears_posts").doc_ids) == ["p1", "p2"]
    assert not got["relocation"].warning


def test_the_same_pattern_without_its_signals_is_no_warning():
    """Fails if a score counted anything but its signals (the test of the test above)."""
    assert not scores(series({"2026-07": {"inspections": 1}}))["wage_arrears"].warning


def test_relocation_headcount_and_power_falling_together_with_posts():
    moving = {"2026-06": {"headcount": 100, "power_kwh": 40_000},
              "2026-07": {"headcount": 70, "power_kwh": 26_000, "water_m3": 350}}
    s = scores(series(moving), [post("p1", "2026-07", ["relocation"])])["relocation"]
    assert s.warning
    assert s.signals[0].name == "headcount_and_power_falling"
    assert "参保人数（-" in s.signals[0].why and "用电量（-" in s.signals[0].why


def test_a_planned_holiday_is_not_a_shutdown():
    holiday = {"2026-07": {"power_kwh": 15_000, "water_m3": 300}}
    s = scores(series(holiday))["shutdown"]
    assert not s.warning
    assert "looks_planned" in [x.name for x in s.signals]
    # the same month of low power, with staff leaving, owed contributions and posts about it, is one
    stopping = {"2026-06": {"power_kwh": 35_000},
                "2026-07": {"power_kwh": 4_000, "water_m3": 100, "headcount": 80, "contributions_owed": 20_000}}
    s = scores(series(stopping), [post("p1", "2026-07", ["shutdown"])])["shutdown"]
    assert s.warning and "looks_planned" not in [x.name for x in s.signals]


def test_the_spring_festival_window_scales_up_arrears_never_alone():
    from event_calendar import Calendar
    from event_calendar.loaders import DEFAULT_FILE, load_entries

    calendar = Calendar(load_entries(DEFAULT_FILE))
    owed = {"2026-01": {"contributions_owed": 40_000, "contributions_paid": 92_000}}
    before = series(owed, first="2025-07", count=7)  # 2026-01: the weeks before 春节 (2026-02-17)
    s = scores(before, month="2026-01", calendar=calendar)["wage_arrears"]
    festival = [x for x in s.signals if x.source == "calendar"]
    assert len(festival) == 1 and festival[0].why.startswith("春节前欠薪高发期（2026-01-06 至 2026-02-17）")
    summer = series({"2026-07": {"contributions_owed": 40_000, "contributions_paid": 92_000}})
    assert not [x for x in scores(summer, calendar=calendar)["wage_arrears"].signals if x.source == "calendar"]
    quiet = scores(series(first="2025-07", count=7), month="2026-01", calendar=calendar)["wage_arrears"]
    assert quiet.signals == []  # the window alone adds nothing


def test_spring_festival_dip_is_compared_with_last_years():
    """春节 fell in January 2025 and in February 2026: each year's 春节 month is compared with the other's."""
    dips = {"2025-01": {"power_kwh": 27_000}, "2026-02": {"power_kwh": 27_000}}
    s = scores(series(dips, first="2024-10", count=17), month="2026-02")["shutdown"]
    assert s.signals == []


def test_score_and_show_as_users_run_them(store, tmp_path):
    from yuqing.records import Analysis, Document

    a, b = code(11), code(12)
    six = months("2026-01", 6)
    rows = quiet_rows(a, "深圳市鑫达电子有限公司", "民治街道", six) + quiet_rows(b, "深圳市宏兴五金有限公司", "大浪街道", six)
    rows.append([a, "深圳市鑫达电子有限公司", "民治街道", "2026-07", 90, 72_000, 60_000, 48_000, 780, 3, 1])
    rows.append([b, "深圳市宏兴五金有限公司", "大浪街道", "2026-07", 120, 132_000, 0, 50_000, 800, 0, 0])
    done = yuqing(store, tmp_path, "indicators", "import", str(write_csv(tmp_path / "july.csv", rows)))
    assert done.returncode == 0, done.stderr
    posts = [Document(id="p1", text="鑫达电子拖欠工资两个月，工人在厂门口拉横幅讨薪", published_at=at("2026-07"),
                      source="forum", source_type="forum"),
             Document(id="t1", text="来电反映鑫达电子有限公司拖欠工资", published_at=at("2026-07", 12),
                      source="12345", source_type="hotline"),
             Document(id="p2", text="宏兴五金今天在招工", published_at=at("2026-07"), source="forum", source_type="forum")]
    store.put_documents(posts)
    store.put_analyses([Analysis.model_validate({"id": "p1", "sentiment": {"label": "negative", "score": 0.9}})])
    store.flush()

    done = yuqing(store, tmp_path, "indicators", "score", "--month", "2026-07", "--format", "json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(x["enterprise"], x["risk"]) for x in lines] == [(a, "wage_arrears")]  # warnings only
    warning = lines[0]
    assert warning["street"] == "民治街道" and warning["warning"] and warning["score"] >= 41
    opinion = {x["name"]: x for x in warning["signals"] if x["source"] == "opinion"}
    assert sorted(opinion["arrears_posts"]["doc_ids"]) == ["p1", "t1"]
    assert "2026-07: 2 家企业评分, 1 条预警" in done.stderr

    shown = yuqing(store, tmp_path, "indicators", "show", a, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert [row["period"] for row in view["series"]] == months("2026-01", 7)
    assert [p["doc_id"] for p in view["posts"]] == ["p1"] and [t["doc_id"] for t in view["tickets"]] == ["t1"]
    assert {s["risk"] for s in view["scores"]} == {"wage_arrears", "shutdown", "relocation"}

    missing = yuqing(store, tmp_path, "indicators", "show", "91440300MA5000000X")
    assert missing.returncode != 0 and "91440300MA5000000X" in missing.stderr and "Traceback" not in missing.stderr
    bad = yuqing(store, tmp_path, "indicators", "score", "--month", "2026-7")
    assert bad.returncode == 2 and "--month '2026-7'" in bad.stderr
