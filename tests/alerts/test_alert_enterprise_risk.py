"""The ``enterprise_risk`` rule over a real store (both backends): scores kept by ``score_month`` become
one card per enterprise and risk, routed to the enterprise's street, with its signals and posts."""
from datetime import datetime, timedelta

from enterprise.indicators import code_check_char
from enterprise.records import Enterprise, IndicatorMonth
from enterprise.service import score_month
from yuqing.records import DEFAULT_TZ, Document

RULE = {"name": "enterprise-risk", "type": "enterprise_risk", "severity": "yellow", "options": {"orange_from": 80}}
ROUTING = [{"streets": ["民治街道"], "department": "民治街道劳动保障办"}]
NOW = datetime(2026, 8, 3, 9, tzinfo=DEFAULT_TZ)


def _code(n):
    body = f"91440300MA5{n:06d}"
    return body + code_check_char(body)


A, B = _code(21), _code(22)


def _month(ent, month, **changes):
    values = {**dict(headcount=120, contributions_paid=132_000, contributions_owed=0, power_kwh=50_000,
                     water_m3=800, tickets=0, inspections=0), **changes}
    return IndicatorMonth(id=f"{ent}|{month}", enterprise=ent, period=month, street=None, **values)


def _setup(store):
    store.put_records("enterprises", [
        Enterprise(id=A, code=A, name="深圳市鑫达电子有限公司", names=["深圳市鑫达电子有限公司"], street="民治街道"),
        Enterprise(id=B, code=B, name="深圳市宏兴五金有限公司", names=["深圳市宏兴五金有限公司"], street="大浪街道")])
    rows = [_month(e, f"2026-0{m}") for e in (A, B) for m in range(1, 7)]
    rows += [_month(A, "2026-07", headcount=90, contributions_owed=60_000, contributions_paid=72_000, inspections=1),
             _month(B, "2026-07")]
    store.put_records("enterprise_indicators", rows)
    store.put_documents([Document(id="p1", text="鑫达电子拖欠工资，工人在门口拉横幅讨薪",
                                  published_at=datetime(2026, 7, 20, 20, tzinfo=DEFAULT_TZ), source="forum",
                                  source_type="forum")])
    store.flush()


def test_enterprise_risk_card_routed_to_the_street_with_its_signals(store, make_stage, make_config):
    _setup(store)
    stage = make_stage([RULE], routing=ROUTING)
    config = make_config([RULE], routing=ROUTING)
    assert score_month(store, config, "2026-07")["warnings"] == 1
    stage.run_once(now=NOW)
    store.flush()
    [alert] = store.find_records("alerts")
    assert alert.rule == "enterprise-risk" and alert.street == "民治街道" and alert.category == "labor_dispute"
    assert alert.department == "民治街道劳动保障办"  # the existing routing, by the enterprise's street
    assert alert.title.startswith("企业欠薪风险：深圳市鑫达电子有限公司（2026-07，")
    assert alert.doc_ids == ["p1"]
    assert any(r.startswith("社保欠缴占应缴 45%（+") and r.endswith("指标）") for r in alert.reasons)
    assert any("关联帖文/工单 1 条含欠薪/讨薪字样" in r for r in alert.reasons)
    assert alert.evidence["enterprise"] == A and alert.evidence["page"] == f"/enterprises/{A}"
    assert {s["name"] for s in alert.evidence["signals"]} >= {"contributions_owed", "arrears_posts"}

    # nothing new: no second card; the next month's warning with new posts updates the same card
    stage.run_once(now=NOW + timedelta(minutes=5))
    assert store.count_records("alerts") == 1
    store.put_records("enterprise_indicators", [_month(A, "2026-08", headcount=110, contributions_owed=90_000,
                                                       contributions_paid=40_000, inspections=2)])
    store.put_documents([Document(id="p2", text="鑫达电子还是没发工资", source="forum", source_type="forum",
                                  published_at=datetime(2026, 8, 20, 20, tzinfo=DEFAULT_TZ))])
    store.flush()
    score_month(store, config, "2026-08")
    stage.run_once(now=NOW + timedelta(days=30))
    store.flush()
    [alert] = store.find_records("alerts", {"rule": "enterprise-risk"})
    assert alert.evidence["month"] == "2026-08" and alert.doc_ids == ["p1", "p2"]
    assert alert.title.startswith("企业欠薪风险：深圳市鑫达电子有限公司（2026-08，")


def test_enterprise_risk_min_score_and_risks_options(store, make_stage, make_config):
    _setup(store)
    rule = {**RULE, "options": {"risks": ["relocation"], "min_score": 1}}
    stage = make_stage([rule])
    score_month(store, make_config([rule]), "2026-07")
    stage.run_once(now=NOW)
    store.flush()
    [alert] = store.find_records("alerts")  # A's relocation score (8, a gathering post) passes min_score 1
    assert alert.dedup_key == f"enterprise-risk:enterprise:{A}:relocation" and alert.severity == "yellow"
    assert alert.evidence["score"] < alert.evidence["threshold"]  # under the configured threshold
    # A's wage-arrears warning is left to the other rules: this one asks for relocation only
    assert store.count_records("enterprise_scores", {"risk": "wage_arrears", "warning": True}) == 1
