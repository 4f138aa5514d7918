"""Hand-over to the rescue teams (交接): the board as their sheet (XLSX/CSV), and the sheet back.

The columns are the ones the 2021 volunteers' sheets used: 时间、地址、街道、联系人、电话、人数、
重点人群、需求、状态、核实人、备注、原帖链接, plus 编号 (the request id) first, so a returned sheet
matches its rows exactly. Personal data is written in full: the operator who exports has the
rights (the command is run on the server), and each export is an audit ``export`` event naming the
file and the row count.

Importing reads XLSX or CSV with Chinese headers through the hostile-input readers of
:mod:`yuqing.importer` (zip-bomb checks, encodings, over-long cells); a row is matched to a
request by 编号, else by 电话; its 状态 (a Chinese label or a key), 备注 and 核实人 update the row.
A row matching nothing, or with an unknown status or a move the board does not allow, is reported
with its file, line and field and skipped. Nothing is ever created, so importing twice duplicates
nothing.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Optional

from desk import board
from yuqing.errors import InputError, YuqingError
from yuqing.records import DEFAULT_TZ

COLUMNS = ("编号", "时间", "地址", "街道", "联系人", "电话", "人数", "重点人群", "需求", "状态", "核实人", "备注", "原帖链接")
VULNERABLE = {"elderly": "老人", "child": "儿童", "infant": "婴儿", "pregnant": "孕妇", "disabled": "残障人士",
              "patient": "病人"}
NEEDS = {"evacuation": "转移", "medical": "送医", "food_water": "食物饮水", "power": "电力", "medicine": "药品",
         "shelter": "安置", "other": "其他"}


def _when(value: Optional[str]) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M")


def sheet_rows(store, rows: Iterable[dict]) -> list[list]:
    """One list of cells per request, in :data:`COLUMNS` order."""
    rows = list(rows)
    doc_ids = [d["doc_ids"][0] for d in rows if d.get("doc_ids")]
    urls = {doc.id: doc.url or "" for doc in store.get_documents(doc_ids)} if doc_ids else {}
    authors = {doc.id: doc.author or "" for doc in store.get_documents(doc_ids)} if doc_ids else {}
    out = []
    for data in rows:
        first = (data.get("doc_ids") or [""])[0]
        status = board.status_of(data)
        notes = "；".join(n.get("text", "") for n in data.get("notes") or [])
        out.append([
            data["id"], _when(data.get("first_seen")), data.get("address") or "", data.get("street") or "",
            data.get("contact") or authors.get(first, ""), "、".join(data.get("phones") or []),
            data.get("people_count") or "", "、".join(VULNERABLE.get(v, v) for v in data.get("vulnerable") or []),
            "、".join(NEEDS.get(n, n) for n in data.get("needs") or []), board.STATUSES.get(status, status),
            data.get("verified_by") or "", notes, urls.get(first, ""),
        ])
    return out


def export(store, path: Path, *, statuses: Iterable[str] = (), by: str = "") -> int:
    """Write the board (or the rows of ``statuses``) to ``path`` (.xlsx or .csv); returns the row count."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"--output {path}: write .xlsx or .csv")
    statuses = list(statuses)
    cells = sheet_rows(store, board.list_requests(store, statuses=statuses))
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel opens it as UTF-8
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(cells)
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "求救信息"
        sheet.append(list(COLUMNS))
        for line in cells:
            sheet.append(line)
        for letter, width in zip("ABCDEFGHIJKLM", (22, 17, 36, 12, 10, 16, 6, 14, 16, 10, 10, 40, 40)):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        book.save(path)
    from governance import audit

    audit.append(store, "export", who=by or "desk", role="desk", target_kind=board.KIND,
                 detail=f"救援台导出 {len(cells)} 条（含个人信息）到 {path.name}"
                 + (f"，状态 {','.join(statuses)}" if statuses else ""))
    return len(cells)


