"""The assessment as a function: reviews, six categories, scores that explain themselves, calendar
conflicts, precedents and the plan (in-process; the store part runs on both backends)."""
import pytest

from assessment import assess, parse_card
from assessment.knowledge import CATEGORY_IDS, load_knowledge
from assess_helpers import card_data


@pytest.fixture
def run(sqlite_store, config):
    def run(**changes):
        return assess(parse_card(card_data(**changes)), sqlite_store, config)
    run.store = sqlite_store
    return run


def result_store(run):
    return run.store


def test_missing_and_unknown_procedures_become_gaps_and_points(run):
    complete = run()
    assert complete.checks["procedure"].gaps == []
    gapped = run(procedures={"规划许可": True, "听证会": False, "补偿方案公示": False, "环评批复": None})
    gaps = gapped.checks["procedure"].gaps
    assert any(g.startswith("听证会：未完成") for g in gaps)
    assert any(g.startswith("补偿方案公示：未完成") for g in gaps)  # not mistaken for 方案公示
    assert any(g.startswith("方案公示：项目卡未提及") for g in gaps)  # expected for demolition, not stated
    assert any(g.startswith("施工许可：项目卡未提及") for g in gaps)
    assert not any(g.startswith("规划许可") for g in gaps)
    by_id = {c.id: c for c in gapped.categories}
    before = {c.id: c for c in complete.categories}
    # a missing hearing raises policy and stability; a missing compensation publication raises compensation
    assert by_id["policy_legal"].score > before["policy_legal"].score
    assert by_id["social_stability"].score == before["social_stability"].score + 8
    assert by_id["expropriation_compensation"].score == before["expropriation_compensation"].score + 12


def test_six_categories_in_contract_order_and_every_score_is_its_factors(run):
    result = run(procedures={"听证会": False}, scale={"merchants": 320, "households": 400})
    assert [c.id for c in result.categories] == list(CATEGORY_IDS)
    for c in result.categories:
        assert c.raw == sum(f.points for f in c.factors)
        assert c.score == max(0, min(100, c.raw))
        assert all(f.why for f in c.factors)
    knowledge = load_knowledge()
    for c in result.categories:
        assert c.level == knowledge.levels.level(c.score)


def test_levels_follow_the_card_not_a_fixed_answer(run):
    """The same kind of project is low when nobody moves and everything is done, high when a
    thousand households move without hearing, compensation plan or publication."""
    calm = run(scale={"merchants": 0}, compensation="")
    hot = run(scale={"households": 1500, "merchants": 300}, compensation="",
              procedures={"听证会": False, "补偿方案公示": False, "方案公示": False})
    order = ("low", "medium", "high")
    assert order.index(calm.level) < order.index(hot.level)
    assert {c.id: c.level for c in hot.categories}["expropriation_compensation"] == "high"
    assert any("没有写明补偿方案" in f.why for c in hot.categories for f in c.factors)


def test_milestone_in_a_festival_window_is_a_conflict(run):
    # 春节 2027 is on 6 February: the wage window opens 42 days before it
    result = run(timeline=[{"milestone": "清场", "date": "2027-02-01"}, {"milestone": "开工", "date": "2027-03-20"}])
    conflicts = result.calendar_conflicts
    assert [(c["milestone"], c["entry"]) for c in conflicts] == [("清场", "春节前欠薪高发期")]
    assert conflicts[0]["start"] <= "2027-02-01" <= conflicts[0]["end"]
    stability = {c.id: c for c in result.categories}["social_stability"]
    assert any(f.source == "calendar" and "春节前欠薪高发期" in f.why for f in stability.factors)
    plan = {p.risk: p for p in result.plan}
    assert any("清场" in a and "春节前欠薪高发期" in a for a in plan["social_stability"].actions)
    calm = run(timeline=[{"milestone": "清场", "date": "2027-04-20"}])
    assert calm.calendar_conflicts == []


def test_night_works_in_exam_days_and_earthworks_in_flood_season(run):
    result = run(type="地铁", name="某地铁站土建工程", summary="新建地铁站", night_work=True,
                 timeline=[{"milestone": "夜间施工", "date": "2027-06-05", "end": "2027-06-12"},
                           {"milestone": "基坑开挖", "date": "2027-05-25"}])
    pairs = {(c["milestone"], c["entry"]) for c in result.calendar_conflicts}
    assert ("夜间施工", "高考") in pairs and ("基坑开挖", "广东汛期") in pairs
    assert result.kind["id"] == "transport_construction"


def test_plan_covers_every_medium_and_high_category(run):
    result = run(scale={"households": 1500, "merchants": 300}, procedures={"听证会": False})
    risky = [c.id for c in result.categories if c.level != "low"]
    assert risky and sorted(p.risk for p in result.plan) == sorted(risky)
    for item in result.plan:
        assert item.trigger and item.actions and item.owner and item.timing
    assert any("补办程序“听证会”" in a for p in result.plan for a in p.actions)


def test_planning_distance_below_the_kind_minimum(run):
    result = run(type="垃圾焚烧", name="某垃圾焚烧发电厂", summary="垃圾焚烧发电", distances={"homes_m": 150},
                 scale={"residents_nearby": 20000})
    assert result.kind["id"] == "waste_incineration"
    assert any("150 米" in g for g in result.checks["planning"].gaps)
    assert any("学校的距离" in g for g in result.checks["planning"].gaps)  # not stated: a gap too


def test_precedents_come_from_the_case_library_and_share_the_kind(run):
    result = run()
    assert result.similar_cases, "the starter library holds urban-renewal cases"
    assert all(c["case_id"] and c["title"] and "score" in c and "lessons" in c for c in result.similar_cases)
    # a demolition's precedents are land or safety cases, never e.g. a prepaid-card collapse
    from case_library import CaseLibrary
    from yuqing.config import load_config
    library = CaseLibrary.from_config(load_config(None, ["cases.search_mode=lexical"]), result_store(run))
    for case in result.similar_cases:
        assert {"land_demolition", "public_safety"} & set(library.get(case["case_id"]).categories)
    # precedents add no points
    assert {f.source for c in result.categories for f in c.factors} <= {"kind", "card", "compensation", "procedure",
                                                                        "planning", "calendar", "evidence"}


def test_knowledge_base_rejects_a_bad_extension(tmp_path):
    from yuqing.errors import ConfigError
    extra = tmp_path / "mine.yaml"
    extra.write_text("kinds:\n  - id: demolition\n    label: 拆除\n    base: {policy_legal: [10, x]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="base needs all six categories"):
        load_knowledge([extra])
    good = tmp_path / "good.yaml"
    good.write_text("levels: {high: 70, medium: 40, meaning: {high: 高, medium: 中, low: 低}}\n", encoding="utf-8")
    assert load_knowledge([good]).levels.high == 70
