"""``yuqing calendar upcoming|show|learn|proposals|accept|reject`` — the risk-event calendar."""
from __future__ import annotations

import argparse
import json
from datetime import date

from yuqing.app.commands import BaseCommand
from yuqing.app.commands import add_common_options as add_options
from yuqing.errors import InputError


def add_common_options(parser) -> None:
    """``--config``, ``-s`` and ``-q`` after the action too (``yuqing calendar upcoming -s k=v``)."""
    add_options(parser, level=2)


def _day(text: str | None, option: str) -> date:
    if not text:
        from yuqing.records import now
        return now().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: write the date as YYYY-MM-DD, for example 2026-01-20") from None


def _print_window(w: dict) -> None:
    where = "、".join(w["streets"]) or "all streets"
    print(f"{w['start']} … {w['end']}  {w['name']}  ×{w['sensitivity']:.1f}  [{', '.join(w['categories'])}] {where}")
    if w["reason"]:
        print(f"    {w['reason']}")
    for note in w.get("notes", []):
        print(f"    note: {note}")


class Command(BaseCommand):
    name = "calendar"
    help = "risk-event calendar: upcoming windows, one day's windows, learned peaks"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        up = sub.add_parser("upcoming", help="windows open or opening within --days days")
        up.add_argument("--days", type=int, default=30)
        up.add_argument("--today", help="YYYY-MM-DD (default: today in Asia/Shanghai)")
        show = sub.add_parser("show", help="windows open on a date, and its sensitivity factors")
        show.add_argument("date", help="YYYY-MM-DD")
        show.add_argument("--category")
        show.add_argument("--street")
        learn = sub.add_parser("learn", help="propose recurring peaks found in the store's history")
        learn.add_argument("--today", help="YYYY-MM-DD: learn from the years before this date")
        learn.add_argument("--documents", action="store_true",
                           help="also count days with documents per category and street")
        sub.add_parser("proposals", help="list learned-peak proposals and their status")
        for action in ("accept", "reject"):
            p = sub.add_parser(action, help=f"{action} a learned-peak proposal")
            p.add_argument("proposal_id")
            p.add_argument("--who", default="analyst")
        for p in sub.choices.values():
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_common_options(p)

    def run(self, args, ctx) -> int:
        return getattr(self, f"_{args.action}")(args, ctx)

    def _calendar(self, ctx, today=None):
        from event_calendar import Calendar
        return Calendar.from_config(ctx.config, ctx.store, today=today)

    def _upcoming(self, args, ctx) -> int:
        if args.days < 0:
            raise InputError(f"--days {args.days}: give a number of days of 0 or more")
        today = _day(args.today, "--today")
        windows = self._calendar(ctx, today).upcoming(today, args.days)
        for w in windows:
            if args.format == "json":
                print(json.dumps(w, ensure_ascii=False))
            else:
                _print_window(w)
        if args.format == "text" and not windows:
            print(f"no calendar window open or opening by {today} + {args.days} days")
        return 0

    def _show(self, args, ctx) -> int:
        day = _day(args.date, "date")
        calendar = self._calendar(ctx, day)
        windows = calendar.active(day, args.category, args.street)
        factor = calendar.sensitivity(day, args.category, args.street)
        if args.format == "json":
            print(json.dumps({"date": day.isoformat(), "sensitivity": factor, "windows": windows}, ensure_ascii=False))
            return 0
        print(f"{day}: sensitivity ×{factor:.2f}" + (f" for {args.category}" if args.category else "")
              + (f" in {args.street}" if args.street else ""))
        for w in windows:
            _print_window(w)
        return 0

    def _learn(self, args, ctx) -> int:
        from event_calendar.peaks import learn
        cfg = ctx.config
        sources = ("incidents", "alerts") + (("documents",) if args.documents else ())
        records = learn(ctx.store, _day(args.today, "--today"), years=cfg["calendar.learn.years"],
                        alpha=cfg["calendar.learn.alpha"], min_years=cfg["calendar.learn.min_years"],
                        min_ratio=cfg["calendar.learn.min_ratio"], sources=sources)
        self._print_proposals(records, args.format)
        if args.format == "text":
            print(f"{len(records)} peaks proposed; accept one with `yuqing calendar accept ID`")
        return 0

    def _proposals(self, args, ctx) -> int:
        self._print_proposals(ctx.store.find_records("calendar_proposals", order_by="id"), args.format)
        return 0

    def _decide(self, args, ctx, status) -> int:
        from event_calendar.peaks import decide
        record = decide(ctx.store, args.proposal_id, status, args.who)
        self._print_proposals([record], args.format)
        return 0

    def _accept(self, args, ctx) -> int:
        return self._decide(args, ctx, "accepted")

    def _reject(self, args, ctx) -> int:
        return self._decide(args, ctx, "rejected")

    @staticmethod
    def _print_proposals(records, fmt) -> None:
        for r in records:
            if fmt == "json":
                print(json.dumps(r.model_dump(mode="json"), ensure_ascii=False))
            else:
                print(f"{r.id}  [{r.status}]  {r.evidence}")
