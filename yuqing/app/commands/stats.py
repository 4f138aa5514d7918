"""``yuqing stats`` — what the store holds; ``--by street|category|day``: the street statistics.

Without ``--by`` the output is unchanged (the contract's ``stats`` object). With it, ``--format
json`` prints one object ``{"by", "since", "until", "streets", "rows": [{"key", "documents",
"negative", "negative_share", "incidents", "alerts": {"red", "orange", "yellow", "blue"},
"alerts_total"}]}`` (:mod:`yuqing.statistics`).
"""
from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta

from yuqing.app.commands import BaseCommand
from yuqing.records import DEFAULT_TZ, SEVERITIES


class Command(BaseCommand):
    name = "stats"
    help = "what the store holds: documents, analyses, incidents, alerts, cases, sources"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--by", choices=("street", "category", "day"),
                            help="break the figures down per street, risk category or day")
        parser.add_argument("--street", action="append", help="only this street (repeat for several)")
        parser.add_argument("--since", help="from this date (YYYY-MM-DD)")
        parser.add_argument("--until", help="up to and including this date (YYYY-MM-DD)")
        parser.add_argument("--days", type=int, default=30, help="with --by day and no --since: how many days")

    def run(self, args, ctx) -> int:
        if args.by:
            return self.breakdown(args, ctx)
        stats = ctx.store.stats()
        if args.format == "json":
            print(json.dumps(stats, ensure_ascii=False, default=str))
            return 0
        for key in ("documents", "analyses", "incidents", "alerts", "cases"):
            print(f"{key:<10} {stats[key]:>10,}")
        for source in stats["sources"]:
            print(f"source {source['name']}: {source['state'] or 'unknown'}, last success "
                  f"{source['last_success'] or 'never'}")
        return 0

    def breakdown(self, args, ctx) -> int:
        from yuqing import statistics, vocabulary

        try:
            since, until = _date(args.since, "--since"), _date(args.until, "--until")
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        if until is not None:
            until += timedelta(days=1)
        if args.days < 1:
            print(f"--days must be a whole number from 1, not {args.days}", file=sys.stderr)
            return 2
        result = statistics.breakdown(ctx.store, args.by, streets=args.street, since=since, until=until,
                                      days=args.days)
        if args.format == "json":
            print(json.dumps(result, ensure_ascii=False))
            return 0
        print(f"{'':<14} {'documents':>10} {'negative':>9} {'incidents':>9}  alerts (red/orange/yellow/blue)")
        for row in result["rows"]:
            key = vocabulary.label("category", row["key"]) if args.by == "category" else row["key"]
            alerts = "/".join(str(row["alerts"][s]) for s in SEVERITIES)
            print(f"{key:<14} {row['documents']:>10,} {row['negative_share']:>8.0%} {row['incidents']:>9}  {alerts}")
        return 0


def _date(value, option: str):
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), DEFAULT_TZ)
    except ValueError:
        raise ValueError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None
