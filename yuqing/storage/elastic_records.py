"""Generic record kinds and key-value state of the Elasticsearch store (``{prefix}-{kind}``).

Each record is indexed with its declared fields under ``f`` (for filters and sorting), its text
fields in ``text`` and the record itself under ``doc``. Optimistic concurrency uses the node's
``if_seq_no``/``if_primary_term``; the version token is ``"seq:term"``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional, Sequence

from pydantic import BaseModel

from yuqing.errors import ConflictError, StoreError
from yuqing.storage import elastic_schema as S
from yuqing.storage import textindex
from yuqing.storage.base import Kind, Range, Versioned, check_fields, check_kind
from yuqing.storage.sqlite_records import dump_record


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def _text(kind: Kind, data: dict[str, Any]) -> str:
    parts = []
    for name in kind.text_fields:
        value = data.get(name)
        parts.extend(str(v) for v in value) if isinstance(value, list) else parts.append(str(value or ""))
    return "\n".join(p for p in parts if p)


class RecordsMixin:
    """``put_records`` … ``delete_record`` and state of :class:`~yuqing.storage.elastic.ElasticsearchStore`."""

    def _kind_index(self, kind: str) -> tuple[Kind, str]:
        spec = check_kind(kind)
        index = f"{self.prefix}-{spec.name}"
        if spec.name not in self._kinds_ready:
            with self._guard():
                self._create_index(index, S.RECORD_MAPPINGS, {"index.mapping.ignore_malformed": True})
            self._kinds_ready.add(spec.name)
        return spec, index

    @staticmethod
    def _source(spec: Kind, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        fields = {name: data.get(name) for name in spec.fields if name in data}
        return {"doc": data, "f": {**fields, "id": record_id}, "text": _text(spec, data)}

    def put_records(self, kind: str, records: Sequence[BaseModel]) -> None:
        spec, index = self._kind_index(kind)
        body: list[dict[str, Any]] = []
        for record in records:
            record_id, data = dump_record(spec, record)
            body += [{"index": {"_index": index, "_id": record_id}}, self._source(spec, record_id, data)]
        if not body:
            return
        with self._guard():
            response = self.es.bulk(operations=body)
        self._dirty.add(index)
        if response.get("errors"):
            bad = [i["index"] for i in response["items"] if i["index"].get("error")]
            raise StoreError(f"{kind}: Elasticsearch refused {len(bad)} records, e.g. {bad[0]['_id']}: "
                             f"{bad[0]['error'].get('reason')}")

    def get_versioned(self, kind: str, record_id: str) -> Optional[Versioned]:
        from elasticsearch import NotFoundError

        spec, index = self._kind_index(kind)
        try:
            with self._guard():
                got = self.es.get(index=index, id=record_id)
        except NotFoundError:
            return None
        return Versioned(record=spec.model.model_validate(got["_source"]["doc"]),
                         version=f"{got['_seq_no']}:{got['_primary_term']}")

    def update_record(self, kind: str, record: BaseModel, expected_version: Optional[str]) -> str:
        from elasticsearch import ConflictError as EsConflict
        from elasticsearch import NotFoundError

        spec, index = self._kind_index(kind)
        record_id, data = dump_record(spec, record)
        options: dict[str, Any] = {"op_type": "create"}
        if expected_version is not None:
            try:
                seq, term = (int(x) for x in str(expected_version).split(":"))
            except ValueError:
                raise ConflictError(f"{kind} {record_id!r}: version token {expected_version!r} is not of this "
                                    f"store (expected 'seq:term'); read the record again") from None
            options = {"if_seq_no": seq, "if_primary_term": term}
        try:
            with self._guard():
                done = self.es.index(index=index, id=record_id, document=self._source(spec, record_id, data),
                                     **options)
        except (EsConflict, NotFoundError):
            what = "already exists" if expected_version is None else f"changed since version {expected_version}"
            raise ConflictError(f"{kind} {record_id!r} {what}: someone else wrote it first; "
                                f"read it again and retry") from None
        self._dirty.add(index)
        return f"{done['_seq_no']}:{done['_primary_term']}"

    def _filters(self, spec: Kind, where: Optional[dict[str, Any]], since=None, until=None) -> list[dict]:
        check_fields(spec, (where or {}).keys())
        filters: list[dict[str, Any]] = []
        for name, value in (where or {}).items():
            filters.append(self._condition(f"f.{name}", value))
        if since is not None or until is not None:
            if not spec.time_field:
                raise StoreError(f"{spec.name}: since/until need a time field, and this kind declares none")
            filters.append(self._condition(f"f.{spec.time_field}", Range(gte=since, lt=until)))
        return filters

    @staticmethod
    def _condition(field: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {"bool": {"must_not": [{"exists": {"field": field}}]}}
        if isinstance(value, Range):
            bounds = {op: _value(v) for op, v in (("gte", value.gte), ("lt", value.lt)) if v is not None}
            return {"range": {field: bounds}}
        if isinstance(value, (list, tuple, set, frozenset)):
            return {"terms": {field: [_value(v) for v in value]}}
        return {"term": {field: _value(value)}}

    def find_records(self, kind: str, where=None, *, since=None, until=None, order_by=None, descending=False,
                     limit=None, offset=0) -> list[BaseModel]:
        spec, index = self._kind_index(kind)
        query = {"bool": {"filter": self._filters(spec, where, since, until)}}
        sort: list[dict[str, Any]] = []
        if order_by:
            check_fields(spec, [order_by])
            sort.append({f"f.{order_by}": {"order": "desc" if descending else "asc", "unmapped_type": "keyword",
                                            "missing": "_last" if not descending else "_first"}})
        sort.append({"f.id": "asc"})
        wanted = None if limit is None else offset + limit
        out: list[BaseModel] = []
        after = None
        while wanted is None or len(out) < wanted:
            page = 1000 if wanted is None else min(1000, wanted - len(out))
            extra = {"search_after": after} if after else {}
            hits = self._search(index, query=query, sort=sort, size=page, **extra)["hits"]["hits"]
            out.extend(spec.model.model_validate(h["_source"]["doc"]) for h in hits)
            if len(hits) < page:
                break
            after = hits[-1]["sort"]
        return out[offset:]

    def count_records(self, kind: str, where=None) -> int:
        spec, index = self._kind_index(kind)
        return self._count(index, {"bool": {"filter": self._filters(spec, where)}})

    def search_records(self, kind: str, query: str, *, where=None, limit: int = 20) -> list[tuple[BaseModel, float]]:
        spec, index = self._kind_index(kind)
        if not spec.text_fields:
            raise StoreError(f"{kind}: this kind declares no text fields to search")
        parts = [p for p in textindex.query_parts(query) if textindex.tokens(p)]
        if not parts:
            return []
        body = {"bool": {"must": [{"match_phrase": {"text": p}} for p in parts],
                         "filter": self._filters(spec, where)}}
        hits = self._search(index, query=body, size=limit)["hits"]["hits"]
        return [(spec.model.model_validate(h["_source"]["doc"]), float(h["_score"])) for h in hits]

    def delete_record(self, kind: str, record_id: str) -> bool:
        from elasticsearch import NotFoundError

        spec, index = self._kind_index(kind)
        try:
            with self._guard():
                self.es.delete(index=index, id=record_id)
        except NotFoundError:
            return False
        self._dirty.add(index)
        return True

    # key-value state ------------------------------------------------------------------------------
    def get_state(self, key: str) -> Optional[dict[str, Any]]:
        from elasticsearch import NotFoundError

        try:
            with self._guard():
                self._ensure()
                return self.es.get(index=f"{self.prefix}-state", id=key)["_source"]["value"]
        except NotFoundError:
            return None

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        import json

        value = json.loads(json.dumps(value, default=str))  # same JSON round trip as SQLite
        with self._guard():
            self._ensure()
            self.es.index(index=f"{self.prefix}-state", id=key, document={"value": value})
