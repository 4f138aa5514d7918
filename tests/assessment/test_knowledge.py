"""The shipped knowledge base: complete, consistent with the calendar, and its rules as documented."""
from datetime import date

from assessment.factors import overall
from assessment.knowledge import CATEGORY_IDS, load_knowledge
from event_calendar import Calendar
from yuqing.config import load_config


def test_every_kind_is_complete():
    knowledge = load_knowledge()
    assert [c.id for c in knowledge.categories] == list(CATEGORY_IDS)
    assert {"demolition", "urban_village_renewal", "waste_incineration", "chemical_plant", "substation",
            "transport_construction", "school_places", "elevator_retrofit", "park_works", "other"} <= \
        {k.id for k in knowledge.kinds}
    for kind in knowledge.kinds:
        assert kind.procedures, kind.id
        assert all(why.strip() for _, why in kind.base.values()), kind.id
    for category in knowledge.categories:
        assert category.actions and category.trigger and category.owner and category.timing


def test_every_milestone_class_meets_a_shipped_calendar_window():
    """A misspelt category in a milestone class would make it silently dead."""
    knowledge = load_knowledge()
    windows = Calendar.from_config(load_config(None, [])).windows(date(2026, 1, 1), date(2026, 12, 31))
    for rule in knowledge.milestones:
        cats, kinds = set(rule.windows.get("categories", [])), set(rule.windows.get("kinds", []))
        keywords = set(rule.windows.get("keywords", []))
        hits = [w for w in windows if (cats & set(w.categories) or w.kind in kinds)
                and (not keywords or keywords & set(w.keywords))]
        assert hits, rule.id


def test_overall_rule():
    knowledge = load_knowledge()
    levels = lambda scores: {c: knowledge.levels.level(s) for c, s in scores.items()}  # noqa: E731
    calm = dict.fromkeys(CATEGORY_IDS, 10)
    score, level, why = overall(calm, levels(calm), knowledge)
    assert (score, level) == (10, "low")
    one_high = dict(calm, expropriation_compensation=62)
    score, level, why = overall(one_high, levels(one_high), knowledge)
    assert score == round(0.6 * 62 + 0.4 * (62 + 50) / 6) and level == "medium"
    two_high = dict(one_high, social_stability=60)
    score, level, why = overall(two_high, levels(two_high), knowledge)
    assert score < knowledge.levels.high and level == "high"  # two high categories make the project high
    assert any("整体判定为高风险" in w for w in why)
