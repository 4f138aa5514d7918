"""``rescue_request``: every new distinct request for help (求助), graded by urgency, at once."""
from __future__ import annotations

from alerts.requests import group_items, keyed_requests
from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Item, Rule, short


@RULE_TYPES.register("rescue_request")
class RescueRequestRule(Rule):
    """One alert per distinct request for help; reposts of the same request update it.

    Requests are grouped by :func:`alerts.requests.group_items` (:mod:`nlp.rescue_group`). A request
    keeps its alert across cycles: the rule remembers which phones and addresses belong to which
    request (:func:`alerts.requests.keyed_requests`), and the stage keeps its row on the desk's board.
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
        cache_key = "rescue-groups:" + ",".join(i.doc.id for i in items)
        if cache_key not in ctx.cache:  # every rescue rule of a cycle groups the same requests once
            ctx.cache[cache_key] = group_items(items)
        known = ctx.state.setdefault("identities", {})  # phone / address -> request key
        return [self._finding(key, group, items) for key, group in keyed_requests(ctx.cache[cache_key], known)]

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
