"""The embedded store: one SQLite file in WAL mode, with Chinese full-text search (FTS5).

Documents are insert-only (``INSERT OR IGNORE``: re-importing adds nothing twice); each batch is one
transaction, so a process killed mid-import leaves whole batches and a re-run completes the rest.
Search indexes title and text as character bigrams in a contentless FTS5 table (see
:mod:`yuqing.storage.textindex` for why). Generic record kinds live in one ``records`` table and are
filtered through ``json_extract``/``json_each`` (:mod:`yuqing.storage.sqlite_records`).

One connection is shared under a lock: the service calls the store from scheduler threads and the
web server, and SQLite serialises writers anyway. Other processes wait up to ``busy_timeout``.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from yuqing import records as R
from yuqing.errors import StoreError
from yuqing.storage import textindex
from yuqing.storage.base import DeleteResult, Hit, PutResult, SearchResult, Store
from yuqing.storage.sqlite_records import RecordsMixin

SCHEMA_VERSION = 1
FACETS = {"day": "strftime('%Y-%m-%d', d.published_at + 28800, 'unixepoch')",  # Asia/Shanghai = UTC+8
          "street": "d.street", "category": "d.category", "source": "d.source", "sentiment": "d.sentiment"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- lean rows, so filters, joins and facets read few pages: the JSON lives beside them by rowid
-- street, category and sentiment are copied from the analysis, for filters and facets without a join
CREATE TABLE IF NOT EXISTS documents (
    id TEXT NOT NULL UNIQUE, published_at REAL NOT NULL, collected_at REAL, source TEXT,
    street TEXT, category TEXT, sentiment TEXT);
CREATE INDEX IF NOT EXISTS documents_street ON documents(street, published_at);
CREATE INDEX IF NOT EXISTS documents_category ON documents(category, published_at);
CREATE TABLE IF NOT EXISTS document_json (rowid INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_published ON documents(published_at);
CREATE INDEX IF NOT EXISTS documents_collected ON documents(collected_at);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source, published_at);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(body, content='', tokenize='unicode61');
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY, street TEXT, district TEXT, category TEXT, sentiment TEXT, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS analyses_street ON analyses(street);
CREATE INDEX IF NOT EXISTS analyses_category ON analyses(category);
CREATE INDEX IF NOT EXISTS analyses_facets ON analyses(id, street, category, sentiment);  -- covers joins
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(kind UNINDEXED, body, tokenize='unicode61');
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _epoch(value: Optional[datetime]) -> Optional[float]:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=R.DEFAULT_TZ)
    return value.timestamp()


class SQLiteStore(RecordsMixin, Store):
    """The embedded default store (one file): ``SQLiteStore(path)``.

    ``synchronous`` is ``FULL``: one fsync per batch costs nothing measurable (100k documents in
    batches of 2,000, two runs of ``bench/bench_storage.py --normal`` on a loaded 2-core machine:
    FULL 7,072 and 9,333 docs/s, NORMAL 7,112 and 6,658) and every returned write then survives a
    power cut, as the interface promises.
    """

    name = "sqlite"

    def __init__(self, path: str | Path, *, batch_size: int = 2000, synchronous: str = "FULL"):
        self.path = Path(path).expanduser()
        self.batch_size = batch_size
        self._lock = threading.RLock()
        self._db = None
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise StoreError(f"SQLite synchronous={synchronous!r}: use NORMAL or FULL")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._tx():
                for statement in _statements():
                    self._db.execute(statement)
                self._check_version()
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise StoreError(f"{self.path}: cannot open the SQLite store ({exc}); check the file and "
                             f"the setting store.path") from None
        except StoreError:
            self.close()
            raise

    @classmethod
    def from_config(cls, config) -> "SQLiteStore":
        return cls(config["store.path"], batch_size=config["store.batch_size"])

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {row[0]} is newer than this engine's "
                             f"({SCHEMA_VERSION}); upgrade the engine or point store.path at another file")

    def _tx(self):
        return _Transaction(self._db, self._lock)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            if self._db is None:
                raise StoreError(f"{self.path}: the store is closed")
            return self._db.execute(sql, params).fetchall()

    # documents ------------------------------------------------------------------------------------
    def put_documents(self, docs: Sequence[R.Document]) -> PutResult:
        result = PutResult()
        for start in range(0, len(docs), self.batch_size):
            self._put_batch(docs[start:start + self.batch_size], result)
        return result

    def _put_batch(self, docs: Sequence[R.Document], result: PutResult) -> None:
        first = len(result.inserted_ids)
        with self._tx() as db:
            for doc in docs:
                cur = db.execute("INSERT OR IGNORE INTO documents(id, published_at, collected_at, source) "
                                 "VALUES (?,?,?,?)", (doc.id, _epoch(doc.published_at), _epoch(doc.collected_at),
                                                      doc.source))
                if cur.rowcount:
                    db.execute("INSERT INTO document_json(rowid, json) VALUES (?,?)", (cur.lastrowid, doc.to_json()))
                    db.execute("INSERT INTO documents_fts(rowid, body) VALUES (?,?)",
                               (cur.lastrowid, textindex.index_text(doc.title, doc.text)))
                    result.inserted += 1
                    result.inserted_ids.append(doc.id)
                else:
                    result.duplicates += 1
            # an analysis stored before its document (a re-import): copy its facets onto the row
            for chunk in _chunks(result.inserted_ids[first:], 500):
                marks = ",".join("?" * len(chunk))
                db.execute(f"UPDATE documents SET (street, category, sentiment) = (SELECT street, category, sentiment "
                           f"FROM analyses a WHERE a.id = documents.id) WHERE id IN ({marks}) AND EXISTS "
                           f"(SELECT 1 FROM analyses a WHERE a.id = documents.id)", chunk)

    def get_documents(self, ids: Sequence[str]) -> list[R.Document]:
        found = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for doc_id, data in self._rows(f"SELECT d.id, j.json FROM documents d JOIN document_json j "
                                           f"ON j.rowid = d.rowid WHERE d.id IN ({marks})", chunk):
                found[doc_id] = data
        return [R.Document.model_validate_json(found[i]) for i in ids if i in found]

    def iter_documents(self, *, since=None, until=None, source=None, batch_size: int = 1000,
                       collected_since=None) -> Iterator[R.Document]:
        where, params = self._time_where("published_at", since, until)
        if collected_since is not None:
            where.append("collected_at >= ?")
            params.append(_epoch(collected_since))
        if source is not None:
            where.append("source = ?")
            params.append(source)
        cursor = (float("-inf"), 0)
        while True:  # keyset pagination: each batch is a short read, no lock held between batches
            page_where = where + ["(published_at > ? OR (published_at = ? AND d.rowid > ?))"]
            rows = self._rows(f"SELECT d.rowid, published_at, j.json FROM documents d JOIN document_json j "
                              f"ON j.rowid = d.rowid WHERE {' AND '.join(page_where)} "
                              f"ORDER BY published_at, d.rowid LIMIT ?",
                              [*params, cursor[0], cursor[0], cursor[1], batch_size])
            for rowid, published, data in rows:
                yield R.Document.model_validate_json(data)
            if len(rows) < batch_size:
                return
            cursor = (rows[-1][1], rows[-1][0])

    @staticmethod
    def _time_where(column: str, since, until) -> tuple[list[str], list[Any]]:
        where, params = ["1=1"], []
        if since is not None:
            where.append(f"{column} >= ?")
            params.append(_epoch(since))
        if until is not None:
            where.append(f"{column} < ?")
            params.append(_epoch(until))
        return where, params

    def documents_without_analysis(self, limit: int = 1000) -> list[R.Document]:
        rows = self._rows("SELECT j.json FROM documents d JOIN document_json j ON j.rowid = d.rowid WHERE NOT EXISTS "
                          "(SELECT 1 FROM analyses a WHERE a.id = d.id) ORDER BY d.collected_at, d.rowid LIMIT ?",
                          (limit,))
        return [R.Document.model_validate_json(r[0]) for r in rows]

    def _filters(self, *, query, since, until, street, category, source,
                 need_docs: bool = False) -> Optional[tuple[str, str, list[Any]]]:
        """(row id expression, FROM … WHERE …, parameters) of a search, or None if the query can match
        nothing. Joins only what the filters need: a bare phrase query reads the FTS index alone."""
        where, params = self._time_where("d.published_at", since, until)
        tables = []
        if query is not None and query.strip():
            match = textindex.fts5_match(query)
            if match is None:
                return None
            tables.append("documents_fts f")
            where.append("documents_fts MATCH ?")
            params.append(match)  # a bound parameter whose every token is a quoted FTS5 string
        needs_docs = need_docs or since is not None or until is not None or source is not None or not tables
        if needs_docs or street is not None or category is not None:
            tables.append("documents d" + (" ON d.rowid = f.rowid" if tables else ""))
        for column, value in (("d.street", street), ("d.category", category), ("d.source", source)):
            if isinstance(value, (list, tuple, set, frozenset)):  # any of (a user scoped to streets)
                if not value:
                    return None
                where.append(f"{column} IN ({', '.join('?' * len(value))})")
                params.extend(value)
            elif value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        fts_first = tables[0].startswith("documents_fts")
        # CROSS JOIN keeps the full-text match as the outer loop: otherwise the planner may walk an
        # index on street and re-run the MATCH once per row (measured: 7 s instead of 30 ms)
        names = _on_to_where(tables, where)
        joiner = " CROSS JOIN " if fts_first else " JOIN "
        return ("f.rowid" if fts_first else "d.rowid"), f"FROM {joiner.join(names)} WHERE {' AND '.join(where)}", params

    def search(self, query: str, *, since=None, until=None, street=None, category=None, source=None,
               limit: int = 20, offset: int = 0) -> SearchResult:
        built = self._filters(query=query, since=since, until=until, street=street, category=category,
                              source=source)
        if built is None:
            return SearchResult(total=0, hits=[])
        rowid, body, params = built
        ranked = bool(query and query.strip())
        total = self._rows(f"SELECT count(*) {body}", params)[0][0]
        if ranked:
            order, score = "bm25(documents_fts)", "-bm25(documents_fts)"
        else:
            order, score = "d.published_at DESC, d.rowid DESC", "0.0"
        page = self._rows(f"SELECT {rowid}, {score} {body} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset])
        texts = dict(self._rows(f"SELECT rowid, json FROM document_json WHERE rowid IN "
                                f"({','.join('?' * len(page))})", [r for r, _ in page])) if page else {}
        hits = []
        for row, rank in page:
            doc = R.Document.model_validate_json(texts[row])
            marks = (textindex.highlight(doc.title or "", query) + textindex.highlight(doc.text, query)
                     if ranked else [])
            hits.append(Hit(document=doc, score=float(rank), highlight=marks))
        return SearchResult(total=total, hits=hits)

    def count_by(self, facet: str, *, since=None, until=None, query=None, street=None,
                 category=None) -> dict[str, int]:
        if facet not in FACETS:
            raise StoreError(f"count_by: unknown facet {facet!r}; use one of {', '.join(FACETS)}")
        key = FACETS[facet]
        built = self._filters(query=query, since=since, until=until, street=street, category=category,
                              source=None, need_docs=True)
        if built is None:
            return {}
        _, body, params = built
        rows = self._rows(f"SELECT {key} AS k, count(*) {body} AND {key} IS NOT NULL GROUP BY k ORDER BY k", params)
        return {k: n for k, n in rows}

    def count_documents(self) -> int:
        return self._rows("SELECT count(*) FROM documents")[0][0]

    # deletion -------------------------------------------------------------------------------------
    def iter_document_ids_stored_before(self, before, *, batch_size: int = 1000) -> Iterator[list[str]]:
        cutoff, last = _epoch(before), 0
        while True:  # keyset on rowid: rows deleted between batches lie behind the cursor
            rows = self._rows("SELECT rowid, id FROM documents WHERE rowid > ? AND (collected_at < ? OR "
                              "(collected_at IS NULL AND published_at < ?)) ORDER BY rowid LIMIT ?",
                              (last, cutoff, cutoff, batch_size))
            if rows:
                yield [doc_id for _, doc_id in rows]
            if len(rows) < batch_size:
                return
            last = rows[-1][0]

    def delete_documents(self, ids: Sequence[str]) -> DeleteResult:
        result = DeleteResult()
        for chunk in _chunks(list(dict.fromkeys(ids)), 500):
            marks = ",".join("?" * len(chunk))
            with self._tx() as db:
                rows = db.execute(f"SELECT d.rowid, j.json FROM documents d JOIN document_json j ON j.rowid = d.rowid "
                                  f"WHERE d.id IN ({marks})", chunk).fetchall()
                for rowid, data in rows:
                    # a contentless FTS5 table forgets a row only when given the text it indexed
                    doc = R.Document.model_validate_json(data)
                    db.execute("INSERT INTO documents_fts(documents_fts, rowid, body) VALUES ('delete', ?, ?)",
                               (rowid, textindex.index_text(doc.title, doc.text)))
                rowids = [r[0] for r in rows]
                if rowids:
                    row_marks = ",".join("?" * len(rowids))
                    db.execute(f"DELETE FROM document_json WHERE rowid IN ({row_marks})", rowids)
                    result.documents += db.execute(f"DELETE FROM documents WHERE rowid IN ({row_marks})",
                                                   rowids).rowcount
                result.analyses += db.execute(f"DELETE FROM analyses WHERE id IN ({marks})", chunk).rowcount
        return result

    # analyses -------------------------------------------------------------------------------------
    def put_analyses(self, analyses: Sequence[R.Analysis]) -> None:
        for chunk in _chunks(list(analyses), self.batch_size):
            with self._tx() as db:
                db.executemany("INSERT OR REPLACE INTO analyses(id, street, district, category, sentiment, json) "
                               "VALUES (?,?,?,?,?,?)",
                               [(a.id, a.location.street, a.location.district, a.top_category, a.sentiment.label,
                                 a.to_json()) for a in chunk])
                db.executemany("UPDATE documents SET street = ?, category = ?, sentiment = ? WHERE id = ?",
                               [(a.location.street, a.top_category, a.sentiment.label, a.id) for a in chunk])

    def get_analyses(self, ids: Sequence[str]) -> list[R.Analysis]:
        found = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for doc_id, data in self._rows(f"SELECT id, json FROM analyses WHERE id IN ({marks})", chunk):
                found[doc_id] = data
        return [R.Analysis.model_validate_json(found[i]) for i in ids if i in found]

    def count_analyses(self) -> int:
        return self._rows("SELECT count(*) FROM analyses")[0][0]

    # key-value state ------------------------------------------------------------------------------
    def get_state(self, key: str) -> Optional[dict[str, Any]]:
        rows = self._rows("SELECT value FROM state WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    def set_state(self, key: str, value: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state(key, value) VALUES (?,?)",
                       (key, json.dumps(value, ensure_ascii=False, default=str)))

    def health(self) -> dict[str, Any]:
        return {"backend": self.name, "ok": self._db is not None, "path": str(self.path)}


def _on_to_where(tables: list[str], where: list[str]) -> list[str]:
    """Move ``ON`` conditions into ``where`` (CROSS JOIN takes none)."""
    names = []
    for table in tables:
        name, _, condition = table.partition(" ON ")
        names.append(name)
        if condition:
            where.insert(0, condition)
    return names


def _statements() -> list[str]:
    return [s.strip() for s in _SCHEMA.split(";") if s.strip()]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` under the store's lock; rolls back on error."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db, self.lock = db, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        if self.db is None:
            self.lock.release()
            raise StoreError("the SQLite store is closed")
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.lock.release()
