"""The special report (舆情专报) on one incident or one alert: timeline, spread, stakeholder sentiment,
precedents from the case library and recommendations taken from the precedents' measures.

Same JSON shape as the periodic reports (:mod:`briefings.content`), ``kind`` ``special``. An alert
without an incident is reported on its own posts. Stakeholders are told apart by where they speak
(news media, forums, social media, hotline callers), the one grouping the records hold.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any, Optional

from briefings.content import MAX_CITATIONS, MAX_INCIDENT_DOCS, alerts_of, next_steps, finish, report_id
from briefings.facts import (CATEGORY_NAMES, SENTIMENT_NAMES, SOURCE_TYPE_NAMES, STATE_NAMES, Masker,
                             incident_streets, paragraph, pct, quote_paragraph, representative, section,
                             trail_sentence, when)
from yuqing.errors import InputError, NotFound
from yuqing.records import DEFAULT_TZ, Alert, Incident, now as _now

MAX_TIMELINE = 40


def build_special(config, store, *, incident_id: Optional[str] = None, alert_id: Optional[str] = None,
                  at: Optional[datetime] = None) -> dict[str, Any]:
    """The special report on ``incident_id`` or on ``alert_id`` (one of them)."""
    if bool(incident_id) == bool(alert_id):
        raise InputError("a special report is on one incident (--incident ID) or one alert (--alert ID)")
    at = at or _now()
    incident, alerts = _subject(store, incident_id, alert_id)
    docs = sorted(store.get_documents(incident.doc_ids[-MAX_INCIDENT_DOCS:]), key=lambda d: (d.published_at, d.id))
    if not docs:
        raise NotFound(f"none of the posts of {'incident ' + incident_id if incident_id else 'alert ' + alert_id} "
                       f"is still in the store (deleted by retention?): there is nothing to report on")
    analyses = {a.id: a for a in store.get_analyses([d.id for d in docs])}
    masker = Masker.for_analyses(analyses.values())
    start, end = docs[0].published_at, docs[-1].published_at
    report = {
        "id": report_id("special", start, [], subject=f"{'incident' if incident_id else 'alert'}-{incident_id or alert_id}"),
        "title": f"关于“{incident.label}”的舆情专报", "kind": "special",
        "subtitle": f"{when(start, True)} 至 {when(end, True)}",
        "period": {"start": start.isoformat(), "end": end.isoformat()}, "streets": list(incident.streets),
        "subject": {"incident_id": incident_id, "alert_id": alert_id},
        "generated_at": at.isoformat(timespec="seconds"), "sections": [], "figures": []}
    report["sections"].append(_summary(incident, docs, analyses, masker, int(config["briefings.quotes"]) + 1))
    report["sections"].append(_timeline(docs, alerts, masker))
    spread, spread_figure = _spread(incident, docs)
    report["sections"].append(spread)
    feelings, feelings_figure = _sentiment(docs, analyses, masker)
    report["sections"].append(feelings)
    report["figures"] += [_by_day(docs), spread_figure, feelings_figure]
    report["sections"].append(section("处置情况", [paragraph(trail_sentence(a, masker), [a.id]) for a in alerts]
                                      or [paragraph("尚未触发预警，暂无处置记录。", [docs[0].id])]))
    cases = _precedents(config, store, incident, alerts)
    report["sections"].append(_precedent_section(cases, masker))
    report["sections"].append(_recommendations(cases, incident, alerts, [d.id for d in docs], config, at, store))
    return finish(store, report, masker)


def _subject(store, incident_id, alert_id) -> tuple[Incident, list[Alert]]:
    if incident_id:
        incident = store.get_record("incidents", incident_id)
        if incident is None:
            raise NotFound(f"no incident with id {incident_id!r}; the web UI's incidents page and "
                           f"`yuqing alerts list --format json` (incident_id) show the ids")
        return incident, alerts_of(store, [incident_id]).get(incident_id, [])
    alert = store.get_record("alerts", alert_id)
    if alert is None:
        raise NotFound(f"no alert with id {alert_id!r}; `yuqing alerts list` shows the ids")
    if alert.incident_id:
        incident = store.get_record("incidents", alert.incident_id)
        if incident is not None:
            return incident, alerts_of(store, [incident.id]).get(incident.id, [alert])
    # an alert on posts that form no incident: its own posts are the subject
    incident = Incident(id=alert.id, label=alert.title, doc_ids=list(alert.doc_ids), size=len(alert.doc_ids),
                        category=alert.category, streets=[alert.street] if alert.street else [],
                        keywords=list(getattr(alert, "keywords", []) or []))
    return incident, [alert]


def _summary(incident: Incident, docs, analyses, masker: Masker, quotes: int) -> dict:
    own = [d.id for d in docs]
    category = CATEGORY_NAMES.get(incident.category or "", "未分类")
    text = (f"“{incident.label}”（{category}），涉及{incident_streets(incident)}。首条信息发布于 "
            f"{when(docs[0].published_at, True)}，最近一条于 {when(docs[-1].published_at, True)}，共 {len(docs)} 条"
            + (f"；关键词：{'、'.join(incident.keywords[:8])}" if incident.keywords else "") + "。")
    paragraphs = [paragraph(text, [own[0], own[-1]])]
    for doc in representative(docs, analyses, incident.keywords, quotes):
        paragraphs.append(quote_paragraph(doc, masker, "代表性信息："))
    return section("事件概况", paragraphs, incident_id=incident.id)


def _timeline(docs, alerts: list[Alert], masker: Masker) -> dict:
    events: list[tuple[datetime, str, list[str]]] = []
    per_day: dict[str, list] = defaultdict(list)
    for doc in docs:
        per_day[doc.published_at.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d")].append(doc)
    peak = max(per_day, key=lambda k: (len(per_day[k]), k))
    for day, items in per_day.items():
        mark = "（信息量最高）" if day == peak and len(per_day) > 1 else ""
        events.append((items[0].published_at, f"当日首条相关信息发布，{day[5:]} 全天共 {len(items)} 条{mark}。",
                       [d.id for d in items[:MAX_CITATIONS]]))
    for alert in alerts:
        for change in alert.history:
            if change.from_state is None:
                text = f"系统生成{_sev(alert)}预警“{masker.alert_title(alert)}”。"
            elif change.from_state == change.to_state:
                text = f"预警“{masker.alert_title(alert)}”：{masker.text(change.note) or '更新'}。"
            else:
                who = "系统" if change.who == "system" else masker.text(change.who)
                text = (f"{who}将预警“{masker.alert_title(alert)}”由{STATE_NAMES.get(change.from_state, '')}改为"
                        f"{STATE_NAMES.get(change.to_state, '')}" + (f"（{masker.text(change.note)}）" if change.note else "") + "。")
            events.append((change.when, text, [alert.id]))
    events.sort(key=lambda e: e[0])
    if len(events) > MAX_TIMELINE:
        events = events[:MAX_TIMELINE // 2] + events[-MAX_TIMELINE // 2:]
    return section("时间线", [paragraph(f"{when(t)}　{text}", cited) for t, text, cited in events])


def _sev(alert: Alert) -> str:
    from briefings.facts import SEVERITY_NAMES

    return SEVERITY_NAMES.get(alert.severity, alert.severity)


def _spread(incident: Incident, docs) -> tuple[dict, dict]:
    by_type = Counter(d.source_type for d in docs)
    by_source = Counter(d.source or "未注明" for d in docs)
    authors = {d.author for d in docs if d.author}
    totals = {k: sum(getattr(d.metrics, k) for d in docs) for k in ("reposts", "comments", "likes", "views")}
    kinds = "、".join(f"{SOURCE_TYPE_NAMES.get(t, t)} {n} 条" for t, n in by_type.most_common())
    sources = "、".join(f"{s} {n} 条" for s, n in by_source.most_common(5))
    paragraphs = [paragraph(f"信息来自{len(by_source)}个来源（{kinds}），主要来源：{sources}；发帖账号 {len(authors)} 个。",
                            [d.id for d in docs[:MAX_CITATIONS]], basis="spread")]
    if any(totals.values()):
        top = sorted(docs, key=lambda d: -(d.metrics.reposts + d.metrics.comments))[:5]
        paragraphs.append(paragraph(f"互动量：转发 {totals['reposts']} 次、评论 {totals['comments']} 次、点赞 "
                                    f"{totals['likes']} 次、阅读 {totals['views']} 次；转发评论最多的信息见引用。",
                                    [d.id for d in top]))
    amplified = getattr(incident, "amplification", None)
    if isinstance(amplified, dict) and amplified.get("flagged"):
        paragraphs.append(paragraph("发现疑似协同转发：少数账号在短时间内发布大量相似内容。", [d.id for d in docs[:10]]))
    figure = {"name": "spread", "title": "来源分布", "data": {
        "source_types": {str(k): v for k, v in by_type.items()}, "sources": dict(by_source.most_common()),
        "authors": len(authors), **totals}}
    return section("传播情况", paragraphs), figure


def _sentiment(docs, analyses, masker: Masker) -> tuple[dict, dict]:
    groups: dict[str, Counter] = defaultdict(Counter)
    cited: dict[str, list[str]] = defaultdict(list)
    examples: dict[str, Any] = {}
    for doc in docs:
        analysis = analyses.get(doc.id)
        if analysis is None:
            continue
        group = SOURCE_TYPE_NAMES.get(doc.source_type, doc.source_type or "来源未注明")
        groups[group][analysis.sentiment.label] += 1
        cited[group].append(doc.id)
        if analysis.sentiment.label == "negative" and group not in examples and not analysis.harmful:
            examples[group] = doc
    paragraphs = []
    for group, counter in sorted(groups.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counter.values())
        mix = "、".join(f"{SENTIMENT_NAMES[k]} {counter[k]} 条" for k in ("negative", "neutral", "positive") if counter[k])
        paragraphs.append(paragraph(f"{group}：{total} 条，{mix}，负面占比 {pct(counter['negative'], total)}。",
                                    cited[group][:MAX_CITATIONS]))
        if group in examples:
            paragraphs.append(quote_paragraph(examples[group], masker, f"{group}负面意见示例："))
    if not paragraphs:
        paragraphs.append(paragraph("相关信息尚未完成情感分析。", [docs[0].id]))
    figure = {"name": "sentiment_by_group", "title": "各方情绪", "data": {
        group: {k: counter.get(k, 0) for k in ("negative", "neutral", "positive")} for group, counter in groups.items()}}
    return section("各方情绪", paragraphs), figure


def _by_day(docs) -> dict:
    counts = Counter(d.published_at.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d") for d in docs)
    days = sorted(counts)
    if days:
        first, last = datetime.fromisoformat(days[0]), datetime.fromisoformat(days[-1])
        days = [(first + timedelta(days=i)).strftime("%Y-%m-%d") for i in range((last - first).days + 1)]
    return {"name": "volume_by_day", "title": "每日信息量", "data": {"days": days,
                                                                   "documents": [counts.get(d, 0) for d in days]}}


def _precedents(config, store, incident: Incident, alerts: list[Alert]) -> list:
    """Cases the alerts already matched; else the case library's best matches for the incident."""
    from case_library import CaseLibrary

    library = CaseLibrary.from_config(config, store)  # loads the starter cases on first use
    ids = list(dict.fromkeys(c.case_id for a in alerts for c in sorted(a.similar_cases, key=lambda c: -c.score)))
    if not ids:
        ids = [m.case_id for m in library.similar_to_incident(incident, limit=5)]
    cases = [c for c in (store.get_record("cases", i) for i in ids) if c is not None]
    same = [c for c in cases if incident.category and incident.category in c.categories]
    return (same or cases)[:3]  # a precedent of the same risk category first: its measures apply


def _precedent_section(cases: list, masker: Masker) -> dict:
    paragraphs = []
    for case in cases:
        place = "".join(p for p in (case.city, case.district, case.street) if p)
        text = (f"“{case.title}”（{case.start or '时间不详'}{('，' + place) if place else ''}）："
                f"{masker.text(case.summary or case.trigger)}" + (f" 结果：{masker.text(case.outcome)}" if case.outcome else ""))
        paragraphs.append(paragraph(text, [case.id]))
        if case.lessons:
            paragraphs.append(paragraph("经验教训：" + "；".join(masker.text(x) for x in case.lessons[:3]) + "。", [case.id]))
    if not paragraphs:
        paragraphs.append(paragraph("案例库中未找到相似案例。", [], basis="cases"))
    return section("相似案例", paragraphs)


def _recommendations(cases: list, incident: Incident, alerts: list[Alert], own: list[str], config, at, store) -> dict:
    paragraphs = []
    for case in cases:
        for measure in case.measures[:3]:
            paragraphs.append(paragraph(f"参照“{case.title}”：{measure}", [case.id]))
    paragraphs.append(next_steps(incident, alerts, own, config, at, store))
    return section("处置建议", paragraphs)
