"""The archive of generated reports: the store's ``briefings`` collection and the files folder.

Each report generated (by ``yuqing report`` or the scheduled job) is kept as a record with its
whole JSON (``report``), so a page can show it again or render it anew; the scheduled job also
writes its HTML and PDF into ``briefings.folder`` (``files`` lists them). Writing the same report
again (same kind, period and streets) replaces the record: the archive holds the latest version.

The functions here are the API the web UI's archive page calls: :func:`generate`, :func:`save`,
:func:`recent`, :func:`get`.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Optional, Sequence

from yuqing.records import now as _now
from yuqing.storage.base import JsonRecord, Kind, register_kind

register_kind(Kind("briefings", JsonRecord, fields=("kind", "period_start", "generated_at", "streets", "delivered"),
                   text_fields=("title",), time_field="generated_at"))


def generate(config, store, kind: str, *, day: Optional[date] = None, streets: Sequence[str] = (),
             incident_id: Optional[str] = None, alert_id: Optional[str] = None) -> dict[str, Any]:
    """Build one report (``daily``, ``weekly``, ``monthly`` or ``special``) and keep it in the archive."""
    if kind == "special":
        from briefings.special import build_special

        report = build_special(config, store, incident_id=incident_id, alert_id=alert_id)
    else:
        from briefings.content import build_periodic

        report = build_periodic(config, store, kind, day or yesterday(), streets)
    save(store, report)
    return report


def yesterday() -> date:
    """The last whole day in the engine's zone: what a daily report covers by default."""
    from datetime import timedelta

    return (_now() - timedelta(days=1)).date()


def save(store, report: dict[str, Any], files: Optional[dict[str, str]] = None, **extra: Any) -> JsonRecord:
    """Keep ``report`` (and the paths of its files) as a ``briefings`` record."""
    old = store.get_record("briefings", report["id"])
    kept = {k: getattr(old, k) for k in ("delivered", "deliveries") if old is not None and hasattr(old, k)}
    record = JsonRecord(id=report["id"], kind=report["kind"], title=report["title"],
                        period_start=report["period"]["start"], period_end=report["period"]["end"],
                        streets=list(report.get("streets", [])), generated_at=report["generated_at"],
                        files=dict(files or {}), report=report, **{"delivered": False, **kept, **extra})
    store.put_records("briefings", [record])
    return record


def write_files(config, report: dict[str, Any], formats: Sequence[str] = ("html", "pdf")) -> dict[str, str]:
    """The report's files in ``briefings.folder`` (``<id>.html``, ``<id>.pdf``, ``<id>.docx``)."""
    from briefings import render

    folder = Path(str(config["briefings.folder"])).expanduser()
    name = re.sub(r"[^\w.-]", "_", report["id"])  # an id is never a path
    return {fmt: str(render.write(report, folder / f"{name}.{fmt}")) for fmt in formats}


def recent(store, kind: Optional[str] = None, limit: int = 50) -> list[JsonRecord]:
    """The newest reports first (for the archive page)."""
    return store.find_records("briefings", {"kind": kind} if kind else None, order_by="generated_at",
                              descending=True, limit=limit)


def get(store, report_id: str) -> Optional[JsonRecord]:
    return store.get_record("briefings", report_id)


def audit_export(store, report: dict[str, Any], *, who: str, client: str, detail: str) -> None:
    """One ``export`` event in the audit log: a report left the service (a file written, a mail sent)."""
    from governance import audit

    audit.append(store, "export", who=who, target_kind="briefings", target_id=report["id"], client=client,
                 detail=f"{report['title']}（{report.get('subtitle', '')}）{detail}")
