"""Online assignment, c-TF-IDF labels, facets, bursts, lifecycle and amplification."""
from datetime import timedelta

import numpy as np
import pytest

from clustering import facets
from clustering.amplification import AmplificationParams, amplification, distinct_authors
from clustering.bursts import BurstParams, burst, own_growth, peer_z
from clustering.embedders import normalise
from clustering.labels import class_keywords, make_label
from clustering.online import CentroidAssigner
from yuqing.records import Document

from cluster_fixtures import EVENTS, T0, analysis_for, event_docs


# --- online assignment ---------------------------------------------------------------------------

def test_online_assignment_joins_close_documents_and_leaves_far_ones():
    rng = np.random.default_rng(0)
    centres = normalise(rng.normal(size=(3, 32)))
    labels = np.repeat([0, 1, 2], 20)
    members = normalise(centres[labels] + rng.normal(scale=0.05, size=(60, 32)))
    assigner = CentroidAssigner.fit(members, [f"inc{x}" for x in labels], quantile=0.05, floor=0.5, noise="-")
    near = normalise(centres[1:2] + rng.normal(scale=0.05, size=(1, 32)))[0]
    far = normalise(rng.normal(size=(1, 32)))[0]
    assert assigner.assign_one(near) == "inc1"
    assert assigner.assign_one(far) is None
    assert assigner.assign(np.vstack([near, far])) == ["inc1", None]


def test_online_assignment_without_incidents_assigns_nothing():
    assigner = CentroidAssigner.fit(np.zeros((3, 8), dtype=np.float32), [None, None, None], noise=None)
    assert len(assigner) == 0 and assigner.assign_one(np.ones(8)) is None


# --- labels and facets ---------------------------------------------------------------------------

def test_class_tfidf_keywords_are_distinctive_and_label_leads_with_the_street():
    texts = {"a": [d.text for d in event_docs("flood", 12)], "b": [d.text for d in event_docs("wages", 12)],
             "noise": ["今天天气不错，出去走走", "周末去公园散步"]}
    found = class_keywords(texts, top=5, skip=("noise",))
    assert set(found) == {"a", "b"}
    flood, wages = "".join(EVENTS["flood"][2]), "".join(EVENTS["wages"][2])
    assert len(found["a"]) == 5 and all(w in flood and w not in wages for w in found["a"])
    assert len(found["b"]) == 5 and all(w in wages and w not in flood for w in found["b"])
    label = make_label(found["a"], ["民治街道"])
    assert label.startswith("民治街道 ") and len(label.split()) == 4


def test_facets_from_analyses_and_none_without():
    docs = event_docs("flood", 10)
    analyses = [analysis_for(d, "flood", "negative" if i < 7 else "neutral") for i, d in enumerate(docs)]
    assert facets.top_category(analyses) == "natural_disaster"
    assert facets.streets(analyses) == ["民治街道"]
    assert facets.sentiment_mix(analyses) == {"negative": 0.7, "neutral": 0.3, "positive": 0.0}
    assert facets.top_category([]) is None and facets.streets([]) == [] and facets.sentiment_mix([]) == {}


# --- bursts and lifecycle ------------------------------------------------------------------------

PARAMS = BurstParams(recent_hours=6, growth=2.0, z=3.0, close_after_hours=24, window_hours=72)


def hours(*values):
    return [T0 + timedelta(hours=h) for h in values]


def test_a_new_small_incident_is_a_burst_while_still_small():
    times = hours(10, 10.5, 11, 11.2, 11.5)
    result = burst(times, times, T0 + timedelta(hours=12), PARAMS)
    assert result["state"] == "emerging" and result["is_burst"] and result["growth"] == 6.0


def test_growth_against_the_incidents_own_baseline():
    steady = hours(*range(0, 48, 4))  # one post every 4 hours
    growth, _ = own_growth(steady + hours(44, 45, 45.5, 46, 46.5, 47, 47.5), T0 + timedelta(hours=48), 6)
    assert growth > 2.0
    flat, _ = own_growth(steady, T0 + timedelta(hours=48), 6)
    assert flat < 2.0


