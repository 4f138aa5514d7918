"""Helpers for incident detection tests: event posts with distinct vocabularies, configs, a clock."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from yuqing.config import load_config
from yuqing.records import DEFAULT_TZ, Analysis, Document, stable_id

T0 = datetime(2024, 6, 10, 8, 0, tzinfo=DEFAULT_TZ)

#: event → (street, category, phrases). Each event has its own words, as real events do.
EVENTS = {
    "flood": ("民治街道", "natural_disaster", ["民治大道暴雨内涝", "积水没过膝盖", "小车被困水中", "下水道井盖冲开",
                                            "地下车库进水", "暴雨红色预警"]),
    "wages": ("观澜街道", "labor_dispute", ["鸿达电子厂拖欠工资", "工人厂门口讨薪", "老板说工厂搬去越南",
                                          "三个月没发工资", "社保停缴半年", "劳动站介入调解"]),
    "gym": ("南山街道", "consumer_finance", ["星动健身房预付卡跑路", "年卡三千块退不了", "健身教练联系不上",
                                           "会员去派出所报案", "健身房门口贴封条", "几百个会员维权"]),
    "smell": ("松岗街道", "environment", ["茅洲河河水发黑发臭", "工厂偷排污水", "死鱼漂满河面", "臭味熏得不敢开窗",
                                        "环保局来取样", "河边居民投诉"]),
}
FILLERS = ["", "", "大家注意", "求扩散", "太离谱了", "有人管吗", "[怒]", "#深圳身边事#", "已打12345", "心疼"]


def event_docs(event: str, n: int, *, start: datetime = T0, hours: float = 10.0, first: int = 0,
               author_pool: int = 1000, seed: int = 1) -> list[Document]:
    """``n`` posts about ``event``, spread over ``hours`` from ``start``."""
    street, _, phrases = EVENTS[event]
    rng = random.Random(f"{event}-{seed}-{first}")
    docs = []
    for i in range(first, first + n):
        text = "，".join(rng.sample(phrases, 3)) + rng.choice(FILLERS)
        docs.append(Document(id=stable_id("test", event, str(i)), text=text, source="test", source_type="social",
                             author=f"user{rng.randint(1, author_pool)}",
                             published_at=start + timedelta(hours=hours * i / max(1, first + n))))
    return docs


def analysis_for(doc: Document, event: str, sentiment: str = "negative") -> Analysis:
    street, category, _ = EVENTS[event]
    return Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                    categories=[{"label": category, "score": 0.9}],
                    location={"city": "深圳市", "street": street, "confidence": 0.9})


def cluster_config(tmp_path, *extra: str):
    """Defaults plus: the TF-IDF embedder (fast, model-free), a scratch store path, small clusters."""
    return load_config(None, [f"store.path={tmp_path / 'cluster.sqlite'}", "clustering.embedder=tfidf",
                              "clustering.min_cluster_size=5", "clustering.min_samples=3", *extra])


@pytest.fixture
def config(tmp_path):
    return cluster_config(tmp_path)


class Clock:
    """A settable clock for the stage (the window ends at ``clock()``)."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


@pytest.fixture
def clock():
    return Clock(T0 + timedelta(hours=12))
