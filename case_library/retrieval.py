"""Hybrid case retrieval: the store's full-text search plus e5 embeddings, with reasons.

Scores: the lexical score is the store's full-text score divided by the best one for the query
(so 1.0 is the best full-text match); the semantic score is the cosine of e5 embeddings
(``query:`` for the query, ``passage:`` for the case) rescaled so ``semantic_floor`` → 0 and
1.0 → 1. Hybrid = ``semantic_weight`` × semantic + (1 − ``semantic_weight``) × lexical.
Case embeddings are cached (store state, process memory, vectors shipped for the starter library;
see :mod:`case_library.vectors`) by the hash of the embedded text, so only edited cases are re-embedded.
"""
from __future__ import annotations

import base64
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from case_library.model import search_text, status
from nlp.embed import DIM
from nlp.segment import tokenize
from yuqing.records import Case, Incident

log = logging.getLogger(__name__)

EMBED_STATE = "case_library.embeddings"

#: Words that point at a category (from the contract's taxonomy glosses), for match reasons.
CATEGORY_WORDS = {
    "natural_disaster": "暴雨 台风 内涝 山体滑坡 滑坡 洪水 洪涝 积水 强降雨 泥石流 地震 水浸",
    "public_safety": "火灾 爆炸 坍塌 燃气 泄漏 起火 倒塌 踩踏 溺水 渣土 消防",
    "traffic": "交通事故 拥堵 停运 车祸 地铁 塌陷 隧道",
    "labor_dispute": "欠薪 讨薪 劳资 工资 工厂 外迁 拖欠 农民工 裁员 补偿 工程款",
    "land_demolition": "征地 拆迁 旧改 城市更新 补偿 棚改 改造 市场",
    "environment": "噪音 污染 垃圾 臭味 焚烧 化工 PX 排放 异味 邻避",
    "public_health": "疫情 食品安全 医疗 中毒 疫苗 医院",
    "property_management": "物业 业委会 小区 物业费 电梯 停车",
    "consumer_finance": "预付卡 跑路 理财 爆雷 维权 消费 退费 健身房 培训 P2P 集资",
    "education": "学位 学校 培训机构 入学 校车 教师",
    "public_order": "治安 聚集 群体性 上访 冲突 围堵",
    "public_service": "停水 停电 停气 公交 政务 供水 供电",
}

#: Kinds of event (事件类型): code → (Chinese name, cue words). A case's kinds come from its title,
#: keywords and risk types, an incident's from its label, keywords and posts (:func:`incident_kinds`).
#: A category is broad (natural_disaster holds storms and landslides alike); the kind says
#: what happened, so "same category and same kind" is what makes a past case a precedent
#: (case_library/eval/GUIDELINES.md). Cues are matched as substrings: keep them two characters or
#: more and specific (施工 alone is in a collapse case and a noise complaint alike).
EVENT_KINDS = {
    "storm_flood": ("暴雨洪涝", "暴雨 强降雨 降雨 大雨 内涝 积水 进水 被淹 淹没 水淹 泡水 洪水 洪涝 防汛 汛情 漫堤 决堤 溃坝 "
                                "决口 泄洪 排涝 抽水 涉水 水位 台风 风暴潮 蓄滞洪"),
    "rescue": ("被困救援", "被困 救援 求救 营救 寻人 转移群众 冲锋舟 橡皮艇 被埋"),
    "landslide": ("滑坡泥石流", "滑坡 泥石流 塌方 边坡 山体"),
    "building_safety": ("建筑安全", "坍塌 倒塌 自建房 危房 晃动 楼体"),
    "fire_explosion": ("火灾爆炸", "火灾 起火 着火 失火 爆炸 危化品"),
    "gas": ("燃气", "燃气 煤气 天然气 液化气 气瓶"),
    "traffic": ("交通", "交通事故 车祸 追尾 坠江 翻车 拥堵 堵车 停运"),
    "wage_arrears": ("欠薪劳资", "欠薪 讨薪 拖欠 工资 工钱 工程款 社保 公积金 罢工 加薪 劳资 裁员"),
    "demolition": ("征地拆迁", "拆迁 强拆 征收 征地 旧改 城市更新 城中村 棚改 回迁 清租 土地纠纷"),
    "nimby": ("邻避", "邻避 焚烧 PX 化工 选址 变电站 垃圾站 环评"),
    "noise": ("噪音扰民", "噪音 噪声 扰民 打桩 夜间施工 广场舞"),
    "pollution": ("污染", "污染 排污 臭味 恶臭 苯超标 重金属 黑烟"),
    "food_safety": ("食品安全", "食品安全 食物中毒 地沟油 变质 过期食品 食堂"),
    "epidemic": ("疫情", "疫情 确诊 感染 疫苗 核酸 传染"),
    "outage": ("停水停电", "停电 停水 停气 限电 拉闸 断水 断电"),
    "property": ("物业纠纷", "物业 业委会 业主大会 换聘"),
    "prepaid_refund": ("预付退费", "预付 退费 跑路 押金 退款 年卡 闭店 学费 租金贷 长租"),
    "finance_default": ("理财兑付", "理财 爆雷 P2P 集资 存款 储户 兑付 取款 村镇银行"),
    "consumer_complaint": ("消费维权", "消费维权 三包 退换 4S店 漏油 产品质量"),
    "rumor": ("谣言", "谣言 辟谣 网传 不实 造谣 传言"),
    "fraud": ("诈骗", "诈骗 骗局 冒充 骗子"),
    "panic_buying": ("抢购", "抢购 抢盐 囤货"),
    "school": ("校园", "学校 校园 学位 入学 校车"),
}