@dataclass
class ImportResult:
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: int = 0

    def as_dict(self) -> dict:
        return {"updated": len(self.updated), "unchanged": self.unchanged, "errors": self.errors,
                "request_ids": self.updated}


def _rows(path: Path, report: Callable[[str], None]):
    from yuqing.importer import ImportLimits, csv_rows, xlsx_rows

    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if suffix in (".csv", ".tsv"):
        return csv_rows(path, ImportLimits(), report)
    if suffix == ".xlsx":
        return xlsx_rows(path, ImportLimits())
    raise InputError(f"{path}: read .xlsx or .csv (Chinese headers {'、'.join(COLUMNS[:1] + COLUMNS[5:6] + COLUMNS[9:10])}…)")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_sheet(store, path: Path, *, by: str, report: Callable[[str], None]) -> ImportResult:
    """Update statuses, notes and 核实人 from a returned sheet (see the module docstring)."""
    from yuqing.importer import FileRefused

    result = ImportResult()
    by_phone: dict[str, str] = {}
    for data in board.list_requests(store):
        if not data.get("merged_into"):
            for phone in data.get("phones") or []:
                by_phone.setdefault(phone, data["id"])
    seen_headers = False
    try:
        for where, cells in _rows(path, report):
            if not seen_headers:
                seen_headers = True
                missing = [c for c in ("状态",) if c not in cells]
                if missing or not ({"编号", "电话"} & set(cells)):
                    raise InputError(f"{path}: the header row needs 状态 and 编号 or 电话 (found: "
                                     f"{'、'.join(k for k in cells if k) or 'none'})")
            try:
                changed = _import_row(store, cells, by, by_phone)
                if changed:
                    result.updated.append(changed)
                else:
                    result.unchanged += 1
            except YuqingError as exc:
                result.errors += 1
                report(f"{where}: {exc}")
    except FileRefused as exc:
        result.errors += 1
        report(str(exc))
    return result


def _phones(cells: dict) -> list[str]:
    import re

    return re.findall(r"1[3-9]\d{9}", _text(cells.get("电话")))


def _import_row(store, cells: dict, by: str, by_phone: dict[str, str]) -> Optional[str]:
    """The id of the request a row changed, or ``None`` when the row changes nothing."""
    request_id = _text(cells.get("编号"))
    if request_id:
        if store.get_record(board.KIND, request_id) is None:
            raise InputError(f"field 编号: no request {request_id!r} on the board; the row was skipped")
    else:
        phones = _phones(cells)
        request_id = next((by_phone[p] for p in phones if p in by_phone), "")
        if not request_id:
            raise InputError("fields 编号 and 电话: match no request on the board; the row was skipped")
    label = _text(cells.get("状态"))
    if not label:
        raise InputError("field 状态 is empty; the row was skipped")
    try:
        status = board.parse_status(label)
    except InputError as exc:
        raise InputError(f"field 状态: {exc}; the row was skipped") from None
    data, version = board.get(store, request_id)
    note = _text(cells.get("备注"))
    known_notes = {n.get("text") for n in data.get("notes") or []}
    new_note = note and note not in known_notes and note not in "；".join(known_notes)
    verifier = _text(cells.get("核实人"))
    if status == board.status_of(data) and not new_note and (not verifier or verifier == data.get("verified_by")):
        return None
    if status != board.status_of(data):
        try:
            board.set_status(store, request_id, status, by=by, note=note if new_note else "")
        except YuqingError as exc:
            raise InputError(f"field 状态: {exc}; the row was skipped") from None
    elif new_note:
        board.add_note(store, request_id, note, by=by)
    if verifier and verifier != board.get(store, request_id)[0].get("verified_by"):
        def edit(row: dict) -> dict:
            before, row["verified_by"] = row.get("verified_by"), verifier
            return {"from": before, "to": verifier, "note": "核实人（导入）"}
        board.change(store, request_id, by, edit, action="desk_import")
    return request_id
