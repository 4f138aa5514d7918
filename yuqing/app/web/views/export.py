"""CSV export of the queue and of a search (导出): rows already masked for the visitor's role.

The file opens in Excel as UTF-8 (a byte-order mark first); codes are written with their Chinese
word beside them. A cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is
prefixed with a quote, since crawled titles are hostile. Each export is one ``export`` audit event
(written by the caller, which knows the filters).
"""
from __future__ import annotations

import csv
import io
from typing import Any, Callable, Iterable, Sequence

from starlette.responses import Response

from yuqing import vocabulary

#: (heading, how to get the cell from a JSON record)
Column = tuple[str, Callable[[dict[str, Any]], Any]]

ALERT_COLUMNS: Sequence[Column] = (
    ("编号 id", lambda a: a["id"]),
    ("级别 severity", lambda a: f"{vocabulary.label('severity', a['severity'])} ({a['severity']})"),
    ("状态 state", lambda a: f"{vocabulary.label('state', a['state'])} ({a['state']})"),
    ("标题 title", lambda a: a["title"]),
    ("摘要 summary", lambda a: a.get("summary", "")),
    ("街道 street", lambda a: a.get("street") or ""),
    ("类别 category", lambda a: vocabulary.label("category", a.get("category"), "")),
    ("规则 rule", lambda a: a["rule"]),
    ("负责人 assignee", lambda a: a.get("assignee") or ""),
    ("时间 created_at", lambda a: a["created_at"]),
    ("事件 incident_id", lambda a: a.get("incident_id") or ""),
)

HIT_COLUMNS: Sequence[Column] = (
    ("编号 id", lambda h: h["id"]),
    ("标题 title", lambda h: h.get("title") or ""),
    ("正文 text", lambda h: h.get("text") or ""),
    ("来源 source", lambda h: h.get("source") or ""),
    ("发布时间 published_at", lambda h: h.get("published_at") or ""),
    ("链接 url", lambda h: h.get("url") or ""),
)

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading for heading, _ in columns])
    for row in rows:
        writer.writerow([cell(get(row)) for _, get in columns])
    return "\ufeff" + out.getvalue()


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Response:
    return Response(csv_text(columns, rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})
