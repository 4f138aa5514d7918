"""What the watch measures from the posts about a project: stance per group over time, and the
effect of each publicity action (宣传评估) — never guessed.

Stance is the analysis' sentiment, as in the assessment (:mod:`assessment.evidence`): positive =
支持, neutral = 观望 (hesitation), negative = 反对. A post speaks for a group when it names it.

**宣传评估.** For an official statement, hearing or publicity action on day D, the posts of the
``days`` days before D (D−days … D−1) are compared with those of D and the ``days − 1`` days after:
how many posts and how much engagement (转发 + 评论 + 点赞: the reach), and the shares of 支持 and
反对 among the posts with a sentiment, overall and per group. With fewer than ``min_posts`` posts
on either side the answer is "not enough posts" (帖子不足) and no change is reported; a group is
compared only when it has ``min_group_posts`` on both sides. An action whose after-window has not
ended yet is measured on the days so far and says so.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Optional

from assessment.evidence import Post, _period
from yuqing.records import DEFAULT_TZ

#: words of a milestone that make it a publicity action (公示、听证、说明…), measured like the ones
#: entered by hand
PUBLICITY_WORDS = ("公示", "听证", "说明会", "发布会", "通报", "宣传", "座谈", "答疑", "征求意见", "回应", "公告")
STANCE_OF = {"positive": "support", "neutral": "neutral", "negative": "oppose"}


def local_day(post: Post) -> date:
    return post.doc.published_at.astimezone(DEFAULT_TZ).date()


def engagement(post: Post) -> int:
    m = post.doc.metrics
    return m.reposts + m.comments + m.likes


def stance_over_time(posts: list[Post], groups: Iterable[str], by_month: Optional[bool] = None) -> dict[str, Any]:
    """Per period (week named by its Monday; month past 13 weeks) and group: 支持/观望/反对 counts and
    the support share in percent (``None`` for a period without posts of the group)."""
    if not posts:
        return {"periods": [], "by": "week", "groups": {}, "volume": []}
    if by_month is None:
        by_month = (posts[-1].doc.published_at - posts[0].doc.published_at).days > 91
    periods = sorted({_period(p.doc.published_at, by_month) for p in posts})
    index = {p: i for i, p in enumerate(periods)}
    cells: dict[str, list[Counter]] = defaultdict(lambda: [Counter() for _ in periods])
    volume = [0] * len(periods)
    for post in posts:
        i = index[_period(post.doc.published_at, by_month)]
        volume[i] += 1
        if post.sentiment:
            for group in post.groups:
                cells[group][i][STANCE_OF[post.sentiment]] += 1
    out = {}
    for group in groups:
        if group not in cells:
            continue
        rows = cells[group]
        out[group] = {
            "support": [c["support"] for c in rows], "neutral": [c["neutral"] for c in rows],
            "oppose": [c["oppose"] for c in rows],
            "support_share": [round(100 * c["support"] / sum(c.values())) if sum(c.values()) else None for c in rows],
            "posts": sum(sum(c.values()) for c in rows)}
    return {"periods": periods, "by": "month" if by_month else "week", "groups": out, "volume": volume}


@dataclass
class Side:
    """The posts of one side of an action (before or after)."""

    posts: int
    engagement: int
    support: int
    neutral: int
    oppose: int

    @classmethod
    def of(cls, posts: list[Post]) -> "Side":
        counts = Counter(STANCE_OF[p.sentiment] for p in posts if p.sentiment)
        return cls(len(posts), sum(engagement(p) for p in posts), counts["support"], counts["neutral"],
                   counts["oppose"])

    @property
    def rated(self) -> int:
        return self.support + self.neutral + self.oppose

    def share(self, stance: str) -> Optional[float]:
        return round(100 * getattr(self, stance) / self.rated, 1) if self.rated else None

    def as_dict(self) -> dict[str, Any]:
        return {"posts": self.posts, "engagement": self.engagement, "support": self.support,
                "neutral": self.neutral, "oppose": self.oppose, "support_share": self.share("support"),
                "oppose_share": self.share("oppose")}


def _change(before: Side, after: Side) -> dict[str, Any]:
    out = {"posts": after.posts - before.posts, "engagement": after.engagement - before.engagement}
    for stance in ("support", "oppose"):
        b, a = before.share(stance), after.share(stance)
        out[f"{stance}_points"] = None if a is None or b is None else round(a - b, 1)
    return out


def _sentence(before: Side, after: Side, change: dict[str, Any]) -> str:
    def pp(value):
        return "无法计算" if value is None else f"{value:+.0f} 个百分点"
    return (f"支持占比 {before.share('support') or 0:.0f}% → {after.share('support') or 0:.0f}%"
            f"（{pp(change['support_points'])}），反对占比 {before.share('oppose') or 0:.0f}% → "
            f"{after.share('oppose') or 0:.0f}%（{pp(change['oppose_points'])}）；帖子 {before.posts} → {after.posts} 条，"
            f"互动量 {before.engagement} → {after.engagement}")


def measure(posts: list[Post], day: date, *, days: int, min_posts: int, min_group_posts: int,
            groups: Iterable[str], today: date) -> dict[str, Any]:
    """The effect of an action on ``day``: before vs after, overall and per group, or "not enough posts"."""
    before = [p for p in posts if day - timedelta(days=days) <= local_day(p) < day]
    after = [p for p in posts if day <= local_day(p) < day + timedelta(days=days)]
    b, a = Side.of(before), Side.of(after)
    out: dict[str, Any] = {"days": days, "before": b.as_dict(), "after": a.as_dict(),
                           "complete": day + timedelta(days=days - 1) < today, "groups": []}
    if day > today:
        out.update(enough=False, verdict="尚未发生：活动日期在今天之后，届时开始衡量")
        return out
    if b.rated < min_posts or a.rated < min_posts:
        out.update(enough=False, verdict=(
            f"帖子不足（not enough posts）：前 {days} 天 {b.rated} 条、后 {days} 天 {a.rated} 条有情感的帖子，"
            f"每侧至少需要 {min_posts} 条，不评估效果"))
        return out
    change = _change(b, a)
    out.update(enough=True, change=change, verdict=_sentence(b, a, change)
               + ("" if out["complete"] else f"（后 {days} 天尚未过完，按已有天数计）"))
    for group in groups:
        gb = Side.of([p for p in before if group in p.groups])
        ga = Side.of([p for p in after if group in p.groups])
        if gb.rated < min_group_posts or ga.rated < min_group_posts:
            if gb.rated or ga.rated:
                out["groups"].append({"group": group, "enough": False, "before": gb.as_dict(), "after": ga.as_dict(),
                                      "verdict": f"帖子不足（前 {gb.rated} 条、后 {ga.rated} 条）"})
            continue
        gchange = _change(gb, ga)
        out["groups"].append({"group": group, "enough": True, "before": gb.as_dict(), "after": ga.as_dict(),
                              "change": gchange, "verdict": _sentence(gb, ga, gchange)})
    return out


def publicity_actions(card, project_actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions to measure: milestones of the card that are publicity (公示、听证…) and the actions
    entered on the project, by date."""
    found = [{"date": m.date.isoformat(), "kind": "milestone", "title": m.milestone, "source": "card"}
             for m in card.timeline if any(w in m.milestone for w in PUBLICITY_WORDS)]
    found += [{**a, "source": "entered"} for a in project_actions or []]
    return sorted(found, key=lambda a: (a["date"], a["title"]))


