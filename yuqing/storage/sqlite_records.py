"""Generic record collections of the SQLite store: one ``records`` table filtered through JSON.

A record is kept as its JSON with an integer ``version`` (the optimistic-concurrency token) and is
filtered with ``json_extract``; a field holding a list matches by membership through ``json_each``.
ISO times are compared through ``julianday`` so that ``+08:00`` and ``Z`` times order correctly.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Optional, Sequence

from pydantic import BaseModel

from yuqing.errors import ConflictError, StoreError
from yuqing.storage import textindex
from yuqing.storage.base import Kind, Range, Versioned, check_fields, check_kind

_ISO_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*"


def _norm(expr: str) -> str:
    """An SQL expression that turns ISO date-times into comparable julian days, leaving others."""
    return f"(CASE WHEN typeof({expr})='text' AND {expr} GLOB '{_ISO_GLOB}' THEN julianday({expr}) ELSE {expr} END)"


def _param(value: Any) -> tuple[str, list[Any]]:
    """SQL placeholder and parameter for a filter value (times go through ``julianday`` too)."""
    if isinstance(value, datetime):
        return "julianday(?)", [value.isoformat()]
    if isinstance(value, str) and len(value) > 10 and value[4] == "-" and value[10] == "T":
        return "julianday(?)", [value]
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return "?", [value]


def dump_record(kind: Kind, record: Any) -> tuple[str, dict[str, Any]]:
    """The record's id and JSON-ready dict, validated as the kind's model."""
    if not isinstance(record, kind.model):
        record = kind.model.model_validate(record.model_dump(mode="json") if isinstance(record, BaseModel)
                                           else record)
    data = record.model_dump(mode="json")
    record_id = data.get("id")
    if not record_id:
        raise StoreError(f"{kind.name}: a record without an id cannot be stored")
    return str(record_id), data


def record_text(kind: Kind, data: dict[str, Any]) -> str:
    """The searchable text of a record: its text fields, lists joined."""
    parts = []
    for name in kind.text_fields:
        value = data.get(name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    return textindex.index_text(*parts)


class RecordsMixin:
    """``put_records`` … ``delete_record`` of :class:`~yuqing.storage.sqlite.SQLiteStore`."""

    def put_records(self, kind: str, records: Sequence[BaseModel]) -> None:
        spec = check_kind(kind)
        with self._tx() as db:
            for record in records:
                record_id, data = dump_record(spec, record)
                self._write(db, spec, record_id, data)

    def _write(self, db, spec: Kind, record_id: str, data: dict[str, Any]) -> int:
        row = db.execute("INSERT INTO records(kind, id, version, data) VALUES (?,?,1,?) ON CONFLICT(kind, id) "
                         "DO UPDATE SET version = version + 1, data = excluded.data RETURNING rowid, version",
                         (spec.name, record_id, json.dumps(data, ensure_ascii=False))).fetchone()
        if spec.text_fields:
            db.execute("DELETE FROM records_fts WHERE rowid = ?", (row[0],))
            db.execute("INSERT INTO records_fts(rowid, kind, body) VALUES (?,?,?)",
                       (row[0], spec.name, record_text(spec, data)))
        return row[1]

    def get_versioned(self, kind: str, record_id: str) -> Optional[Versioned]:
        spec = check_kind(kind)
        rows = self._rows("SELECT data, version FROM records WHERE kind = ? AND id = ?", (spec.name, record_id))
        if not rows:
            return None
        return Versioned(record=spec.model.model_validate_json(rows[0][0]), version=str(rows[0][1]))

    def update_record(self, kind: str, record: BaseModel, expected_version: Optional[str]) -> str:
        spec = check_kind(kind)
        record_id, data = dump_record(spec, record)
        with self._tx() as db:
            row = db.execute("SELECT version FROM records WHERE kind = ? AND id = ?", (spec.name, record_id)).fetchone()
            current = str(row[0]) if row else None
            if current != (None if expected_version is None else str(expected_version)):
                what = "already exists" if expected_version is None else (
                    f"is at version {current}, not {expected_version}" if current else "does not exist")
                raise ConflictError(f"{kind} {record_id!r} {what}: someone else wrote it first; "
                                    f"read it again and retry")
            return str(self._write(db, spec, record_id, data))

    def _where(self, spec: Kind, where: Optional[dict[str, Any]], since=None, until=None) -> tuple[str, list[Any]]:
        clauses, params = ["r.kind = ?"], [spec.name]
        check_fields(spec, (where or {}).keys())
        for name, value in (where or {}).items():
            sql, args = self._condition(name, value)
            clauses.append(sql)
            params.extend(args)
        if since is not None or until is not None:
            if not spec.time_field:
                raise StoreError(f"{spec.name}: since/until need a time field, and this kind declares none")
            sql, args = self._condition(spec.time_field, Range(gte=since, lt=until))
            clauses.append(sql)
            params.extend(args)
        return " AND ".join(clauses), params

    def _condition(self, name: str, value: Any) -> tuple[str, list[Any]]:
        if name == "id":
            return self._test("r.id", value)
        path = f"'$.\"{name}\"'"  # name is a declared field (checked), never user text
        column = f"json_extract(r.data, {path})"
        if value is None:
            return f"{column} IS NULL", []
        scalar_sql, scalar_args = self._test(_norm(column), value)
        member_sql, member_args = self._test(_norm("j.value"), value)
        return (f"(CASE WHEN json_type(r.data, {path}) = 'array' THEN EXISTS (SELECT 1 FROM "
                f"json_each(r.data, {path}) j WHERE {member_sql}) ELSE {scalar_sql} END)",
                member_args + scalar_args)

    @staticmethod
    def _test(expr: str, value: Any) -> tuple[str, list[Any]]:
        if isinstance(value, Range):
            parts, args = [], []
            for op, bound in ((">=", value.gte), ("<", value.lt)):
                if bound is not None:
                    mark, arg = _param(bound)
                    parts.append(f"{expr} {op} {mark}")
                    args += arg
            return ("(" + " AND ".join(parts) + ")" if parts else "1=1"), args
        if isinstance(value, (list, tuple, set, frozenset)):
            if not value:
                return "0=1", []
            marks, args = zip(*(_param(v) for v in value))
            return f"{expr} IN ({', '.join(marks)})", [a for arg in args for a in arg]
        if value is None:
            return f"{expr} IS NULL", []
        mark, args = _param(value)
        return f"{expr} = {mark}", args

    def find_records(self, kind: str, where=None, *, since=None, until=None, order_by=None, descending=False,
                     limit=None, offset=0) -> list[BaseModel]:
        spec = check_kind(kind)
        clause, params = self._where(spec, where, since, until)
        order = "r.id"
        if order_by:
            check_fields(spec, [order_by])
            key = "r.id" if order_by == "id" else _norm(f"json_extract(r.data, '$.\"{order_by}\"')")
            order = f"{key} {'DESC' if descending else 'ASC'}, r.id"
        rows = self._rows(f"SELECT r.data FROM records r WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
                          [*params, -1 if limit is None else limit, offset])
        return [spec.model.model_validate_json(r[0]) for r in rows]

    def count_records(self, kind: str, where=None) -> int:
        spec = check_kind(kind)
        clause, params = self._where(spec, where)
        return self._rows(f"SELECT count(*) FROM records r WHERE {clause}", params)[0][0]

    def search_records(self, kind: str, query: str, *, where=None, limit: int = 20) -> list[tuple[BaseModel, float]]:
        spec = check_kind(kind)
        if not spec.text_fields:
            raise StoreError(f"{kind}: this kind declares no text fields to search")
        match = textindex.fts5_match(query)
        if match is None:
            return []
        clause, params = self._where(spec, where)
        rows = self._rows(f"SELECT r.data, -bm25(records_fts) FROM records_fts f JOIN records r ON r.rowid = f.rowid "
                          f"WHERE records_fts MATCH ? AND f.kind = ? AND {clause} ORDER BY bm25(records_fts) LIMIT ?",
                          [match, spec.name, *params, limit])
        return [(spec.model.model_validate_json(data), float(score)) for data, score in rows]

    def delete_record(self, kind: str, record_id: str) -> bool:
        spec = check_kind(kind)
        with self._tx() as db:
            row = db.execute("DELETE FROM records WHERE kind = ? AND id = ? RETURNING rowid",
                             (spec.name, record_id)).fetchone()
            if row and spec.text_fields:
                db.execute("DELETE FROM records_fts WHERE rowid = ?", (row[0],))
            return row is not None
