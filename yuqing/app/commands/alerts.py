"""``yuqing alerts`` — the alert queue: list, show, act on an alert, and try a rule on a file."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from alerts.lifecycle import ACTIONS
from yuqing.app.commands import BaseCommand, add_common_options

log = logging.getLogger(__name__)


def _parser_with(common):
    class ActionParser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("parents", [common])
            super().__init__(*args, **kwargs)
    return ActionParser


class Command(BaseCommand):
    name = "alerts"
    help = "the alert queue: list|show|ack|dispatch|resolve|dismiss|duplicate|test-rule"
    needs_store = True

    def add_arguments(self, parser):
        # the common options also after the action (`yuqing alerts list --config x`); SUPPRESS keeps
        # a value given before the action
        common = argparse.ArgumentParser(add_help=False)
        add_common_options(common, level=2)
        sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=_parser_with(common))
        lst = sub.add_parser("list", help="alerts, newest first")
        lst.add_argument("--format", choices=("text", "json"), default="text")
        for key in ("state", "severity", "street", "rule", "category"):
            lst.add_argument(f"--{key}", action="append", help=f"only alerts with this {key} (repeatable)")
        lst.add_argument("--open", action="store_true", help="only open alerts (new, acknowledged, dispatched)")
        lst.add_argument("--limit", type=int, default=200)
        show = sub.add_parser("show", help="one alert with its history and deliveries")
        show.add_argument("id")
        for verb in ACTIONS:
            p = sub.add_parser(verb, help=f"move an alert to {ACTIONS[verb]}")
            p.add_argument("id")
            p.add_argument("--by", required=True, help="who acts")
            p.add_argument("--note", default="")
            if verb in ("ack", "dispatch"):
                p.add_argument("--assignee", default=None)
            if verb == "duplicate":
                p.add_argument("--of", default=None, help="id of the alert this one repeats")
        test = sub.add_parser("test-rule", help="run one rule over a JSONL file and print what it would raise")
        test.add_argument("rule", help="a rule name from alerts.rules_dirs, or a rule file (.yaml)")
        test.add_argument("--data", required=True, help="documents (JSONL)")
        test.add_argument("--analyses", default=None, help="their analyses (JSONL), instead of analysing them")
        test.add_argument("--incidents", default=None, help="incident records (JSONL) for incident rules")
        test.add_argument("--no-analyze", action="store_true", help="use the documents' text alone")
        test.add_argument("--now", default=None, help="evaluation time (ISO); default: the newest document's")
        test.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        if not args.action:
            print("yuqing alerts: say what to do: list, show, ack, dispatch, resolve, dismiss, duplicate or "
                  "test-rule", file=sys.stderr)
            return 2
        if args.action == "list":
            return self._list(args, ctx)
        if args.action == "show":
            return self._show(args, ctx)
        if args.action == "test-rule":
            from alerts.trial import try_rule
            return try_rule(args, ctx)
        return self._act(args, ctx)

    def _list(self, args, ctx) -> int:
        from yuqing.records import OPEN_ALERT_STATES
        import alerts.delivery  # noqa: F401  (declares the deliveries kind)

        where = {k: getattr(args, k) for k in ("state", "severity", "street", "rule", "category") if getattr(args, k)}
        if args.open and "state" not in where:
            where["state"] = list(OPEN_ALERT_STATES)
        found = ctx.store.find_records("alerts", where or None, order_by="created_at", descending=True,
                                       limit=args.limit)
        for alert in found:
            if args.format == "json":
                print(alert.to_json())
            else:
                print(f"{alert.id}  {alert.severity:<6} {alert.state:<12} {alert.created_at:%m-%d %H:%M}  "
                      f"{alert.street or '-':<8} {alert.title}")
        return 0

    def _show(self, args, ctx) -> int:
        import alerts.delivery  # noqa: F401
        from yuqing.errors import NotFound

        alert = ctx.store.get_record("alerts", args.id)
        if alert is None:
            raise NotFound(f"no alert with id {args.id!r}; `yuqing alerts list` shows the ids")
        data = alert.model_dump(mode="json")
        data["deliveries"] = [d.model_dump(mode="json") for d in
                              ctx.store.find_records("alert_deliveries", {"alert_id": alert.id}, order_by="created_at")]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0

    def _act(self, args, ctx) -> int:
        from alerts.lifecycle import transition

        alert = transition(ctx.store, args.id, ACTIONS[args.action], by=args.by, note=args.note,
                           assignee=getattr(args, "assignee", None), duplicate_of=getattr(args, "of", None))
        from governance import audit  # every state change is audited, from the web UI or from here

        change = alert.history[-1]
        audit.append(ctx.store, "state_change", who=args.by, target_kind="alerts", target_id=alert.id,
                     client="command line", detail=f"{change.from_state or '—'} → {change.to_state}"
                     + (f"，备注：{args.note}" if args.note else ""))
        print(f"alert {alert.id}: {alert.history[-1].from_state} → {alert.state}"
              + (f", assignee {alert.assignee}" if alert.assignee else ""))
        return 0
