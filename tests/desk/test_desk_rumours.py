"""Rumours of a storm and their denials (辟谣), and fraud posts, on both stores."""
from __future__ import annotations

from conftest import minutes, post

from desk.rumours import fraud_posts, link_denial, list_rumours

RUMOR = [{"label": "rumor", "score": 0.9}]


def test_a_rumour_gets_its_denial_and_its_spread(store):
    a = post(store, "网传郭家咀水库已经溃坝，下游村庄全部被淹，赶紧转移！", minutes(0), harmful=RUMOR)
    b = post(store, "紧急扩散：郭家咀水库溃坝了，下游村庄被淹", minutes(30), harmful=RUMOR)
    c = post(store, "郭家咀水库溃坝下游村庄被淹是真的吗", minutes(75), harmful=RUMOR)
    other = post(store, "听说地铁五号线死亡人数上千，官方瞒报", minutes(40), harmful=RUMOR)
    post(store, "民治街道积水严重，注意绕行", minutes(50))  # neither rumour nor denial
    denial = post(store, "【辟谣】网传“郭家咀水库已溃坝、下游村庄被淹”不实。经核实，水库大坝目前未溃坝，"
                         "正在抢险。", minutes(90), author="某市应急管理局发布", source="gov-site")
    claims = {c_["doc_ids"][0]: c_ for c_ in list_rumours(store, since=minutes(-60), until=minutes(120))}
    assert set(claims) == {a.id, other.id}
    dam = claims[a.id]
    assert dam["doc_ids"] == [a.id, b.id, c.id] and dam["posts"] == 3
    assert [s["posts"] for s in dam["spread"]] == [2, 1]  # 17:00 hour, 18:00 hour
    assert dam["status"] == "已辟谣" and dam["denial"]["doc_id"] == denial.id
    assert claims[other.id]["status"] == "未辟谣" and claims[other.id]["denial"] is None

    # a denial in other words is linked by hand
    official = post(store, "地铁五号线遇难人数以官方通报为准：目前12人", minutes(100), author="某市人民政府新闻办")
    link_denial(store, claims[other.id]["claim_id"], official.id, by="王敏")
    again = {c_["doc_ids"][0]: c_ for c_ in list_rumours(store, since=minutes(-60), until=minutes(120))}
    assert again[other.id]["status"] == "已辟谣" and again[other.id]["denial"]["by"] == "王敏"


def test_fraud_posts_by_the_model_or_their_words(store):
    model = post(store, "救援队出发需先缴纳油费，联系微信xxx", minutes(0), harmful=[{"label": "fraud", "score": 0.8}])
    words = post(store, "冒充救援队的人在收钱，大家小心；另有虚假募捐链接在传", minutes(5))
    post(store, "蓝天救援队已到达民治街道", minutes(6))
    assert [p["doc_id"] for p in fraud_posts(store, since=minutes(-1), until=minutes(10))] == [words.id, model.id]
