"""The daily, weekly and monthly reports (舆情日报、周报、月报) as JSON, built from the store.

The shape (issue 17)::

    {"id", "title", "kind", "period": {"start", "end"}, "streets": […], "generated_at",
     "sections": [{"heading", "paragraphs": [{"text", "citations": [doc, alert or case ids]}]}],
     "figures": [{"name", "title", "data"}]}

Sections: overview figures, the top incidents (what happened, where, trend, what was done, what is
next), other serious alerts, harmful information found and handled, the street table, calendar
windows ahead and items overdue (督办). Paragraphs that state counts name the figure they come from
(``basis``); the rest cite the posts, alerts or cases they stand on, and only ids the store holds
(:func:`finish` checks every one and masks every text).
"""
from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, time, timedelta
from typing import Any, Optional, Sequence

from briefings.facts import (CATEGORY_NAMES, HARMFUL_NAMES, INCIDENT_STATES, SEVERITY_NAMES, STATE_NAMES, Masker,
                             incident_streets, paragraph, pct, quote_paragraph, representative, section,
                             share_text, trail_sentence, when)
from briefings.tally import Tally, tally
from yuqing.errors import InputError
from yuqing.records import DEFAULT_TZ, OPEN_ALERT_STATES, SEVERITIES, Alert, Incident, now as _now, severity_rank, stable_id
from yuqing.storage.base import Range

KINDS = {"daily": "舆情日报", "weekly": "舆情周报", "monthly": "舆情月报", "special": "舆情专报"}
#: most ids one paragraph cites (a count over thousands of posts names its figure instead)
MAX_CITATIONS = 30
#: most documents of one incident read to describe it (the newest)
MAX_INCIDENT_DOCS = 5000