def test_peer_baseline_z_score():
    quiet_street = hours(*range(0, 60, 10))
    busy_street = hours(*[h / 4 for h in range(0, 240)])
    now = T0 + timedelta(hours=66)
    assert peer_z(8, quiet_street, now, 6, 72) > 3.0
    assert peer_z(8, busy_street, now, 6, 72) < 3.0


@pytest.mark.parametrize("times, now_hours, state", [
    (list(range(0, 30)), 30, "peak"),          # steady until now
    (list(range(0, 20)) + [28], 30, "declining"),  # most posts long ago
    (list(range(0, 5)), 40, "closed"),         # nothing for more than a day
    ([0, 10, 20, 26, 27, 27.5, 28, 28.5, 29, 29.5], 30, "growing"),
])
def test_lifecycle_states(times, now_hours, state):
    assert burst(hours(*times), [], T0 + timedelta(hours=now_hours), PARAMS)["state"] == state


# --- amplification -------------------------------------------------------------------------------

def copies(n, authors, minutes_apart=3, text="星动健身房老板卷款跑路，大家千万别再办卡了！！！转发扩散"):
    return [Document(id=f"c{i}", text=text, author=authors[i % len(authors)],
                     published_at=T0 + timedelta(minutes=minutes_apart * i)) for i in range(n)]


def vectors_for(docs):
    from clustering.embedders import TfidfEmbedder

    return TfidfEmbedder().embed([d.text for d in docs])


def test_many_copies_from_few_accounts_in_a_short_time_are_flagged():
    docs = copies(12, ["a", "b", "c"]) + event_docs("gym", 10)
    result = amplification(docs, vectors_for(docs), AmplificationParams())
    assert result["flagged"] and result["groups"][0]["posts"] == 12 and result["groups"][0]["authors"] == 3
    assert 0 < result["share"] < 1


def test_copies_from_many_accounts_or_spread_out_are_not_flagged():
    many = copies(12, [f"u{i}" for i in range(12)])
    assert not amplification(many, vectors_for(many), AmplificationParams())["flagged"]
    slow = copies(12, ["a", "b"], minutes_apart=600)
    assert not amplification(slow, vectors_for(slow), AmplificationParams())["flagged"]


def test_new_accounts_count_as_coordinated():
    docs = [Document(id=f"n{i}", text="转发扩散：某小区物业打人了", author=f"fresh{i}",
                     author_created_at=(T0 - timedelta(days=2)).isoformat(),
                     published_at=T0 + timedelta(minutes=i)) for i in range(8)]
    assert amplification(docs, vectors_for(docs), AmplificationParams())["flagged"]


def test_distinct_authors():
    assert distinct_authors(copies(6, ["a", "b"])) == 2
    assert distinct_authors([Document(id="x", text="t", published_at=T0)]) is None


def test_how_people_ask_for_help_never_labels_an_incident():
    asks = ["求救！民治街道白石龙社区某花园3栋，家里进水，两个老人出不来，电话13800138002，求转发",
            "扩散！民治街道白石龙一楼有老人被困，家里停电，电话打不通，两个孩子",
            "回复：白石龙那边两个老人还在家里，电话联系不上"]
    texts = {"a": asks * 3, "noise": ["观澜工厂欠薪，工人讨薪", "物业费上涨，业主不满"]}
    words = class_keywords(texts, top=6, skip=("noise",))["a"]
    assert "白石龙" in words and "老人" in words
    assert not {"电话", "家里", "两个", "扩散", "回复"} & set(words)


def test_phone_and_id_numbers_never_become_keywords():
    texts = {"a": ["求助电话13800138000，身份证11010119900307123X，民治积水"] * 5, "b": ["观澜工厂欠薪"] * 5}
    words = class_keywords(texts, top=20)["a"]
    assert words and not any(sum(ch.isdigit() for ch in w) >= 6 for w in words)
