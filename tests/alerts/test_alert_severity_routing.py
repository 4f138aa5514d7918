"""Four-colour grading from the evidence, and routing to streets and departments."""
from alerts.routing import Router
from alerts.severity import grade, higher


def test_base_colour_kept_without_aggravating_evidence():
    severity, reasons = grade("yellow", {"volume": 3})
    assert severity == "yellow" and reasons == ["基础级别 黄色（三级）"]


def test_each_factor_raises_one_step_at_most_two():
    assert grade("blue", {"volume": 80})[0] == "yellow"
    severity, reasons = grade("blue", {"volume": 80, "growth": 6.0, "vulnerable": 2, "calendar_sensitivity": 2})
    assert severity == "orange"  # two steps at most
    assert any("规模大" in r for r in reasons) and any("弱势人群" in r for r in reasons)
    assert any("敏感时间窗口" in r for r in reasons) and reasons[-1] == "升至 橙色（二级）"


def test_ceiling_and_case_outcome():
    assert grade("yellow", {"case_outcome_bad": True, "growth": 9}, ceiling="orange")[0] == "orange"
    assert grade("orange", {"case_outcome_bad": True})[0] == "red"
    assert grade("yellow", {"case_outcome_bad": False})[0] == "yellow"
    assert higher("yellow", "orange") == "orange" and higher("red", "blue") == "red"


def test_routing_first_match_wins_with_default():
    router = Router([
        {"streets": ["民治街道"], "categories": ["labor_dispute"], "department": "民治劳动办", "contacts": ["a@x"]},
        {"streets": ["民治街道"], "department": "民治应急办"},
        {"categories": ["natural_disaster"], "department": "区三防办", "notifiers": ["ding"]},
    ], "街道应急办")
    assert router.route("民治街道", "labor_dispute").department == "民治劳动办"
    assert router.route("民治街道", "labor_dispute").contacts == ["a@x"]
    assert router.route("民治街道", "traffic").department == "民治应急办"
    assert router.route("大浪街道", "natural_disaster").notifiers == ["ding"]
    assert router.route("大浪街道", "traffic").department == "街道应急办"
    assert router.route(None, None).notifiers is None