def period_of(kind: str, day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` in Asia/Shanghai: the day; the 7 days ending with it; its calendar month."""
    if kind == "daily":
        first, last = day, day
    elif kind == "weekly":
        first, last = day - timedelta(days=6), day
    elif kind == "monthly":
        first = day.replace(day=1)
        last = day.replace(day=month_calendar.monthrange(day.year, day.month)[1])
    else:
        raise InputError(f"report kind {kind!r}: choose daily, weekly or monthly")
    start = datetime.combine(first, time(0), DEFAULT_TZ)
    return start, datetime.combine(last + timedelta(days=1), time(0), DEFAULT_TZ)


def report_id(kind: str, start: datetime, streets: Sequence[str], subject: str = "") -> str:
    """Stable per kind, period and streets: writing the same report again replaces it in the archive."""
    if subject:
        return f"{kind}-{subject}"
    # a dashed date and 6 hex digits: no run of 7 digits that the audit log's masking would take for a number
    scope = "s" + stable_id(*sorted(streets))[:6] if streets else "all"
    return f"{kind}-{start.strftime('%Y-%m-%d')}-{scope}"


def scope_name(streets: Sequence[str]) -> str:
    return "、".join(streets) if streets else "辖区"


def period_words(kind: str, start: datetime, end: datetime) -> str:
    last = (end - timedelta(days=1)).date()
    if kind == "daily":
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == "monthly":
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月{start.day}日至{last.month}月{last.day}日"


def build_periodic(config, store, kind: str, day: date, streets: Sequence[str] = (),
                   at: Optional[datetime] = None) -> dict[str, Any]:
    """The daily, weekly or monthly report for the period of ``kind`` around ``day``."""
    start, end = period_of(kind, day)
    at = at or _now()
    streets = list(dict.fromkeys(s.strip() for s in streets if s and s.strip()))
    counts = tally(store, start, end, streets or None, batch_size=int(config["store.batch_size"]))
    alerts = [a for a in store.find_records("alerts", since=start, until=end, order_by="created_at", limit=100000)
              if _in_streets(a.street, streets)]
    incidents = [i for i in store.find_records("incidents", since=start, limit=100000)
                 if i.first_seen is not None and i.first_seen < end
                 and (not streets or set(i.streets) & set(streets))]
    new_incidents = [i for i in incidents if i.first_seen >= start]
    masker = Masker()
    so_far = f" 截至{at.astimezone(DEFAULT_TZ):%H:%M}" if start <= at < end else ""  # a period still going on
    report = {
        "id": report_id(kind, start, streets), "title": f"{scope_name(streets)}{KINDS[kind]}", "kind": kind,
        "subtitle": period_words(kind, start, end) + so_far,
        "period": {"start": start.isoformat(), "end": end.isoformat()}, "streets": streets,
        "generated_at": at.isoformat(timespec="seconds"), "sections": [], "figures": []}
    overview = _overview_figure(counts, alerts, new_incidents, incidents)
    report["figures"].append(overview)
    report["sections"].append(_overview_section(kind, counts, alerts, new_incidents, overview["data"]))
    top = top_incidents(store, incidents, start, end, int(config["briefings.top_incidents"]))
    incident_alerts = alerts_of(store, [i.id for i, _ in top])
    for number, (incident, docs) in enumerate(top, 1):
        report["sections"].append(incident_section(
            store, number, incident, docs, incident_alerts.get(incident.id, []), masker,
            int(config["briefings.quotes"]), config, at))
    report["sections"].append(_other_alerts_section(alerts, {i.id for i, _ in top}, masker))
    report["sections"].append(_harmful_section(store, counts, alerts, masker))
    table = _street_table(counts, alerts, incidents)
    report["figures"] += [table, _day_figure(counts, start, end), _alerts_by_street(alerts)]
    report["sections"].append(_street_section(table))
    report["sections"].append(_calendar_section(config, store, end, streets, alerts))
    report["sections"].append(_overdue_section(config, store, min(end, at), streets, masker))
    return finish(store, report, masker)


def _in_streets(street: Optional[str], streets: Sequence[str]) -> bool:
    return not streets or street in streets


# --- overview ----------------------------------------------------------------------------------

def _overview_figure(counts: Tally, alerts: list[Alert], new_incidents: list, incidents: list) -> dict:
    by_severity = {s: sum(1 for a in alerts if a.severity == s) for s in SEVERITIES}
    return {"name": "overview", "title": "总体数据", "data": {
        "documents": counts.documents, "analysed": counts.analysed, "negative": counts.negative,
        "negative_share": round(counts.negative / counts.analysed, 4) if counts.analysed else None,
        "new_incidents": len(new_incidents), "active_incidents": len(incidents),
        "alerts": {"total": len(alerts), **by_severity},
        "requests_for_help": counts.rescue, "harmful": sum(counts.harmful_counts.values()),
        "categories": dict(counts.by_category.most_common())}}


def _overview_section(kind: str, counts: Tally, alerts: list[Alert], new_incidents: list[Incident],
                      data: dict) -> dict:
    span = {"daily": "当日", "weekly": "本周", "monthly": "本月"}[kind]
    sev = "、".join(f"{SEVERITY_NAMES[s][:2]} {data['alerts'][s]} 条" for s in SEVERITIES if data["alerts"][s])
    text = (f"{span}共监测到相关信息 {counts.documents} 条，其中已分析 {counts.analysed} 条，负面 {counts.negative} 条，"
            f"负面占比 {pct(counts.negative, counts.analysed)}；新发事件 {len(new_incidents)} 起；"
            f"产生预警 {len(alerts)} 条" + (f"（{sev}）" if sev else "") +
            f"；求助信息 {counts.rescue} 条；疑似有害信息 {data['harmful']} 条。")
    cited = [a.id for a in sorted(alerts, key=lambda a: (severity_rank(a.severity), a.created_at))][:MAX_CITATIONS]
    paragraphs = [paragraph(text, cited, basis="overview")]
    top_categories = counts.by_category.most_common(3)
    if top_categories:
        words = "、".join(f"{CATEGORY_NAMES.get(c, c)} {n} 条" for c, n in top_categories)
        paragraphs.append(paragraph(f"按风险类别，信息最多的是：{words}。", [], basis="overview"))
    if new_incidents:
        names = "；".join(f"“{i.label}”" for i in sorted(new_incidents, key=lambda i: -i.size)[:5])
        paragraphs.append(paragraph(f"新发事件包括：{names}。",
                                    [d for i in new_incidents for d in i.doc_ids[:3]][:MAX_CITATIONS]))
    return section("总体情况", paragraphs)


# --- incidents ---------------------------------------------------------------------------------

def top_incidents(store, incidents: list[Incident], start: datetime, end: datetime,
                  count: int) -> list[tuple[Incident, list]]:
    """The incidents to describe, each with its posts of the period: most severe alert, then most posts."""
    alerts = alerts_of(store, [i.id for i in incidents])

    def rank(incident: Incident) -> tuple:
        worst = min((severity_rank(a.severity) for a in alerts.get(incident.id, [])), default=len(SEVERITIES))
        return worst, -incident.size, incident.id

    chosen = []
    for incident in sorted(incidents, key=rank)[:count * 3]:
        docs = store.get_documents(incident.doc_ids[-MAX_INCIDENT_DOCS:])
        in_period = [d for d in docs if start <= d.published_at < end]
        if in_period or any(start <= a.created_at < end for a in alerts.get(incident.id, [])):
            chosen.append((incident, in_period or docs))
    chosen.sort(key=lambda pair: (rank(pair[0])[0], -len(pair[1]), pair[0].id))
    return chosen[:count]


def alerts_of(store, incident_ids: list[str]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for i in range(0, len(incident_ids), 500):
        chunk = incident_ids[i:i + 500]
        for alert in store.find_records("alerts", {"incident_id": chunk}, order_by="created_at", limit=100000):
            found.setdefault(alert.incident_id, []).append(alert)
    return found


def incident_section(store, number: int, incident: Incident, docs: list, alerts: list[Alert], masker: Masker,
                     quotes: int, config, at: datetime) -> dict:
    """What happened, where, trend, what was done and what is next, for one incident."""
    analyses = {a.id: a for a in store.get_analyses([d.id for d in docs])}
    masker.learn(analyses.values())
    ordered = sorted(docs, key=lambda d: (d.published_at, d.id))
    own = [d.id for d in ordered]
    category = CATEGORY_NAMES.get(incident.category or "", "未分类")
    keywords = "、".join(incident.keywords[:6]) or "（无）"
    happened = (f"“{incident.label}”（{category}）：首条信息发布于 {when(ordered[0].published_at)}，"
                f"最近一条于 {when(ordered[-1].published_at)}，本期相关信息 {len(docs)} 条，累计 {incident.size} 条；"
                f"关键词：{keywords}。")
    paragraphs = [paragraph(happened, [own[0], own[-1]])]
    for doc in representative(ordered, analyses, incident.keywords, quotes):
        paragraphs.append(quote_paragraph(doc, masker, "代表性信息："))
    places = sorted({d.place for d in ordered if d.place})[:3]
    where = f"发生地点：{incident_streets(incident)}" + (f"；帖子提到的地点：{'、'.join(places)}" if places else "") + "。"
    paragraphs.append(paragraph(where, [d.id for d in ordered if d.place][:MAX_CITATIONS] or own[:MAX_CITATIONS]))
    paragraphs.append(paragraph(_trend(incident, ordered), own[-MAX_CITATIONS:]))
    for alert in alerts:
        paragraphs.append(paragraph("处置情况：" + trail_sentence(alert, masker), [alert.id]))
    if not alerts:
        paragraphs.append(paragraph("处置情况：该事件尚未触发预警，暂无处置记录。", own[:1]))
    paragraphs.append(next_steps(incident, alerts, own, config, at, store))
    return section(f"重点事件{number}：{incident.label}", paragraphs,
                   incident_id=incident.id)


def _trend(incident: Incident, ordered: list) -> str:
    per_day: dict[str, int] = {}
    for doc in ordered:
        key = doc.published_at.astimezone(DEFAULT_TZ).strftime("%m-%d")
        per_day[key] = per_day.get(key, 0) + 1
    days = "，".join(f"{k} {v} 条" for k, v in list(per_day.items())[-7:])
    state = INCIDENT_STATES.get(getattr(incident, "state", "") or "", "")
    growth = f"，增长率 {incident.growth:.1f} 倍" if incident.growth else ""
    return (f"走势：{days}" + (f"；目前处于{state}阶段{growth}" if state else growth) +
            f"；情绪构成：{share_text(incident.sentiment)}。")


def next_steps(incident: Incident, alerts: list[Alert], own: list[str], config, at: datetime, store) -> dict:
    """What is next, from the alerts' states, their deadlines, the incident's stage and similar cases."""
    from alerts.escalation import deadline

    steps, cited = [], []
    minutes = config["alerts.escalation_minutes"]
    for alert in alerts:
        if alert.state == "new":
            late = at - alert.created_at >= deadline(alert, minutes)
            steps.append(f"预警{'已超时' if late else ''}待确认，应尽快确认并派发处置")
        elif alert.state == "acknowledged":
            steps.append("预警已确认，待派发责任部门")
        elif alert.state == "dispatched":
            steps.append(f"已派发{('至' + alert.assignee) if alert.assignee else ''}，待反馈处置结果")
        for entry in alert.calendar[:2]:
            steps.append(f"正值敏感时间窗口“{entry}”")
        cited.append(alert.id)
    state = getattr(incident, "state", None)
    if state in ("emerging", "growing", "peak"):
        steps.append(f"事件处于{INCIDENT_STATES[state]}阶段，需持续监测其走势")
    elif state == "declining":
        steps.append("事件热度回落，关注是否反弹")
    cases = [c for a in alerts for c in a.similar_cases]
    for match in sorted(cases, key=lambda c: -c.score)[:2]:
        case = store.get_record("cases", match.case_id)
        if case is not None:
            steps.append(f"可参考相似案例“{case.title}”的处置经验")
            cited.append(case.id)
    if not steps:
        steps.append("暂无待办事项，继续常态化监测")
    return paragraph("下一步：" + "；".join(dict.fromkeys(steps)) + "。", cited or own[-1:])


# --- other alerts, harmful information ------------------------------------------------------------

def _other_alerts_section(alerts: list[Alert], described: set, masker: Masker) -> dict:
    serious = [a for a in alerts if a.incident_id not in described and a.severity in ("red", "orange")]
    serious.sort(key=lambda a: (severity_rank(a.severity), a.created_at))
    paragraphs = [paragraph(trail_sentence(a, masker), [a.id]) for a in serious[:10]]
    if len(serious) > 10:
        paragraphs.append(paragraph(f"另有红色、橙色预警 {len(serious) - 10} 条，见预警列表。",
                                    [a.id for a in serious[10:10 + MAX_CITATIONS]]))
    if not paragraphs:
        paragraphs.append(paragraph("本期无其他红色、橙色预警。", [], basis="overview"))
    return section("其他重要预警", paragraphs)


def _harmful_section(store, counts: Tally, alerts: list[Alert], masker: Masker) -> dict:
    paragraphs = []
    for label, total in counts.harmful_counts.most_common():
        ids = counts.harmful[label]
        handled = [a for a in alerts if set(a.doc_ids) & set(ids)]
        text = f"{HARMFUL_NAMES.get(label, label)}：发现 {total} 条"
        if handled:
            states = "、".join(f"“{masker.alert_title(a)}”{_state(a)}" for a in handled[:5])
            text += f"，已纳入预警 {len(handled)} 条：{states}"
        else:
            text += "，尚未纳入预警处置"
        paragraphs.append(paragraph(text + "。", ids[:10] + [a.id for a in handled[:MAX_CITATIONS]]))
        docs = store.get_documents(ids[:1]) if label != "privacy_leak" else []  # never repeat a leak
        for doc in docs:
            paragraphs.append(quote_paragraph(doc, masker, "示例（仅供研判，内容未经核实）："))
    if not paragraphs:
        paragraphs.append(paragraph("本期未发现有害信息。", [], basis="overview"))
    return section("有害信息发现与处置", paragraphs)


def _state(alert: Alert) -> str:
    return f"（{STATE_NAMES.get(alert.state, alert.state)}）"


# --- streets, days ------------------------------------------------------------------------------

def _street_table(counts: Tally, alerts: list[Alert], incidents: list[Incident]) -> dict:
    rows = []
    for street, c in sorted(counts.by_street.items(), key=lambda kv: (-kv[1]["documents"], kv[0])):
        rows.append({"street": street, "documents": c["documents"], "negative": c["negative"],
                     "negative_share": round(c["negative"] / c["documents"], 4) if c["documents"] else None,
                     "alerts": sum(1 for a in alerts if (a.street or "未定位") == street),
                     "incidents": sum(1 for i in incidents if street in i.streets),
                     "requests_for_help": c["rescue"]})
    return {"name": "street_table", "title": "各街道情况", "data": rows}


def _street_section(table: dict) -> dict:
    rows = [r for r in table["data"] if r["street"] != "未定位"]
    if not rows:
        return section("各街道情况", [paragraph("本期无定位到街道的信息。", [], basis="street_table")])
    top = rows[0]
    text = (f"信息量最多的是{top['street']}（{top['documents']} 条，负面 {top['negative']} 条，预警 {top['alerts']} 条）；"
            f"共有 {len(rows)} 个街道有相关信息，详见下表。")
    return section("各街道情况", [paragraph(text, [], basis="street_table")], table="street_table")


def _day_figure(counts: Tally, start: datetime, end: datetime) -> dict:
    days, day = [], start.date()
    while day < end.date():
        days.append(day.isoformat())
        day += timedelta(days=1)
    return {"name": "volume_by_day", "title": "每日信息量", "data": {
        "days": days, "documents": [counts.by_day.get(d, {}).get("documents", 0) for d in days],
        "negative": [counts.by_day.get(d, {}).get("negative", 0) for d in days]}}


def _alerts_by_street(alerts: list[Alert]) -> dict:
    streets = sorted({a.street or "未定位" for a in alerts})
    return {"name": "alerts_by_street", "title": "各街道预警", "data": {
        "streets": streets, **{s: [sum(1 for a in alerts if (a.street or "未定位") == st and a.severity == s)
                                   for st in streets] for s in SEVERITIES}}}


# --- calendar, overdue ----------------------------------------------------------------------------

def _calendar_section(config, store, end: datetime, streets: Sequence[str], alerts: list[Alert]) -> dict:
    from event_calendar import Calendar

    today = end.date()
    days = int(config["briefings.calendar_days"])
    windows = Calendar.from_config(config, store, today=today).upcoming(today, days)
    paragraphs = []
    for w in windows:
        if streets and w["streets"] and not set(w["streets"]) & set(streets):
            continue
        categories = "、".join(CATEGORY_NAMES.get(c, c) for c in w["categories"]) or "各类"
        reason = (w["reason"] or "敏感时间窗口").rstrip("。；;. ")
        text = f"{w['name']}（{w['start']} 至 {w['end']}）：{reason}；涉及{categories}风险。"
        related = [a.id for a in alerts if any(w["name"] in entry for entry in a.calendar)]
        paragraphs.append(paragraph(text, related[:MAX_CITATIONS], basis="calendar"))
    if not paragraphs:
        paragraphs.append(paragraph(f"未来 {days} 天内无需要关注的敏感时间窗口。", [], basis="calendar"))
    return section("近期敏感时间窗口", paragraphs)


def overdue(config, store, at: datetime, streets: Sequence[str] = ()) -> list[tuple[Alert, str]]:
    """Open alerts past their deadline at ``at``, with why: still new past ``alerts.escalation_minutes``
    (the escalation deadline), or acknowledged/dispatched and unresolved after ``briefings.overdue_days``."""
    from alerts.escalation import deadline

    minutes = config["alerts.escalation_minutes"]
    days = timedelta(days=float(config["briefings.overdue_days"]))
    found = []
    for alert in store.find_records("alerts", {"state": list(OPEN_ALERT_STATES), "created_at": Range(lt=at)},
                                    order_by="created_at", limit=100000):
        if not _in_streets(alert.street, streets):
            continue
        age = at - alert.created_at
        hours = age.total_seconds() / 3600
        if alert.state == "new" and age >= deadline(alert, minutes):
            found.append((alert, f"已 {hours:.0f} 小时未确认（时限 {deadline(alert, minutes).total_seconds() / 60:.0f} 分钟）"))
        elif alert.state != "new" and age >= days:
            found.append((alert, f"{'已确认' if alert.state == 'acknowledged' else '已派发'}但 {hours / 24:.1f} 天未办结"))
    found.sort(key=lambda pair: (severity_rank(pair[0].severity), pair[0].created_at))
    return found


def _overdue_section(config, store, at: datetime, streets: Sequence[str], masker: Masker) -> dict:
    paragraphs = []
    for alert, why in overdue(config, store, at, streets)[:20]:
        owner = f"，责任人 {alert.assignee}" if alert.assignee else ""
        paragraphs.append(paragraph(f"{SEVERITY_NAMES[alert.severity]}预警“{masker.alert_title(alert)}”"
                                    f"（{alert.street or '未定位'}，{when(alert.created_at)} 生成）{why}{owner}。",
                                    [alert.id]))
    if not paragraphs:
        paragraphs.append(paragraph(f"截至 {when(at)}，无逾期未办的预警。", [], basis="overdue"))
    return section("逾期督办事项", paragraphs)


# --- the last pass -------------------------------------------------------------------------------

def finish(store, report: dict, masker: Masker) -> dict:
    """Keep only citations of ids the store holds, then mask every text of the report once more."""
    cited = list(dict.fromkeys(c for s in report["sections"] for p in s["paragraphs"] for c in p["citations"]))
    docs = set()
    for i in range(0, len(cited), 1000):
        docs.update(d.id for d in store.get_documents(cited[i:i + 1000]))
    masker.learn(a for i in range(0, len(docs), 1000) for a in store.get_analyses(sorted(docs)[i:i + 1000]))
    known = set(docs)
    for record_id in (c for c in cited if c not in docs):
        if store.get_record("alerts", record_id) is not None or store.get_record("cases", record_id) is not None:
            known.add(record_id)
    report["title"] = masker.text(report["title"])
    for sec in report["sections"]:
        sec["heading"] = masker.text(sec["heading"])
        for par in sec["paragraphs"]:
            par["text"] = masker.text(par["text"])
            par["citations"] = [c for c in par["citations"] if c in known]
    for figure in report["figures"]:
        figure["data"] = masker.report(figure["data"])
    return report
