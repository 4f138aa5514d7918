"""Precedents that must share the incident's category and kind of event (cases.require_*), with
reasons naming them. Incidents written by hand here, never drawn from the judged storm set."""
from datetime import datetime, timezone

import pytest

from case_library import CaseLibrary
from case_library.retrieval import case_kinds, event_kinds, incident_kinds
from yuqing.config import load_config
from yuqing.errors import ConfigError
from yuqing.records import Document, Incident

NOISE = Incident(id="n1", label="西乡街道 地铁 工地 打桩", keywords=["夜间", "打桩", "扰民", "地铁", "睡不着"],
                 category="environment", streets=["西乡街道"])
WAGES = Incident(id="w1", label="观澜街道 电子厂 工资", keywords=["拖欠", "工资", "老板", "讨薪", "过年"],
                 category="labor_dispute", streets=["观澜街道"])
DAM_RUMOUR = Incident(id="r1", label="观澜街道 水库 决口 视频", keywords=["水库", "大坝", "决口", "网传", "辟谣", "下游"],
                      category="natural_disaster", streets=["观澜街道"])


def library_for(store, *overrides: str) -> CaseLibrary:
    library = CaseLibrary.from_config(load_config(None, ["cases.search_mode=lexical", *overrides]), store)
    store.flush()
    return library


@pytest.mark.parametrize("text, kind", [
    ("小区地下车库积水，车都泡了", "storm_flood"),
    ("电子厂拖欠三个月工资，工人讨薪", "wage_arrears"),
    ("地铁工地夜间打桩扰民", "noise"),
    ("网传水库溃坝，官方辟谣", "rumor"),
    ("健身房跑路，会员年卡退费无门", "prepaid_refund"),
    ("旧市场拆迁补偿只按面积算", "demolition"),
])
def test_event_kinds_from_words(text, kind):
    assert kind in event_kinds(text)


def test_a_shared_word_is_not_a_kind():
    """地铁 is in the 7·20 rainstorm and in a pile-driving complaint alike: it names no kind of event."""
    assert event_kinds("地铁工地夜间打桩扰民") == {"noise"}
    assert event_kinds("今天天气不错") == set()


def test_starter_cases_have_the_kinds_their_story_says(sqlite_store):
    library = library_for(sqlite_store)
    assert "storm_flood" in case_kinds(library.get("zhengzhou-720-rainstorm-2021"))
    assert case_kinds(library.get("winter-wage-arrears-campaign")) == {"wage_arrears"}
    assert case_kinds(library.get("xian-benz-2019")) == {"consumer_complaint"}
    assert all(case_kinds(c) for c in library.all()), "every starter case has a kind"


def test_a_noise_complaint_gets_no_rainstorm_precedent(sqlite_store):
    hybrid = "cases.search_mode=hybrid"  # the embeddings find a candidate for anything
    loose = ("cases.require_category=false", "cases.require_kind=false")
    assert library_for(sqlite_store, hybrid, *loose).similar_to_incident(NOISE, limit=3)
    same_category = library_for(sqlite_store, hybrid, "cases.require_category=true",
                                "cases.require_kind=false").similar_to_incident(NOISE, 3)
    assert same_category, "environment cases (incinerators, PX plants) share the category, not the kind"
    strict = library_for(sqlite_store, hybrid, "cases.require_category=true", "cases.require_kind=true")
    assert strict.similar_to_incident(NOISE, limit=3) == []  # the library holds no noise case


def test_a_dam_rumour_gets_no_consumer_case(sqlite_store):
    strict = library_for(sqlite_store, "cases.require_category=false", "cases.require_kind=true")
    offered = strict.similar_to_incident(DAM_RUMOUR, limit=5)
    assert "xian-benz-2019" not in {m.case_id for m in offered}
    for match in offered:
        assert any(r.startswith("same kind: ") for r in match.reasons), match
        assert case_kinds(strict.get(match.case_id)) & {"rumor", "storm_flood"}


def test_a_wage_dispute_gets_the_wage_arrears_case_with_its_reasons(sqlite_store):
    strict = library_for(sqlite_store, "cases.require_category=true", "cases.require_kind=true")
    [top, *rest] = strict.similar_to_incident(WAGES, limit=3)
    assert top.case_id == "winter-wage-arrears-campaign"
    assert "same category: labor_dispute" in top.reasons
    assert "same kind: 欠薪劳资" in top.reasons
    for match in rest:
        assert "labor_dispute" in strict.get(match.case_id).categories


def test_an_incident_without_category_is_judged_by_its_words(sqlite_store):
    unclassified = WAGES.model_copy(update={"category": None})
    strict = library_for(sqlite_store, "cases.require_category=true", "cases.require_kind=false")
    assert strict.similar_to_incident(unclassified, limit=1)[0].case_id == "winter-wage-arrears-campaign"
    nothing = Incident(id="x", label="今天 天气 不错", keywords=["天气"], category="other")
    assert strict.similar_to_incident(nothing, limit=3) == []


def test_min_score_keeps_only_close_precedents(sqlite_store):
    loose = ("cases.require_category=false", "cases.require_kind=false")
    scores = [m.score for m in library_for(sqlite_store, *loose).similar_to_incident(WAGES, limit=5)]
    cut = sorted(scores)[len(scores) // 2]
    kept = library_for(sqlite_store, *loose, f"cases.min_score={cut}").similar_to_incident(WAGES, limit=5)
    assert kept and all(m.score >= cut for m in kept) and len(kept) < len(scores)


def test_the_kind_is_read_in_the_incident_posts_when_its_keywords_are_names(store):
    """In a storm an incident's keywords are what sets it apart (places, names): the rain is in its posts."""
    when = datetime(2024, 7, 20, 12, tzinfo=timezone.utc)
    texts = ["大块镇陈堡村暴雨积水一米多，有一岁宝宝被困，求救援", "陈堡村还有老人被困，水还在涨", "陈堡已联系上"]
    store.put_documents([Document(id=f"d{i}", text=t, published_at=when) for i, t in enumerate(texts)])
    store.flush()
    named = Incident(id="s1", label="大块镇 陈堡 宝宝", keywords=["陈堡", "宝宝", "一岁"], doc_ids=["d0", "d1", "d2"],
                     category="natural_disaster")
    # hybrid: these words match no case's text, only the embeddings find candidates
    strict = library_for(store, "cases.search_mode=hybrid", "cases.require_category=true", "cases.require_kind=true")
    assert incident_kinds(named) == set()
    assert incident_kinds(named, strict.retriever.incident_texts(named)) == {"storm_flood", "rescue"}
    offered = strict.similar_to_incident(named, limit=3)
    assert offered and all("natural_disaster" in strict.get(m.case_id).categories for m in offered)
    assert any(r.startswith("same kind: ") and "暴雨洪涝" in r for r in offered[0].reasons)
    unread = named.model_copy(update={"doc_ids": []})
    assert strict.similar_to_incident(unread, limit=3) == []


def test_the_settings_are_declared_and_checked(tmp_path):
    config = load_config(None)
    # the defaults chosen on the judged dev incidents (README "Precedents on real incidents")
    assert (config["cases.require_category"], config["cases.require_kind"], config["cases.min_score"]) == \
        (True, True, 0.0)
    with pytest.raises(ConfigError, match="cases.min_score"):
        load_config(None, ["cases.min_score=1.5"])
