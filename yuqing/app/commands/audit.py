"""``yuqing audit`` — read the audit log (审计日志): sign-ins, views of personal data, changes, purges."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError

_RELATIVE = re.compile(r"^(\d{1,5})([dh])$")


def parse_since(value: str | None) -> datetime | None:
    """``2026-12-01``, ``2026-12-01T08:00``, or relative: ``7d`` (days), ``12h`` (hours) before now."""
    from yuqing.importer import parse_time
    from yuqing.records import now

    if not value:
        return None
    relative = _RELATIVE.match(value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now() - (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InputError(f"--since {value!r} {exc}; write a date such as 2026-12-01, or 7d / 12h") from None


class Command(BaseCommand):
    name = "audit"
    help = "the audit log, newest first: who signed in, saw personal data, changed or purged what"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only events from this date/time on (2026-12-01), or 7d / 12h ago")
        parser.add_argument("--user", help="only this user's events")
        parser.add_argument("--action", action="append",
                            help="only this action (repeatable): sign_in, sign_in_failed, sign_out, "
                                 "view_personal_data, state_change, export, purge, delete_document")
        parser.add_argument("--limit", type=int, default=100, help="at most this many events (default 100)")
        parser.add_argument("--format", choices=("table", "json"), default="table",
                            help="table for people, json for one event per line (JSONL)")

    def run(self, args, ctx) -> int:
        from governance import audit
        from yuqing.records import DEFAULT_TZ

        if args.limit < 1:
            raise InputError(f"--limit must be 1 or more, not {args.limit}")
        since = parse_since(args.since)
        events = audit.find(ctx.store, since=since, who=args.user, actions=args.action or (), limit=args.limit)
        if args.format == "json":
            for event in events:
                print(event.to_json())
            return 0
        if not events:
            print("没有符合条件的审计记录 (no audit events match)")
            return 0
        print(f"{'时间':<19}  {'用户':<12} {'角色':<9} {'操作':<10} {'对象':<24} {'来源':<15} 详情")
        for e in events:
            print(f"{e.when.astimezone(DEFAULT_TZ):%Y-%m-%d %H:%M:%S}  "
                  f"{e.who:<12} {e.role or '-':<9} {e.action_label:<10} {e.target_label or '-':<24} "
                  f"{e.client or '-':<15} {e.detail}")
        return 0
