"""Synthetic Chinese documents (and their analyses) for store tests and benchmarks.

Deterministic for a given seed: varied streets (街道), categories, sentiments and times, written like
short posts and hotline tickets. No real data set text is used.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Optional

from yuqing import records as R

STREETS = {"民治街道": "龙华区", "观澜街道": "龙华区", "大浪街道": "龙华区", "福城街道": "龙华区",
           "坂田街道": "龙岗区", "布吉街道": "龙岗区", "西乡街道": "宝安区", "沙井街道": "宝安区"}
SOURCES = ("shenzhen-news", "baidu-tieba", "weibo", "hotline-12345")

#: category → (event phrases, details). Every event phrase names its category unambiguously.
TOPICS = {
    "natural_disaster": (["突降暴雨", "暴雨红色预警", "台风登陆", "道路内涝严重", "山体滑坡"],
                         ["车库进水", "有老人被困", "积水没过膝盖", "树木倒伏"]),
    "labor_dispute": (["工厂拖欠工资", "工人集体讨薪", "欠薪三个月", "工厂突然外迁"],
                      ["老板联系不上", "工人聚集在门口", "劳动监察已介入"]),
    "traffic": (["发生交通事故", "主干道严重拥堵", "地铁临时停运"], ["请绕行", "已有交警到场"]),
    "environment": (["工地夜间施工噪音扰民", "河道发黑发臭", "垃圾站臭味很大"], ["投诉多次无果", "影响休息"]),
    "property_management": (["物业乱收停车费", "业委会选举纠纷", "电梯频繁故障"], ["业主很不满", "物业不回应"]),
    "public_service": (["小区突然停水", "片区计划停电", "公交线路调整"], ["没有提前通知", "请尽快恢复"]),
    "education": (["学位申请结果公布", "培训机构突然关门", "学校周边交通混乱"], ["家长很着急", "学费退不了"]),
}
SENTIMENT_OF = {"natural_disaster": "negative", "labor_dispute": "negative", "traffic": "neutral",
                "environment": "negative", "property_management": "negative", "public_service": "neutral",
                "education": "neutral"}
FILLER = ["大家注意安全", "希望有关部门尽快处理", "现场照片见下图", "持续关注中", "网友纷纷留言", "有知情人透露"]
START = datetime(2024, 6, 1, 8, 0, tzinfo=R.DEFAULT_TZ)


def make_pair(i: int, *, seed: int = 7, start: datetime = START,
              spread_hours: float = 24 * 30) -> tuple[R.Document, R.Analysis]:
    """Document number ``i`` and the analysis that matches it (same street and category)."""
    rng = random.Random(seed * 1_000_003 + i)
    street = rng.choice(list(STREETS))
    category = rng.choice(list(TOPICS))
    events, details = TOPICS[category]
    event, detail = rng.choice(events), rng.choice(details)
    published = start + timedelta(hours=rng.random() * spread_hours)
    source = rng.choice(SOURCES)
    text = "，".join([f"{STREETS[street]}{street}{rng.randint(1, 30)}号附近{event}", detail,
                      rng.choice(FILLER), rng.choice(FILLER)]) + "。"
    doc = R.Document(id=R.stable_id("synthetic", str(seed), str(i)), text=text, title=f"{street}{event}",
                     published_at=published, collected_at=published + timedelta(minutes=5 + i % 7),
                     source=source, source_type="hotline" if source.startswith("hotline") else "social",
                     url=f"https://example.org/{seed}/{i}", author=f"用户{rng.randint(1000, 9999)}")
    analysis = R.Analysis(id=doc.id, sentiment={"label": SENTIMENT_OF[category], "score": 0.9},
                          categories=[{"label": category, "score": 0.9}, {"label": "other", "score": 0.1}],
                          location={"province": "广东省", "city": "深圳市", "district": STREETS[street],
                                    "street": street, "confidence": 0.9},
                          keywords=[event])
    return doc, analysis


def make_docs(n: int, *, first: int = 0, seed: int = 7, start: Optional[datetime] = None,
              spread_hours: float = 24 * 30) -> list[R.Document]:
    """``n`` documents, numbered from ``first``."""
    return [make_pair(i, seed=seed, start=start or START, spread_hours=spread_hours)[0]
            for i in range(first, first + n)]


def make_pairs(n: int, *, first: int = 0, seed: int = 7) -> list[tuple[R.Document, R.Analysis]]:
    return [make_pair(i, seed=seed) for i in range(first, first + n)]
