"""``yuqing dispatch`` — 报送 from the command line: send, list, chase, and the handling statistics.

* ``yuqing dispatch send ALERT --department D --by NAME [--note TEXT]`` — a 报送单 to D (a
  department of ``alerts.routing``), its signed link sent by the department's notifiers.
* ``yuqing dispatch list [--alert ID] [--state S] [--department D] --format json`` — orders, newest
  first, one JSON object per line (without links: a link is the department's credential).
* ``yuqing dispatch chase [--now TIME]`` — one run of the service's dispatch job (chase, escalate,
  re-send), as if the clock read TIME.
* ``yuqing dispatch stats [--since DATE] [--until DATE] [--street S …] --format json`` — one object:
  ``{"since", "until", "now", "total", "departments": [{"department", "orders", "open", "accepted",
  "closed", "returned", "median_minutes_to_accept", "median_minutes_to_close", "overdue"}],
  "streets": [{"street", …the same figures}]}`` (:mod:`dispatch.stats`).
"""
from __future__ import annotations

import json

from yuqing.app.commands import BaseCommand
from yuqing.app.commands import add_common_options as add_options
from yuqing.errors import InputError


def _time(value, option):
    from yuqing.app.commands.audit import parse_since

    try:
        return parse_since(value)
    except InputError as exc:
        raise InputError(str(exc).replace("--since", option, 1)) from None


class Command(BaseCommand):
    name = "dispatch"
    help = "报送 to departments: send, list, chase overdue orders, handling statistics"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        send = sub.add_parser("send", help="send a 报送单 of an alert to a department")
        send.add_argument("alert_id")
        send.add_argument("--department", required=True, help="a department of alerts.routing")
        send.add_argument("--by", required=True, help="who dispatches (your name)")
        send.add_argument("--note", default="", help="what the department should do")
        lst = sub.add_parser("list", help="orders, newest first")
        lst.add_argument("--alert", help="only the orders of this alert")
        lst.add_argument("--state", choices=("sent", "accepted", "returned", "closed", "withdrawn"))
        lst.add_argument("--department")
        lst.add_argument("--limit", type=int, default=200)
        chase = sub.add_parser("chase", help="chase and escalate overdue orders once (the service's job)")
        chase.add_argument("--now", help="as if the clock read this time (2026-12-01T10:00+08:00)")
        stats = sub.add_parser("stats", help="per department and per street: items, median times, overdue")
        stats.add_argument("--since", help="orders dispatched from this date/time (2026-12-01), or 7d / 12h ago")
        stats.add_argument("--until", help="orders dispatched before this date/time")
        stats.add_argument("--street", action="append", help="only this street (repeatable)")
        for p in sub.choices.values():
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_options(p, level=2)

    def run(self, args, ctx) -> int:
        return getattr(self, f"_{args.action}")(args, ctx)

    def _send(self, args, ctx) -> int:
        from dispatch.orders import dispatch_alert

        order = dispatch_alert(ctx.store, ctx.config, args.alert_id, args.department, by=args.by, note=args.note)
        if args.format == "json":
            print(order.to_json())
            return 0
        sent = [n for n in order.notifications if n.state == "sent"]
        failed = [n for n in order.notifications if n.state == "failed"]
        print(f"报送单 {order.id} 已发给 {order.department}：通知成功 {len(sent)} 个，失败 {len(failed)} 个"
              + ("（服务的 dispatch 任务会重发）" if failed else ""))
        for n in failed:
            print(f"  {n.notifier}: {n.error}")
        return 0

    def _list(self, args, ctx) -> int:
        from dispatch.records import KIND

        if args.limit < 1:
            raise InputError(f"--limit must be 1 or more, not {args.limit}")
        where = {k: v for k, v in (("alert_id", args.alert), ("state", args.state),
                                   ("department", args.department)) if v}
        orders = ctx.store.find_records(KIND, where or None, order_by="created_at", descending=True, limit=args.limit)
        for order in orders:
            if args.format == "json":
                print(order.to_json())
            else:
                print(f"{order.created_at:%Y-%m-%d %H:%M}  {order.id}  {order.state_label:<8} {order.department}  "
                      f"预警 {order.alert_id}")
        return 0

    def _chase(self, args, ctx) -> int:
        from dispatch.deadlines import chase

        counts = chase(ctx.store, ctx.config, _time(args.now, "--now"))
        if args.format == "json":
            print(json.dumps(counts, ensure_ascii=False))
        else:
            print(f"未结报送单 {counts['open']} 件：催办 {counts['chased']}，升级 {counts['escalated']}，"
                  f"撤回 {counts['withdrawn']}，重发通知 {counts['resent']}")
        return 0

    def _stats(self, args, ctx) -> int:
        from dispatch.stats import dispatch_stats

        result = dispatch_stats(ctx.store, since=_time(args.since, "--since"), until=_time(args.until, "--until"),
                                streets=args.street)
        if args.format == "json":
            print(json.dumps(result, ensure_ascii=False))
            return 0
        for key, title in (("departments", "部门"), ("streets", "街道")):
            print(f"{title:<12} 报送 签收 办结 退回 超时 签收中位(分) 办结中位(分)")
            for row in result[key]:
                name = row["department" if key == "departments" else "street"]
                print(f"{name:<12} {row['orders']:>4} {row['accepted']:>4} {row['closed']:>4} {row['returned']:>4} "
                      f"{row['overdue']:>4} {_num(row['median_minutes_to_accept']):>12} "
                      f"{_num(row['median_minutes_to_close']):>12}")
        return 0


def _num(value) -> str:
    return "—" if value is None else f"{value:.1f}"