@dataclass
class CaseMatch:
    """One retrieved case: ``{"case_id", "title", "score", "reasons"}`` in ``cases search --format json``."""

    case_id: str
    title: str
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"case_id": self.case_id, "title": self.title, "score": round(self.score, 4), "reasons": self.reasons}


def query_words(query: str, limit: int = 16) -> list[str]:
    """Distinct content words of a query (jieba, the engine's tokenizer), longest first."""
    words = {w for w in tokenize(query) if len(w) >= 2}
    return sorted(words, key=lambda w: (-len(w), w))[:limit]


def guess_categories(text: str) -> set[str]:
    """Categories whose cue words occur in ``text``."""
    found = set()
    for category, cue in CATEGORY_WORDS.items():
        if any(w in text for w in cue.split()):
            found.add(category)
    return found


#: An incident's newest posts read for its kinds, and the share of them a kind must be found in.
KIND_POSTS = 30
KIND_SHARE = 0.25


def event_kinds(text: str) -> set[str]:
    """Kinds of event (codes of :data:`EVENT_KINDS`) whose cue words occur in ``text``."""
    return {kind for kind, (_, cue) in EVENT_KINDS.items() if any(w in text for w in cue.split())}


def case_kinds(case: Case) -> set[str]:
    """What a case is about: its title, keywords and risk types (not the summary, which tells of
    side matters such as a rumour during a fire)."""
    return event_kinds(" ".join([case.title, *case.keywords, *case.risk_types]))


def incident_kinds(incident: Incident, texts: Sequence[str] = ()) -> set[str]:
    """What an incident is about: the kinds of its label and keywords, and those of at least
    :data:`KIND_SHARE` of its posts' ``texts``. Why the posts: an incident's keywords are the words
    that set it apart from the other incidents of its window, so in a storm, where every incident
    is about the rain, they are places and names, and the rain is in the posts only."""
    kinds = event_kinds(" ".join([incident.label, *incident.keywords]))
    if texts:
        counts = Counter(kind for text in texts for kind in event_kinds(text))
        need = max(1, math.ceil(KIND_SHARE * len(texts)))
        kinds |= {kind for kind, n in counts.items() if n >= need}
    return kinds


def incident_categories(incident: Incident) -> set[str]:
    """The incident's category, or when the classifier gave none (or ``other``) the categories its
    words point at (the reasons then say ``shared category``, not ``same category``)."""
    if incident.category and incident.category != "other":
        return {incident.category}
    return guess_categories(" ".join([incident.label, *incident.keywords]))


