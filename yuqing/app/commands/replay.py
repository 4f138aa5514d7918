"""``yuqing replay FILE --speed N [--start TIME]`` — a drill (演练): a past event's posts played through
the whole engine as if live (:mod:`desk.replay`).

FILE is JSONL documents (as ``yuqing import`` reads them; CSV and XLSX through the import column
mapping). The replay clock runs N times faster than the wall clock; posts are stored as their
publication time passes on it and every stage runs on it, so the desk's board fills as it did in
the event. Use a store of its own (``-s store.path=drill.sqlite``): the engine's cursors move to
the replayed time. Bad lines are reported with their line number and skipped.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError


class Command(BaseCommand):
    name = "replay"
    help = "a drill: play a past event's posts through the whole engine on a replay clock"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("file", help="the event's posts: JSONL (or CSV/XLSX with the import column mapping)")
        parser.add_argument("--speed", type=float, default=60.0,
                            help="replay seconds per wall second (default 60: an hour in a minute)")
        parser.add_argument("--start", metavar="TIME", help="where the replay clock starts (default: the first "
                            "post); earlier posts are stored at once")
        parser.add_argument("--step", type=float, default=60.0, metavar="SECONDS",
                            help="replay seconds between two engine cycles (default 60)")
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: end with one summary line {posts, cycles, errors, start, end, requests_on_board}")

    def run(self, args, ctx) -> int:
        from desk.replay import replay
        from yuqing.app import scheduler

        if args.speed <= 0:
            raise InputError(f"--speed must be greater than 0, not {args.speed}")
        if args.step <= 0:
            raise InputError(f"--step must be greater than 0, not {args.step}")
        start = _start(args.start) if args.start else None
        docs = _read(Path(args.file), ctx)
        quiet = ctx.quiet or args.format == "json"

        def progress(clock, stored):
            if not quiet:
                print(f"{clock.isoformat()}  +{stored} 篇", file=sys.stderr)

        report = replay(ctx.store, docs, lambda: scheduler.run_once(ctx.config, ctx.store, crawl=False),
                        speed=args.speed, start=start, step_seconds=args.step, on_cycle=progress)
        if args.format == "json":
            print(json.dumps(report.as_dict(), ensure_ascii=False))
        elif not ctx.quiet:
            print(f"演练结束：{report.posts} 篇，{report.cycles} 轮，救援台 {len(report.board_at)} 篇求助上板",
                  file=sys.stderr)
        return 1 if ctx.report.count or report.errors else 0


def _start(value: str):
    from yuqing.importer import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise InputError(f"--start {value!r}: {exc}; write a time such as 2021-07-20T16:00+08:00") from None


def _read(path: Path, ctx) -> list:
    from yuqing.importer import RowMapper, detect_format, iter_documents
    from yuqing.io import read_documents

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path)
    if fmt == "jsonl":
        docs = list(read_documents(str(path), ctx.report))
    else:
        config = ctx.config
        mapper = RowMapper(config["import.columns"], config["import.source"], config["import.source_type"])
        docs = list(iter_documents(path, fmt, mapper, ctx.report))
    seen, unique = set(), []
    for doc in docs:
        if doc.id not in seen:
            seen.add(doc.id)
            unique.append(doc)
    return unique
