"""One crawl of one source (采集): a child process fetches, this process stores.

:class:`CrawlStage` starts ``python -m crawlers.run`` (Scrapy's reactor cannot restart within one
process), reads its events as they come, links near-duplicates, writes documents through the
store, remembers their URLs, and updates the source's health. The cursor (``crawl:cursor:<name>``
in the store's state) advances only when a crawl ran through, and seen ids are recorded only once
their documents are stored, so a crawl killed midway loses nothing and duplicates nothing.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional

from crawlers.dedup import index_for
from crawlers.health import INTERRUPTED, CrawlOutcome, update_health
from crawlers.sources import validate_sources
from yuqing.config import Config
from yuqing.errors import ConfigError, RecordError
from yuqing.pipeline import Stage, StageReport
from yuqing.privacy import mask_text
from yuqing.records import DEFAULT_TZ, Document, parse_record
from yuqing.storage.base import Store
from yuqing.storm import crawl_interval, search_terms, storm_mode

log = logging.getLogger(__name__)

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_BATCH = 200
_FLUSH_SECONDS = 0.5


def configured_sources(config: Config) -> list[dict]:
    """The validated, enabled entries of ``crawl.sources``."""
    sources = validate_sources(config["crawl.sources"], config["crawl.default_interval"])
    return [s for s in sources if s.get("enabled", True)]


def find_source(config: Config, name: str) -> dict:
    for source in validate_sources(config["crawl.sources"], config["crawl.default_interval"]):
        if source["name"] == name:
            return source
    names = ", ".join(s.get("name", "?") for s in config["crawl.sources"]) or "(none configured)"
    raise ConfigError(f"no source named {name!r} in crawl.sources; configured sources: {names}")


def cursor_key(name: str) -> str:
    return f"crawl:cursor:{name}"


class CrawlStage(Stage):
    """Crawl one source once; see the module docstring."""

    def __init__(self, config: Config, store: Store, source_name: str, *, now: Optional[datetime] = None) -> None:
        super().__init__(config, store)
        self.source = find_source(config, source_name)
        self.name = f"crawl:{source_name}"
        self.crawl = config.section("crawl")
        self.now = now
        self.process: Optional[subprocess.Popen] = None

    # cursor -----------------------------------------------------------------------------------
    def load_cursor(self) -> dict[str, Any]:
        return self.store.get_state(cursor_key(self.source["name"])) or {}

    def save_cursor(self, cursor: dict[str, Any]) -> None:
        cursor["seen"] = cursor.get("seen", [])[-int(self.crawl["seen_max"]):]
        self.store.set_state(cursor_key(self.source["name"]), cursor)

    def job(self, cursor: dict[str, Any]) -> dict[str, Any]:
        since = None
        if cursor.get("last_success"):
            since = (datetime.fromisoformat(cursor["last_success"])
                     - timedelta(seconds=int(self.crawl["overlap_seconds"]))).isoformat()
        crawl = {k: v for k, v in self.crawl.items() if k != "sources"}
        storm = storm_mode(self.store)  # 专项采集: the event's words searched, crawls more often
        interval = max(crawl_interval(self.config, storm, int(self.source.get("interval") or 600)), 1)
        source = {**self.source, "max_pages": self.source.get("max_pages") or int(self.crawl["max_pages"])}
        return {"source": source, "crawl": crawl, "now": self.now.isoformat() if self.now else None,
                "storm_terms": search_terms(self.config, storm),
                "cursor": {"since": since, "seen": cursor.get("seen", []), "validators": cursor.get("validators", {}),
                           "complete": not cursor.get("in_progress", False)},
                "redis_run_key": str(int(time.time() // interval)),
                "log_level": "DEBUG" if log.isEnabledFor(logging.DEBUG) else "WARNING"}

    # the run ----------------------------------------------------------------------------------
    def run_once(self) -> StageReport:
        started = datetime.now(DEFAULT_TZ)
        cursor = self.load_cursor()
        outcome = CrawlOutcome(started_at=started, finished_at=started, shared=bool(self.crawl.get("redis_url")))
        validators: dict[str, dict] = dict(cursor.get("validators") or {})
        seen: list[str] = list(cursor.get("seen") or [])
        index = index_for(self.store, float(self.crawl["near_duplicate_threshold"]),
                          int(self.crawl["near_duplicate_days"]))
        stats: dict[str, Any] = {}
        pending: list[Document] = []
        errors: list[dict[str, str]] = []  # every URL that gave nothing, with why
        oldest = time.monotonic()

        def flush() -> None:
            if not pending:
                return
            # oldest first, so a repost is linked to the original and not the other way round
            pending.sort(key=lambda d: d.published_at)
            for doc in pending:
                index.link(doc)
            result = self.store.put_documents(pending)
            outcome.new_documents += result.inserted
            seen.extend(d.id for d in pending)
            pending.clear()
            self.save_cursor({**cursor, "seen": seen})  # stored documents are never fetched again

        job = self.job(cursor)
        interrupted = False
        cursor["in_progress"] = True  # cleared when this crawl runs through
        self.save_cursor({**cursor, "seen": seen})
        try:
            for event in self._events(job):
                if event is None:
                    flush()
                    continue
                kind = event.get("type")
                if kind == "document":
                    doc = self._document(event["document"], outcome)
                    if doc is not None:
                        if not pending:
                            oldest = time.monotonic()
                        pending.append(doc)
                        # a batch is written when full, or when its first document has waited long enough
                        if len(pending) >= _BATCH or time.monotonic() - oldest >= _FLUSH_SECONDS:
                            flush()
                elif kind == "error":
                    outcome.errors += 1
                    outcome.last_error = f"{event.get('url')}: {event.get('reason')}"
                    errors.append({"url": event.get("url"), "reason": event.get("reason")})
                elif kind == "refused":
                    # a hostile link (file://, a private address) was not fetched: listed with the URL
                    # errors, but the source itself did nothing wrong, so its health does not suffer
                    outcome.refused += 1
                    errors.append({"url": event.get("url"), "reason": event.get("reason")})
                elif kind == "validator":
                    validators[event["url"]] = {"etag": event.get("etag"), "last_modified": event.get("last_modified")}
                elif kind == "stats":
                    stats = event.get("stats") or {}
            flush()
            outcome.completed = self.process is not None and self.process.returncode == 0
            # SIGTERM/SIGINT reach the child with the service's own shutdown (Ctrl-C, systemd stop):
            # the source did nothing wrong, and the crawl resumes from its cursor on the next run
            interrupted = self.process is not None and self.process.returncode in (
                -signal.SIGTERM, -signal.SIGINT, INTERRUPTED)
            if not outcome.completed and not interrupted:
                outcome.last_error = outcome.last_error or f"crawl process exited with {self.process.returncode}"
        finally:
            flush()
            self.store.flush()  # what was crawled is visible to searches and the next stages
            self._fill(outcome, stats)
            outcome.finished_at = datetime.now(DEFAULT_TZ)
            if interrupted:
                health = self.store.get_record("sources", self.source["name"])
            else:
                health = update_health(self.store, self.source, outcome, int(self.crawl["blocked_threshold"]),
                                       errors)
                if outcome.completed and health.state in ("ok", "degraded"):
                    self.save_cursor({**cursor, "seen": seen, "validators": validators, "in_progress": False,
                                      "last_success": outcome.started_at.isoformat()})
            self._expire_redis_keys()
        if interrupted:
            log.info("crawl %s interrupted by a signal after %d new documents; its health is unchanged and it "
                     "resumes on its next run", self.source["name"], outcome.new_documents)
            return StageReport(self.name, processed=outcome.documents, created=outcome.new_documents,
                               detail="interrupted", extra={"interrupted": True, "url_errors": errors,
                                                            "health": health.model_dump(mode="json") if health else None})
        log.info("crawl %s: %d documents, %d new, %d errors, state %s", self.source["name"], outcome.documents,
                 outcome.new_documents, outcome.errors, health.state)
        return StageReport(self.name, processed=outcome.documents, created=outcome.new_documents,
                           errors=0 if health.state in ("ok", "degraded") else max(outcome.errors, 1),
                           detail=f"state {health.state}",
                           extra={"health": health.model_dump(mode="json"), "url_errors": errors})

    def _document(self, data: dict, outcome: CrawlOutcome) -> Optional[Document]:
        outcome.documents += 1
        try:
            return parse_record(Document, data, where=f"source {self.source['name']} {data.get('url')}")
        except RecordError as exc:
            outcome.errors += 1
            outcome.last_error = str(exc)
            log.warning("%s", mask_text(str(exc)))
            return None

    @staticmethod
    def _fill(outcome: CrawlOutcome, stats: dict[str, Any]) -> None:
        outcome.requests = int(stats.get("downloader/request_count", 0))
        outcome.responses = int(stats.get("downloader/response_count", 0))
        outcome.blocked_answers = int(stats.get("yuqing/blocked_answers", 0))
        outcome.captcha_pages = int(stats.get("yuqing/captcha_pages", 0))
        outcome.not_modified = int(stats.get("yuqing/not_modified", 0))
        outcome.offsite = int(stats.get("yuqing/offsite", 0))
        outcome.fetch_seconds = float(stats.get("elapsed_time_seconds", 0.0) or 0.0)

    # the child process ------------------------------------------------------------------------
    def _events(self, job: dict[str, Any]):
        """Events of the child, or ``None`` when none arrived for a moment (time to store a batch)."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen([sys.executable, "-m", "crawlers.run"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                        cwd=str(_PROJECT_ROOT))
        lines: "queue.Queue[Optional[bytes]]" = queue.Queue()
        threading.Thread(target=_pump, args=(self.process.stdout, lines), daemon=True).start()
        threading.Thread(target=_log_stderr, args=(self.process.stderr, self.source["name"]), daemon=True).start()
        self.process.stdin.write(json.dumps(job, ensure_ascii=False).encode("utf-8"))
        self.process.stdin.close()
        deadline = time.monotonic() + int(self.crawl["max_run_seconds"]) + 60
        try:
            while True:
                if time.monotonic() > deadline:
                    log.warning("crawl %s ran past crawl.max_run_seconds; stopping it", self.source["name"])
                    self.process.kill()
                    break
                try:
                    line = lines.get(timeout=_FLUSH_SECONDS)
                except queue.Empty:
                    yield None
                    continue
                if line is None:
                    break
                try:
                    yield json.loads(line)
                except ValueError:
                    log.warning("crawl %s: unreadable event line skipped", self.source["name"])
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()

    def _expire_redis_keys(self) -> None:
        url = self.crawl.get("redis_url")
        if not url:
            return
        try:
            import redis

            client = redis.Redis.from_url(url)
            ttl = max(int(self.source.get("interval") or 600) * 2, 60)
            for key in client.scan_iter(match=f"yuqing:crawl:{self.source['name']}:*"):
                if client.ttl(key) == -1:
                    client.expire(key, ttl)
        except Exception as exc:  # Redis trouble must not fail a crawl that stored its documents
            log.warning("crawl %s: could not set expiry on Redis keys: %s", self.source["name"], exc)


def _pump(stream, lines: "queue.Queue[Optional[bytes]]") -> None:
    for line in iter(stream.readline, b""):
        lines.put(line)
    lines.put(None)


def _log_stderr(stream, name: str) -> None:
    for raw in iter(stream.readline, b""):
        text = raw.decode("utf-8", "replace").rstrip()
        if text:
            log.info("crawl %s: %s", name, mask_text(text))
