"""``rescue_request``: every new distinct request for help (求助), graded by urgency, at once."""
from __future__ import annotations

import logging
import re

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Item, Rule, short
from yuqing.records import stable_id

log = logging.getLogger(__name__)


@RULE_TYPES.register("rescue_request")
class RescueRequestRule(Rule):
    """One alert per distinct request for help; reposts of the same request update it.

    Requests are grouped by :func:`nlp.rescue_group.group_requests` when the NLP package provides it,
    else by shared phone number or address. A request keeps its alert across cycles: the rule
    remembers which phones and addresses belong to which request.
    """

    summary = "every new distinct request for help, graded by urgency; immediate"
    # phone/address → request key, saved before the cards: a service killed after writing a card but
    # before saving this found the same request under a new key when an earlier repost came in (a
    # second row on the desk's board, a second card)
    memory_first = True
    options = {"min_score": {"type": "number", "minimum": 0, "maximum": 1},
               "red_urgency": {"type": "number", "minimum": 0, "maximum": 1},
               "orange_urgency": {"type": "number", "minimum": 0, "maximum": 1}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        floor = self.opts.get("min_score", 0.5)
        items = [i for i in ctx.items if i.analysis and i.analysis.rescue and i.analysis.rescue.is_request
                 and i.analysis.rescue.score >= floor and self.matches(i)]
        if not items:
            return []
        known = ctx.state.setdefault("identities", {})  # phone / address -> request key
        findings = []
        cache_key = "rescue-groups:" + ",".join(i.doc.id for i in items)
        if cache_key not in ctx.cache:  # every rescue rule of a cycle groups the same requests once
            ctx.cache[cache_key] = group_items(items)
        for group in ctx.cache[cache_key]:
            if group.get("status") == "safe":
                continue  # a follow-up said they are safe: nothing to raise (an open alert stays for people)
            idents = _identities(group)
            key = next((known[i] for i in idents if i in known), None) or "req:" + stable_id(group["doc_ids"][0])[:16]
            for ident in idents:
                known[ident] = key
            findings.append(self._finding(key, group, items))
        if len(known) > 50000:
            for ident in list(known)[:len(known) - 50000]:
                del known[ident]
        return findings

    def _finding(self, key: str, group: dict, items: list[Item]) -> Finding:
        urgency = float(group.get("urgency") or 0.0)
        vulnerable = list(group.get("vulnerable") or [])
        severity = ("red" if urgency >= self.opts.get("red_urgency", 0.8)
                    else "orange" if urgency >= self.opts.get("orange_urgency", 0.5) else "yellow")
        first = next(i for i in items if i.doc.id == group["doc_ids"][0])
        people = group.get("people_count")
        parts = [f"紧急度 {urgency:.2f}"] + ([f"{people} 人"] if people else []) + \
                ([f"弱势人群 {'、'.join(vulnerable)}"] if vulnerable else [])
        return Finding(
            dedup_key=key, title=rescue_title(group.get("street") or first.street, people, vulnerable,
                                              list(group.get("needs") or [])), severity=severity,
            summary=short(first.doc.text, 160), doc_ids=list(group["doc_ids"]),
            street=group.get("street") or first.street, category=first.category or "natural_disaster",
            evidence={"urgency": urgency, "vulnerable": len(vulnerable), "volume": len(group["doc_ids"]),
                      "people_count": people, "needs": list(group.get("needs") or []),
                      "request_id": group.get("request_id")},
            reasons=["求助信息（" + "，".join(parts) + "）"],
            rescue_request={**group, "street": group.get("street") or first.street})


def rescue_title(street, people, vulnerable: list[str], needs: list[str]) -> str:
    """``求助：民治街道 4人 老人、婴幼儿 转移被困``: the street and what is needed, never the home
    address or the post's words (titles go to queues, chat groups and mail subjects; the address
    and phone stay in the request itself, shown in full only to roles that need them)."""
    from yuqing.vocabulary import labels

    parts = [street or "未定位"]
    if people:
        parts.append(f"{people}人")
    if vulnerable:
        parts.append(labels("vulnerable", vulnerable))
    if needs:
        parts.append(labels("need", needs))
    return "求助：" + " ".join(parts)


def group_items(items: list[Item]) -> list[dict]:
    """Distinct requests among ``items`` (NLP's grouping when installed, else phone/address)."""
    try:
        from nlp.rescue_group import group_requests
    except ImportError:
        group_requests = None
    if group_requests is not None:
        try:
            return group_requests([(i.doc, i.analysis) for i in items])
        except Exception as exc:  # another package's bug must not hide a request for help
            log.warning("nlp.rescue_group failed (%s); grouping requests by phone and address", exc)
    return _fallback_groups(items)


def _norm_address(address):
    return re.sub(r"\s+", "", address or "") or None


def _fallback_groups(items: list[Item]) -> list[dict]:
    groups: list[dict] = []
    index: dict[str, dict] = {}
    for item in items:
        r = item.analysis.rescue
        keys = [f"tel:{p}" for p in r.phones] + ([f"addr:{_norm_address(r.address)}"] if r.address else [])
        group = next((index[k] for k in keys if k in index), None)
        if group is None:
            group = {"request_id": None, "doc_ids": [], "phones": [], "address": r.address, "street": item.street,
                     "people_count": r.people_count, "vulnerable": [], "needs": [], "urgency": 0.0}
            groups.append(group)
        group["doc_ids"].append(item.doc.id)
        group["phones"] = sorted(set(group["phones"]) | set(r.phones))
        group["vulnerable"] = sorted(set(group["vulnerable"]) | set(r.vulnerable))
        group["needs"] = sorted(set(group["needs"]) | set(r.needs))
        group["urgency"] = max(group["urgency"], r.urgency)
        group["people_count"] = max(filter(None, [group["people_count"], r.people_count]), default=None)
        for k in keys:
            index[k] = group
    return groups


def _identities(group: dict) -> list[str]:
    ids = [f"tel:{p}" for p in group.get("phones") or []]
    if group.get("address"):
        ids.append(f"addr:{_norm_address(group['address'])}")
    if group.get("request_id"):
        ids.append(f"rid:{group['request_id']}")
    return ids
