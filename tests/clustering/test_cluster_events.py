"""Event-aware incidents (clustering/events.py) with the real e5 model, on hand-written storm posts.

One street in one storm night: posts about a flooded garage, an old man trapped in a village, a
power cut in an estate and a bus stuck in a tunnel share most of their words (民治街道, 暴雨, 被困,
求救援); only the place and the happening tell them apart. Before event-awareness the embedding
alone glued such events (issue 12: two clusters gluing three or more events each).
"""
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from clustering.embedders import build_embedder, embed_documents
from clustering.engine import EngineParams, Window, assign_new, recluster
from yuqing.config import load_config
from yuqing.records import DEFAULT_TZ, Document

T0 = datetime(2026, 7, 20, 21, 0, tzinfo=DEFAULT_TZ)
GARAGE, VILLAGE, POWER, TUNNEL, CHATTER = "garage", "village", "power", "tunnel", "chatter"
#: (event, text), in publication order 10 minutes apart. Chatter names the street only.
STORM_NIGHT = [
    (GARAGE, "民治街道锦绣花园地下车库进水了，水已经没过车顶，还有车主在里面挪车，求救援！"),
    (CHATTER, "民治街道今天雨好大，大家注意安全，能不出门就别出门"),
    (VILLAGE, "民治街道上塘村一位八十岁老人被困家中，一楼进水齐腰，联系不上家属，求助！"),
    (GARAGE, "转发扩散：民治街道锦绣花园地下车库进水，水已经没过车顶，有车主在里面，求救援！"),
    (POWER, "民治街道金榕苑小区停电一整晚了，电梯停运，高层老人下不了楼"),
    (VILLAGE, "帮转！民治街道上塘村八十岁老人被困家中，一楼进水齐腰，联系不上家属，求助！"),
    (TUNNEL, "民治街道梅龙隧道积水很深，一辆公交车熄火被困，乘客爬到车顶"),
    (CHATTER, "雨太大了，民治街道这边的朋友都还好吗？注意安全"),
    (POWER, "民治街道金榕苑小区停电一整晚，电梯也停了，高层的老人下不了楼，什么时候来电？"),
    (VILLAGE, "已核实：民治街道上塘村八十岁老人被困家中，一楼进水齐腰，家属联系不上，请求救援"),
    (TUNNEL, "民治街道梅龙隧道积水很深，有辆公交车熄火了，乘客都爬到车顶上了"),
    (CHATTER, "暴雨预警升级了，民治街道的朋友们注意防范"),
    (POWER, "扩散：民治街道金榕苑小区停电一整晚了，电梯停运，高层老人下不了楼"),
    (GARAGE, "更新：民治街道锦绣花园地下车库被困的车主已救出，感谢消防！"),
]
#: A relay of the garage post that arrives after the incidents exist, and the same words about the
#: garage of a neighbouring estate whose name differs by one character.
REPOST = "//@民治热心人: 民治街道锦绣花园地下车库进水了，水已经没过车顶，还有车主在里面挪车，求救援！"
OTHER_GARAGE = "民治街道锦华花园地下车库进水了，水已经没过车顶，还有车主在里面挪车，求救援！"


def documents(posts, start=T0):
    return [Document(id=f"storm-{i}", text=text, source="test", source_type="social",
                     published_at=start + timedelta(minutes=10 * i)) for i, (_, text) in enumerate(posts)]


def cluster_command(tmp_path, docs, *settings):
    """``yuqing cluster`` as a user runs it (declared defaults): (finished process, assignments)."""
    source, out = tmp_path / "docs.jsonl", tmp_path / "assignments.jsonl"
    source.write_text("".join(json.dumps(d.model_dump(mode="json"), ensure_ascii=False) + "\n" for d in docs),
                      encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("{}\n", encoding="utf-8")
    command = [sys.executable, "-m", "yuqing", "--config", str(tmp_path / "empty.yaml"), "cluster",
               "--input", str(source), "--output", str(out)]
    for item in settings:
        command += ["-s", item]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return done, {row["id"]: row["incident"] for row in rows}


def test_a_storm_night_at_one_street_splits_into_its_events(tmp_path):
    docs = documents(STORM_NIGHT)
    done, incident = cluster_command(tmp_path, docs)
    by_event = {}
    for doc, (event, _) in zip(docs, STORM_NIGHT):
        by_event.setdefault(event, set()).add(incident[doc.id])
    assert by_event.pop(CHATTER) == {None}  # naming the street only ties no post to an event
    for event, found in by_event.items():
        assert len(found) == 1 and None not in found, f"{event} is not one incident: {found}"
    assert len(set().union(*by_event.values())) == len(by_event)  # and no two events share one
    assert "4 incidents" in done.stderr


def test_the_command_keeps_vectors_in_the_embedding_cache_it_is_given(tmp_path):
    docs = documents(STORM_NIGHT)
    cache = tmp_path / "vectors"
    _, first = cluster_command(tmp_path, docs, f"clustering.embedding_cache={cache}")
    shards = sorted((cache / "e5-query").glob("*.npz"))
    assert len(shards) == 1
    _, again = cluster_command(tmp_path, docs, f"clustering.embedding_cache={cache}")
    assert sorted((cache / "e5-query").glob("*.npz")) == shards  # nothing embedded a second time
    assert again == first


@pytest.fixture(scope="module")
def e5_engine():
    embedder = build_embedder("e5")
    return embedder, EngineParams.from_config(load_config(None), embedder)


def test_a_repost_joins_its_event_and_a_lookalike_elsewhere_does_not(e5_engine):
    embedder, params = e5_engine
    docs = documents(STORM_NIGHT)
    window = Window(docs, embed_documents(docs, embedder))
    first = recluster(window, [], docs[-1].published_at, params)
    garage = first.assignments[docs[0].id]
    assert garage is not None
    late = documents(STORM_NIGHT + [(GARAGE, REPOST), (POWER, OTHER_GARAGE)])
    repost, lookalike = late[-2], late[-1]
    grown = Window(late, embed_documents(late, embedder))
    online = assign_new(grown, first.incidents, [repost.id, lookalike.id], lookalike.published_at, params)
    assert online.assignments[repost.id] == garage
    assert online.assignments[lookalike.id] != garage
    # The embedding alone finds the lookalike as close as the repost: only its place keeps it out.
    words_only = replace(params, events=replace(params.events, enabled=False))
    online = assign_new(grown, first.incidents, [repost.id, lookalike.id], lookalike.published_at, words_only)
    assert online.assignments[lookalike.id] == online.assignments[repost.id] == garage
    # Re-clustered with everything, the repost is in its event too.
    again = recluster(grown, first.incidents, lookalike.published_at, params)
    assert again.assignments[repost.id] == again.assignments[docs[0].id] == garage
    assert again.assignments[lookalike.id] != garage


def test_posts_two_days_apart_are_different_events(e5_engine):
    embedder, params = e5_engine
    village = [post for post in STORM_NIGHT if post[0] == VILLAGE]
    docs = documents(village[:2]) + documents(village[2:], start=T0 + timedelta(hours=params.events.max_hours + 1))
    docs[-1] = docs[-1].model_copy(update={"id": "storm-later"})
    outcome = recluster(Window(docs, embed_documents(docs, embedder)), [], docs[-1].published_at, params)
    assert outcome.assignments[docs[0].id] == outcome.assignments[docs[1].id] is not None
    assert outcome.assignments[docs[-1].id] is None
