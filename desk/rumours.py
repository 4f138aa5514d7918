"""Disaster rumours of an event and their denials (谣言与辟谣), and fraud posts for the desk.

A rumour is a post whose analysis gives the harmful type ``rumor`` (dam breaches, death tolls,
fake rescue numbers…). Posts saying the same thing (character bigrams overlapping, as the rescue
grouping compares posts) are one *claim*, with its spread: posts per hour. A denial is a later
post that is not itself a rumour, comes from an official source (``official_sources``, or an
author such as …发布、…公安、…应急管理局) or uses denial words (辟谣、不实、谣言、假消息…), and
speaks of the same claim; the claim is then 已辟谣 with the denial linked. An analyst may link a
denial by hand (:func:`link_denial`, kept in the store's state ``desk.rumour_links``) when the
words differ too much for the match.

Fraud (冒充救援、虚假募捐) is raised as a red alert by the ``harmful-info`` rule at once;
:func:`fraud_posts` lists those posts for the desk, including ones only their words give away.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Iterable, Optional

from yuqing.records import DEFAULT_TZ, Analysis, Document, now as _now, stable_id

DENIAL_WORDS = re.compile(r"辟谣|不实|谣言|假消息|不属实|系谣传|造谣|虚假信息|并未|没有发生|未发生|网传.{0,12}(?:不|假)")
OFFICIAL_AUTHOR = re.compile(r"发布$|官方|政府|公安|应急管理|气象台|水利|消防|网信|融媒|日报$|新闻$|人民网|新华")
FRAUD_WORDS = re.compile(r"冒充救援|假冒救援|虚假募捐|骗捐|诈骗|收费救援|先转账|转账.{0,6}(?:救援|派船)|募捐.{0,10}(?:私人|个人)账户")
LINKS_KEY = "desk.rumour_links"
#: bigram overlap (of the smaller post) at or above which two posts make one claim, or a denial speaks of it
SAME_CLAIM = 0.45
DENIES_CLAIM = 0.25
_STOP = frozenset({"网传", "辟谣", "谣言", "不实", "消息", "信息", "属实", "目前", "记者", "官方"})


def _grams(text: str) -> frozenset[str]:
    from nlp.rescue_group import bigrams
    from nlp.text import normalize

    return frozenset(g for g in bigrams(normalize(text[:3000]).original_post) if g not in _STOP)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _rumour_score(analysis: Optional[Analysis]) -> float:
    if analysis is None or analysis.harmful is None:
        return 0.0
    return max((t.score for t in analysis.harmful.types if t.label == "rumor"), default=0.0)


def _posts(store, since, until, doc_ids: Optional[Iterable[str]]):
    if doc_ids is not None:
        docs = store.get_documents(list(doc_ids))
        docs = [d for d in docs if (since is None or d.published_at >= since) and (until is None or d.published_at < until)]
    else:
        docs = list(store.iter_documents(since=since, until=until))
    analyses = {}
    for start in range(0, len(docs), 500):
        analyses.update({a.id: a for a in store.get_analyses([d.id for d in docs[start:start + 500]])})
    return [(d, analyses.get(d.id)) for d in sorted(docs, key=lambda d: d.published_at)]


def is_official(doc: Document, official_sources: Iterable[str] = ()) -> bool:
    return doc.source in set(official_sources) or bool(doc.author and OFFICIAL_AUTHOR.search(doc.author))


def list_rumours(store, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
                 incident_id: Optional[str] = None, keywords: Iterable[str] = (), min_score: float = 0.5,
                 official_sources: Iterable[str] = (), denial_days: float = 7.0) -> list[dict]:
    """The event's rumour claims, most spread first.

    Args:
        since, until: the event's window (published time).
        incident_id: only the posts of this incident (the storm's cluster).
        keywords: only rumour posts containing one of these words (the storm's keywords).
        min_score: the ``rumor`` score from which a post counts as a rumour.
        official_sources: source names whose posts are official.
        denial_days: how long after the window a denial is still looked for.

    Returns:
        ``[{"claim_id", "claim", "doc_ids", "posts", "first_seen", "last_seen", "spread":
        [{"hour", "posts"}], "status": "已辟谣"|"未辟谣", "denial": {"doc_id", "url", "source",
        "author", "published_at", "quote", "by"} | None}]``.
    """
    doc_ids = None
    if incident_id:
        incident = store.get_record("incidents", incident_id)
        doc_ids = list(incident.doc_ids) if incident is not None else []
    words = [w for w in keywords if w]
    posts = _posts(store, since, until, doc_ids)
    claims: list[dict] = []
    for doc, analysis in posts:
        if _rumour_score(analysis) < min_score or (words and not any(w in doc.text for w in words)):
            continue
        grams = _grams(doc.text)
        claim = next((c for c in claims if _overlap(grams, c["grams"]) >= SAME_CLAIM), None)
        if claim is None:
            claim = {"claim_id": "rumour:" + stable_id(doc.id)[:16], "claim": doc.text[:120], "grams": grams,
                     "docs": []}
            claims.append(claim)
        claim["docs"].append(doc)
    if not claims:
        return []
    rumour_ids = {d.id for c in claims for d in c["docs"]}
    end = (until or _now()) + timedelta(days=denial_days)
    candidates = [(d, _grams(d.text)) for d, a in _posts(store, min(c["docs"][0].published_at for c in claims), end, None)
                  if d.id not in rumour_ids and (DENIAL_WORDS.search(d.text) or is_official(d, official_sources))]
    links = store.get_state(LINKS_KEY) or {}
    out = [_claim_out(store, c, candidates, links, official_sources) for c in claims]
    out.sort(key=lambda c: (-c["posts"], c["first_seen"]))
    return out


def _claim_out(store, claim: dict, candidates, links: dict, official_sources) -> dict:
    docs = claim["docs"]
    hours = Counter(d.published_at.astimezone(DEFAULT_TZ).replace(minute=0, second=0, microsecond=0).isoformat()
                    for d in docs)
    denial = None
    manual = links.get(claim["claim_id"])
    if manual:
        found = store.get_document(manual["doc_id"])
        if found is not None:
            denial = _denial(found, by=manual.get("by"))
    if denial is None:
        first = docs[0].published_at
        for doc, grams in candidates:
            if doc.published_at >= first and _overlap(grams, claim["grams"]) >= DENIES_CLAIM and \
                    (DENIAL_WORDS.search(doc.text) or is_official(doc, official_sources)):
                denial = _denial(doc)
                break
    return {"claim_id": claim["claim_id"], "claim": claim["claim"], "doc_ids": [d.id for d in docs],
            "posts": len(docs), "first_seen": docs[0].published_at.isoformat(),
            "last_seen": docs[-1].published_at.isoformat(),
            "spread": [{"hour": h, "posts": n} for h, n in sorted(hours.items())],
            "status": "已辟谣" if denial else "未辟谣", "denial": denial}


def _denial(doc: Document, by: Optional[str] = None) -> dict:
    return {"doc_id": doc.id, "url": doc.url, "source": doc.source, "author": doc.author,
            "published_at": doc.published_at.isoformat(), "quote": doc.text[:160], "by": by or "engine"}


def link_denial(store, claim_id: str, doc_id: str, *, by: str) -> None:
    """Link a denial to a claim by hand (the words differ too much for the match); audited."""
    from governance import audit
    from yuqing.errors import NotFound

    if store.get_document(doc_id) is None:
        raise NotFound(f"no document with id {doc_id!r} to link as the denial of {claim_id}")
    links = store.get_state(LINKS_KEY) or {}
    links[claim_id] = {"doc_id": doc_id, "by": by, "when": _now().isoformat()}
    store.set_state(LINKS_KEY, links)
    audit.append(store, "desk_rumour_denial", who=by, role="desk", target_kind="rumours", target_id=claim_id,
                 detail=f"辟谣 {doc_id}")


def fraud_posts(store, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
                min_score: float = 0.5) -> list[dict]:
    """Posts of the window flagged as fraud (冒充救援、虚假募捐) by the model or by their words, newest first."""
    out = []
    for doc, analysis in _posts(store, since, until, None):
        score = 0.0
        if analysis is not None and analysis.harmful is not None:
            score = max((t.score for t in analysis.harmful.types if t.label == "fraud"), default=0.0)
        words = FRAUD_WORDS.search(doc.text)
        if score >= min_score or words:
            out.append({"doc_id": doc.id, "published_at": doc.published_at.isoformat(), "url": doc.url,
                        "score": round(score, 3), "words": words.group(0) if words else None,
                        "quote": doc.text[:160]})
    out.reverse()
    return out
