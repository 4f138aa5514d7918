"""A resolved alert → a draft case (案例草稿), for an analyst to review before it joins the library.

* timeline: the alert's documents (time and headline) and its history (state changes with notes);
* measures: the notes written while the alert was acknowledged or dispatched;
* outcome: the note of the change that resolved (or dismissed) it;
* place, keywords: from the documents' analyses and the alert's incident.

Texts are masked (:func:`yuqing.privacy.mask_text`): a case never keeps a full phone or ID number.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from case_library.model import new_case_id
from yuqing.privacy import mask_text
from yuqing.records import Alert, Case, DEFAULT_TZ, parse_record


def _headline(doc) -> str:
    text = doc.title or doc.text
    return mask_text(" ".join(text.split())[:80])


def _timeline(alert: Alert, docs: list) -> list[dict[str, Any]]:
    steps = [{"when": d.published_at.astimezone(DEFAULT_TZ).isoformat(), "what": _headline(d), "source": d.url or d.source}
             for d in docs]
    steps.append({"when": alert.created_at.astimezone(DEFAULT_TZ).isoformat(),
                  "what": f"alert raised by rule {alert.rule} ({alert.severity}): {mask_text(alert.title)}"})
    for change in alert.history:
        note = f": {mask_text(change.note)}" if change.note else ""
        steps.append({"when": change.when.astimezone(DEFAULT_TZ).isoformat(),
                      "what": f"{change.from_state or 'new'} → {change.to_state} by {change.who}{note}"})
    return sorted(steps, key=lambda s: s["when"])


def _outcome(alert: Alert) -> tuple[str, Optional[str]]:
    """The closing note and the day the alert was closed."""
    for change in reversed(alert.history):
        if change.to_state in ("resolved", "dismissed", "duplicate"):
            text = mask_text(change.note) if change.note else f"alert {change.to_state} without a note"
            return f"{change.to_state}: {text}", change.when.astimezone(DEFAULT_TZ).date().isoformat()
    return f"still {alert.state} when the draft was made", None


def draft_case(alert: Alert, store) -> Case:
    """The draft case of ``alert``; its status is ``draft`` until reviewed."""
    docs = sorted(store.get_documents(alert.doc_ids), key=lambda d: d.published_at)
    analyses = store.get_analyses([d.id for d in docs])
    incident = store.get_record("incidents", alert.incident_id) if alert.incident_id else None
    places = Counter((a.location.province, a.location.city, a.location.district, a.location.street)
                     for a in analyses if a.location.district or a.location.street)
    province, city, district, street = places.most_common(1)[0][0] if places else (None, None, None, None)
    keywords = Counter(k for a in analyses for k in a.keywords)
    if incident is not None:
        keywords.update({k: 2 for k in incident.keywords})
    measures = [mask_text(c.note) for c in alert.history
                if c.note and c.to_state in ("acknowledged", "dispatched")]
    outcome, end = _outcome(alert)
    start = (docs[0].published_at if docs else alert.created_at).astimezone(DEFAULT_TZ).date().isoformat()
    data = {
        "id": new_case_id(f"alert:{alert.id}"), "title": mask_text(alert.title),
        "summary": mask_text(alert.summary), "start": start, "end": end, "province": province, "city": city,
        "district": district, "street": street or alert.street,
        "categories": [alert.category] if alert.category else ([incident.category] if incident and incident.category else []),
        "trigger": _headline(docs[0]) if docs else mask_text(alert.title),
        "timeline": _timeline(alert, docs), "actors": sorted({c.who for c in alert.history}),
        "measures": measures, "outcome": outcome, "lessons": [], "risk_types": [alert.rule],
        "sources": [f"alert:{alert.id}"] + [d.url for d in docs if d.url][:10],
        "keywords": [k for k, _ in keywords.most_common(10)], "status": "draft", "from_alert": alert.id,
        "uncertain": ["drafted automatically from an alert: check every field before marking it reviewed"],
    }
    return parse_record(Case, data, where=f"draft of alert {alert.id}")
