"""Hybrid retrieval over the starter library, with reasons; incidents find their precedents."""
import pytest

from case_library import CaseLibrary
from case_library.retrieval import EMBED_STATE
from yuqing.config import load_config
from yuqing.records import Case, Incident


@pytest.fixture
def library(store):
    lib = CaseLibrary.from_config(load_config(None), store)
    store.flush()
    return lib


def test_search_ranks_the_obvious_precedent_first_with_reasons(library):
    [top, *_] = library.search("暴雨导致地铁隧道积水，乘客被困", limit=5)
    assert top.case_id == "zhengzhou-720-rainstorm-2021"
    assert 0 < top.score <= 1
    assert any(r.startswith("shared category: natural_disaster") for r in top.reasons)
    assert any(r.startswith("shared keywords:") and "地铁" in r for r in top.reasons)
    assert top.as_dict().keys() == {"case_id", "title", "score", "reasons"}


@pytest.mark.parametrize("query, expected", [
    ("春节前农民工讨薪", "winter-wage-arrears-campaign"),
    ("居民反对建垃圾焚烧厂", None),  # any of the incinerator cases
    ("物业费上涨，业主要求换物业", None),
])
def test_each_mode_finds_the_domain(library, query, expected):
    for mode in ("hybrid", "lexical", "semantic"):
        matches = library.search(query, limit=3, mode=mode)
        assert matches, mode
        if expected:
            assert matches[0].case_id == expected, mode
        scores = [m.score for m in matches]
        assert scores == sorted(scores, reverse=True)
    hybrid_top = library.search(query, limit=1)[0].case_id
    if "焚烧" in query:
        assert hybrid_top in {"panyu-incinerator-2009", "yuhang-zhongtai-incinerator-2014"}
    if "物业" in query:
        assert hybrid_top in {"property-fee-dispute-pattern", "jingzhou-building-self-management"}


def test_place_is_a_reason(library):
    matches = library.search("深圳光明 渣土 滑坡", limit=3)
    assert matches[0].case_id == "guangming-landslide-2015"
    assert any(r.startswith("same place:") for r in matches[0].reasons)


def test_similar_to_incident_prefers_same_category(library):
    incident = Incident(id="i1", label="观澜街道 工地 欠薪 讨薪", keywords=["农民工", "工资", "包工头"],
                        category="labor_dispute", streets=["观澜街道"])
    matches = library.similar_to_incident(incident, limit=3)
    assert matches[0].case_id == "winter-wage-arrears-campaign"
    assert "same category: labor_dispute" in matches[0].reasons
    assert len(matches) == 3


def test_case_embeddings_are_cached_and_refreshed_on_edit(library, store):
    library.search("台风", limit=1, mode="semantic")
    saved = store.get_state(EMBED_STATE)["vectors"]
    assert len(saved) >= 30
    before = saved["typhoon-saola-2023"]["h"]
    fresh = CaseLibrary(store)  # a new process: vectors come from the store state
    fresh.retriever._embeddings([library.get("typhoon-saola-2023")])
    assert fresh.retriever._vectors["typhoon-saola-2023"][0] == before
    edited = library.get("typhoon-saola-2023").model_copy(update={"outcome": "新增结论"})
    library.put(edited, "analyst")
    store.flush()
    fresh.search("台风", limit=1, mode="semantic")
    assert store.get_state(EMBED_STATE)["vectors"]["typhoon-saola-2023"]["h"] != before


def test_drafts_stay_out_of_search_until_reviewed(library, store):
    library.put(Case(id="d1", title="民治街道 冷库 氨气泄漏 疏散", categories=["public_safety"],
                     keywords=["氨气", "冷库"], status="draft"), "bot")
    store.flush()
    assert "d1" not in {m.case_id for m in library.search("冷库氨气泄漏", limit=10)}
    library.review("d1", "analyst")
    store.flush()
    assert library.search("冷库氨气泄漏", limit=1)[0].case_id == "d1"


def test_hostile_queries_are_plain_text(library):
    for query in ['" OR 1=1 --', "NEAR(暴雨 内涝) *", ""]:
        library.search(query, limit=3, mode="lexical")  # no exception, no injection
    assert library.search("   ", limit=3) == []


def test_shipped_vectors_match_the_starter_library():
    """If this fails, the starter YAML changed: run `python -m case_library.vectors` and commit the .npz."""
    import numpy as np

    from case_library.library import STARTER_FILE
    from case_library.model import load_cases, search_text
    from case_library.vectors import SHIPPED, text_key

    shipped = set(np.load(SHIPPED)["keys"].tolist())
    assert {text_key(search_text(c)) for c in load_cases(STARTER_FILE)} <= shipped