def kind_names(kinds) -> str:
    return "、".join(EVENT_KINDS[k][0] for k in sorted(kinds))


def precedent_options(config) -> dict:
    """The ``cases.`` settings that decide which precedents an incident is offered."""
    return {"require_category": config["cases.require_category"], "require_kind": config["cases.require_kind"],
            "min_score": config["cases.min_score"]}


class CaseRetriever:
    """Ranks stored cases for a query or an incident.

    ``require_category``, ``require_kind`` and ``min_score`` only filter what
    :meth:`similar_to_incident` offers (precedents); searches are not filtered.
    """

    def __init__(self, store, *, mode: str = "hybrid", semantic_weight: float = 0.6, semantic_floor: float = 0.75,
                 include_drafts: bool = False, require_category: bool = False, require_kind: bool = False,
                 min_score: float = 0.0) -> None:
        self.store = store
        self.mode = mode
        self.semantic_weight = semantic_weight
        self.semantic_floor = semantic_floor
        self.include_drafts = include_drafts
        self.require_category = require_category
        self.require_kind = require_kind
        self.min_score = min_score
        self._vectors: dict[str, tuple[str, np.ndarray]] = {}

    # candidates ------------------------------------------------------------------------------------
    def _cases(self) -> dict[str, Case]:
        return {c.id: c for c in self.store.find_records("cases")
                if self.include_drafts or status(c) != "draft"}

    def lexical(self, query: str, cases: dict[str, Case]) -> dict[str, float]:
        """Full-text scores from the store, summed over the query's words, divided by the best.

        Why word by word: the store's search wants every whitespace-separated part of a query in a
        match (AND of phrases), so a sentence such as "台风过后小区停电" would match nothing. Asking
        for each jieba word and adding the scores gives the OR-of-terms ranking BM25 is meant for.
        """
        scores: dict[str, float] = {}
        limit = max(50, len(cases))
        for word in query_words(query):
            for record, score in self.store.search_records("cases", word, limit=limit):
                if record.id in cases and score > 0:
                    scores[record.id] = scores.get(record.id, 0.0) + score
        top = max(scores.values(), default=0.0)
        return {k: v / top for k, v in scores.items()} if top else {}

    def semantic(self, query: str, cases: dict[str, Case]) -> dict[str, float]:
        """Rescaled cosine of the query against every case."""
        from nlp.embed import embed_texts

        if not cases or not query.strip():
            return {}
        ids = list(cases)
        matrix = self._embeddings([cases[i] for i in ids])
        q = embed_texts([query], prefix="query: ")[0]
        cosines = matrix @ q
        floor = self.semantic_floor
        return {i: float(max(0.0, (c - floor) / (1.0 - floor))) for i, c in zip(ids, cosines)}

    def _embeddings(self, cases: list[Case]) -> np.ndarray:
        """Case vectors: from this retriever, the store state, the process and shipped caches, or e5."""
        from case_library.vectors import passage_vectors, remember, text_key

        if not self._vectors:
            saved = self.store.get_state(EMBED_STATE) or {}
            for case_id, item in saved.get("vectors", {}).items():
                vector = np.frombuffer(base64.b64decode(item["v"]), dtype=np.float32)
                if vector.shape == (DIM,):
                    self._vectors[case_id] = (item["h"], vector)
                    remember(item["h"], vector)
        keys = [text_key(search_text(c)) for c in cases]
        stale = [i for i, (c, k) in enumerate(zip(cases, keys)) if self._vectors.get(c.id, ("",))[0] != k]
        if stale:
            fresh = passage_vectors([search_text(cases[i]) for i in stale])
            for row, i in enumerate(stale):
                self._vectors[cases[i].id] = (keys[i], fresh[row])
            self.store.set_state(EMBED_STATE, {"vectors": {
                k: {"h": h, "v": base64.b64encode(v.astype(np.float32).tobytes()).decode()}
                for k, (h, v) in self._vectors.items()}})
        return np.stack([self._vectors[c.id][1] for c in cases]) if cases else np.zeros((0, DIM), np.float32)

    # ranking ---------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 5, mode: Optional[str] = None) -> list[CaseMatch]:
        mode = mode or self.mode
        cases = self._cases()
        lexical = self.lexical(query, cases) if mode in ("hybrid", "lexical") else {}
        semantic = self.semantic(query, cases) if mode in ("hybrid", "semantic") else {}
        weight = {"hybrid": self.semantic_weight, "lexical": 0.0, "semantic": 1.0}[mode]
        scored = []
        for case_id in set(lexical) | set(semantic):
            score = weight * semantic.get(case_id, 0.0) + (1 - weight) * lexical.get(case_id, 0.0)
            if score > 0:
                scored.append((score, case_id))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [CaseMatch(cid, cases[cid].title, score,
                          self._reasons(query, cases[cid], lexical.get(cid), semantic.get(cid)))
                for score, cid in scored[:limit]]

    def similar_to_incident(self, incident: Incident, limit: int = 3) -> list[CaseMatch]:
        """Cases like an incident: its label and keywords as the query, then shared category/street.

        Each match names the kinds of event it shares (``same kind: 暴雨洪涝``). With
        ``require_category`` / ``require_kind`` a case must share the incident's category / a kind,
        and with ``min_score`` score at least that: no precedent is better than a wrong one.
        """
        query = " ".join([incident.label] + [k for k in incident.keywords if k not in incident.label])
        filtering = self.require_category or self.require_kind or self.min_score > 0
        # a filter may drop the best few, so it looks further down the ranking (the library is small)
        matches = self.search(query, limit=max(limit * 4, 50 if filtering else 10))
        cases = {m.case_id: self.store.get_record("cases", m.case_id) for m in matches}
        kinds = incident_kinds(incident, self.incident_texts(incident))
        categories = incident_categories(incident)
        kept = []
        for match in matches:
            case = cases[match.case_id]
            same_kinds = kinds & case_kinds(case)
            if same_kinds:
                _add(match.reasons, f"same kind: {kind_names(same_kinds)}")
            if incident.category and incident.category in case.categories:
                match.score = min(1.0, match.score + 0.1)  # same risk category is the strongest precedent
                _add(match.reasons, f"same category: {incident.category}")
            shared = set(incident.streets) & {case.street, case.district}
            if shared:
                match.score = min(1.0, match.score + 0.05)
                _add(match.reasons, f"same place: {', '.join(sorted(s for s in shared if s))}")
            if self.require_kind and not same_kinds:
                continue
            if self.require_category and not categories & set(case.categories):
                continue
            if match.score < self.min_score:
                continue
            kept.append(match)
        kept.sort(key=lambda m: (-m.score, m.case_id))
        return kept[:limit]

    def incident_texts(self, incident: Incident) -> list[str]:
        """The texts of the incident's newest posts held by the store (none in a store of cases only)."""
        ids = incident.doc_ids[-KIND_POSTS:]
        return [f"{d.title or ''} {d.text}" for d in self.store.get_documents(ids)] if ids else []

    def _reasons(self, query: str, case: Case, lexical: Optional[float], semantic: Optional[float]) -> list[str]:
        words = set(tokenize(query))
        reasons = []
        shared_categories = sorted(guess_categories(query) & set(case.categories))
        if shared_categories:
            reasons.append(f"shared category: {', '.join(shared_categories)}")
        places = [p for p in (case.street, case.district, case.city, case.province)
                  if p and (p in query or p.rstrip("市区省街道县镇") in query and len(p.rstrip("市区省街道县镇")) >= 2)]
        if places:
            reasons.append(f"same place: {places[0]}")
        keywords = [k for k in case.keywords if k in query or k in words]
        if keywords:
            reasons.append(f"shared keywords: {', '.join(keywords[:6])}")
        if lexical:
            reasons.append(f"full-text match {lexical:.2f}")
        if semantic:
            reasons.append(f"semantic similarity {semantic:.2f}")
        return reasons


def _add(reasons: list[str], reason: str) -> None:
    if not any(r.split(":")[0] == reason.split(":")[0] for r in reasons):
        reasons.insert(0, reason)