def period_of(day: date, by: str) -> str:
    """The period of :func:`stance_over_time` a day falls in (to mark an action on the chart)."""
    return day.strftime("%Y-%m") if by == "month" else (day - timedelta(days=day.weekday())).isoformat()


def chart(reading: dict[str, Any]) -> dict[str, Any]:
    """The watch chart's data (drawn by ``static/watch.js``): support share per group and volume per
    period, and a mark for each publicity action and milestone within the periods shown."""
    over = reading.get("over_time") or {}
    periods, by = over.get("periods") or [], over.get("by") or "week"
    marks = []
    for action in reading.get("actions") or []:
        marks.append({"date": action["date"], "title": action["title"], "kind": "action"})
    for milestone in reading.get("milestones") or []:
        if not any(m["date"] == milestone["date"] and m["title"] == milestone["title"] for m in marks):
            marks.append({"date": milestone["date"], "title": milestone["title"], "kind": "milestone"})
    for mark in marks:
        mark["period"] = period_of(date.fromisoformat(mark["date"]), by)
    groups = over.get("groups") or {}
    return {"periods": periods, "by": by, "volume": over.get("volume") or [],
            "support": {g: v["support_share"] for g, v in groups.items()},
            "counts": {g: {k: v[k] for k in ("support", "neutral", "oppose")} for g, v in groups.items()},
            "marks": [m for m in marks if m["period"] in periods]}
