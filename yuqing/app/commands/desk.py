"""``yuqing desk`` — the emergency desk (救援台) from the command line (:mod:`desk`).

* ``list [--status S …] [--street S] [--limit N] --format json`` — board rows, still-open first, most
  urgent first; JSONL with ``request_id, doc_ids, phones, address, street, people_count, vulnerable,
  needs, urgency, status, assignee, updated_at`` (plus ``status_label``, ``claimed_by``,
  ``claim_until``, ``verified_by``, ``notes``, ``alert_id``, ``first_seen``, ``last_seen``,
  ``merged_into``, ``personal_purged_at``, ``same_phone``: the other open rows listed that give one of
  its phones, likely the same request). ``assignee`` is the rescue team the row was given to.
* ``set ID STATUS [--note TEXT] --by NAME`` — a status (key or Chinese label: verified / 已核实).
* ``claim ID --by NAME`` / ``release ID --by NAME`` — 认领 (expires after ``desk.claim_minutes``).
* ``note ID TEXT --by NAME``, ``assign ID TEAM --by NAME`` — a call's result; 派单 to a team.
* ``merge KEEP OTHER… --by NAME``, ``split ID DOC… [--phone P …] --by NAME`` — by hand, kept by the engine.
* ``undo-followup ID DOC --by NAME`` — undo a follow-up post the engine applied to a row.
* ``export --output FILE.xlsx|csv [--status S …] --by NAME`` — the teams' sheet (personal data in
  full, audited as ``export``); ``import FILE --by NAME`` — statuses back from a returned sheet.
* ``review [--since T] [--until T] --format json`` — the review after an event (复盘).
* ``rumours [--since T] [--until T] [--incident ID] [--keyword W …] --format json`` — rumour claims
  and their denials; ``link-denial CLAIM DOC --by NAME``.
* ``storm on --keywords W … --places P … --by NAME [--note TEXT]`` — storm mode (平急转换) for an event:
  its keywords and places searched by the search and social sources, crawls more often, the desk's
  cards first in the queue and notified to the desk; ``storm off --by NAME`` switches back;
  ``storm status``. Audited.

Everything a command changes is kept in the row's history with ``--by`` and the time, and audited.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.app.commands import add_common_options as add_options
from yuqing.errors import InputError


def _time(value, option):
    from yuqing.app.commands.audit import parse_since

    try:
        return parse_since(value)
    except InputError as exc:
        raise InputError(str(exc).replace("--since", option, 1)) from None


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


class Command(BaseCommand):
    name = "desk"
    help = "the emergency desk: list, claim, verify, hand over and review requests for help"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        lst = sub.add_parser("list", help="board rows, still-open and most urgent first")
        lst.add_argument("--status", action="append", default=[], help="only this status (repeatable; key or 中文)")
        lst.add_argument("--street")
        lst.add_argument("--limit", type=int)
        st = sub.add_parser("set", help="change a row's status")
        st.add_argument("request_id")
        st.add_argument("status", help="new verified dispatched in_progress rescued safe unreachable duplicate "
                        "invalid, or the Chinese label (已核实…)")
        st.add_argument("--note", default="", help="the call's result")
        st.add_argument("--version", help="the version you read (fails if someone changed the row since)")
        for name, helptext in (("claim", "claim a row: you call this number now"), ("release", "give a claim back")):
            p = sub.add_parser(name, help=helptext)
            p.add_argument("request_id")
        note = sub.add_parser("note", help="note a call's result on a row")
        note.add_argument("request_id")
        note.add_argument("text")
        assign = sub.add_parser("assign", help="give a row to a rescue team (派单)")
        assign.add_argument("request_id")
        assign.add_argument("team")
        merge = sub.add_parser("merge", help="merge rows by hand: the others become duplicates of KEEP")
        merge.add_argument("keep")
        merge.add_argument("others", nargs="+")
        split = sub.add_parser("split", help="split posts off a row into a new one")
        split.add_argument("request_id")
        split.add_argument("doc_ids", nargs="+")
        split.add_argument("--phone", action="append", default=[], help="a phone that goes with them (repeatable)")
        undo = sub.add_parser("undo-followup", help="undo a follow-up post applied to a row")
        undo.add_argument("request_id")
        undo.add_argument("doc_id")
        export = sub.add_parser("export", help="the rescue teams' sheet, XLSX or CSV (personal data in full)")
        export.add_argument("--output", required=True, metavar="FILE.xlsx|csv")
        export.add_argument("--status", action="append", default=[], help="only this status (repeatable)")
        imp = sub.add_parser("import", help="statuses back from a returned sheet (XLSX or CSV, Chinese headers)")
        imp.add_argument("file")
        review = sub.add_parser("review", help="after an event: times to first sight, verification, rescue")
        rumours = sub.add_parser("rumours", help="rumour claims with their spread and denial (辟谣)")
        for p in (review, rumours):
            p.add_argument("--since", help="from this date/time (2021-07-20T00:00+08:00), or 7d / 12h ago")
            p.add_argument("--until", help="before this date/time")
        rumours.add_argument("--incident", help="only the posts of this incident")
        rumours.add_argument("--keyword", action="append", default=[], help="only posts with this word (repeatable)")
        rumours.add_argument("--official-source", action="append", default=[], help="a source whose posts are official")
        link = sub.add_parser("link-denial", help="link a denial post to a rumour claim by hand")
        link.add_argument("claim_id")
        link.add_argument("doc_id")
        storm = sub.add_parser("storm", help="switch storm mode on or off (平急转换)")
        storm.add_argument("state", choices=("on", "off", "status"))
        storm.add_argument("--note", default="")
        storm.add_argument("--event", help="the event storm mode is for (a name or an incident id)")
        storm.add_argument("--keywords", nargs="+", action="extend", default=[], metavar="WORD",
                           help="with on: the event's words the search and social sources search (暴雨 内涝)")
        storm.add_argument("--places", nargs="+", action="extend", default=[], metavar="PLACE",
                           help="with on: the event's places, searched too (民治街道 碧水龙庭)")
        changing = {"set", "claim", "release", "note", "assign", "merge", "split", "undo-followup", "export",
                    "import", "link-denial", "storm"}
        for name, p in sub.choices.items():
            if name in changing:
                p.add_argument("--by", required=name not in ("storm",), help="who does it (your name)")
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_options(p, level=2)

    def run(self, args, ctx) -> int:
        return getattr(self, "_" + args.action.replace("-", "_"))(args, ctx)

    # reading -------------------------------------------------------------------------------------
    def _list(self, args, ctx) -> int:
        from desk import board

        if args.limit is not None and args.limit < 1:
            raise InputError(f"--limit must be 1 or more, not {args.limit}")
        rows = board.list_requests(ctx.store, statuses=args.status, street=args.street, limit=args.limit)
        same = board.same_phone(rows)  # rows listed that give one phone: likely one request, merge by hand
        for data in rows:
            row = board.row(data)
            if args.format == "json":
                print(_dump({**row, "same_phone": same.get(data["id"], [])}))
            else:
                claimed = f"  认领:{row['claimed_by']}" if row["claimed_by"] else ""
                twins = f"  同号(可能重复):{','.join(same[data['id']])}" if data["id"] in same else ""
                print(f"{row['request_id']}  {row['status_label']:<6} 紧急度 {float(row['urgency'] or 0):.2f}  "
                      f"{row['street'] or '—'}  {row['address'] or '—'}  {'、'.join(row['phones'])}{claimed}{twins}")
        return 0

    def _review(self, args, ctx) -> int:
        from desk.review import review

        result = review(ctx.store, since=_time(args.since, "--since"), until=_time(args.until, "--until"))
        if args.format == "json":
            print(_dump(result))
            return 0
        print(f"求救 {result['requests']} 条（另有重复 {result['merged_duplicates']}、无效 {result['invalid']}）")
        for key, title in (("minutes_to_first_sight", "发现"), ("minutes_to_verification", "核实"),
                           ("minutes_to_rescue", "救出/平安")):
            s = result[key]
            print(f"  从发帖到{title}：{s['count']} 条，中位 {s['median']} 分钟，P90 {s['p90']}，最长 {s['max']}")
        print(f"  未联系上/未核实：{len(result['never_reached'])} 条")
        for item in result["never_reached"]:
            print(f"    {item['request_id']}  {item['street'] or '—'}  {item['status']}")
        return 0

    def _rumours(self, args, ctx) -> int:
        from desk.rumours import list_rumours

        claims = list_rumours(ctx.store, since=_time(args.since, "--since"), until=_time(args.until, "--until"),
                              incident_id=args.incident, keywords=args.keyword,
                              official_sources=args.official_source)
        for claim in claims:
            if args.format == "json":
                print(_dump(claim))
            else:
                print(f"{claim['claim_id']}  {claim['status']}  {claim['posts']} 篇  {claim['claim'][:60]}")
                if claim["denial"]:
                    print(f"    辟谣：{claim['denial']['doc_id']}  {claim['denial']['quote'][:60]}")
        return 0

    # changing ------------------------------------------------------------------------------------
    def _done(self, args, data: dict, message: str) -> int:
        from desk import board

        if args.format == "json":
            print(_dump(board.row(data)))
        else:
            print(message)
        return 0

    def _set(self, args, ctx) -> int:
        from desk import board

        data, _ = board.set_status(ctx.store, args.request_id, args.status, by=args.by, note=args.note,
                                   expected_version=args.version)
        return self._done(args, data, f"{args.request_id}：{board.STATUSES[board.status_of(data)]}")

    def _claim(self, args, ctx) -> int:
        from desk import board

        data, _ = board.claim(ctx.store, args.request_id, by=args.by, minutes=ctx.config["desk.claim_minutes"])
        return self._done(args, data, f"{args.request_id} 已由 {args.by} 认领，至 {data['claim_until'][11:16]}")

    def _release(self, args, ctx) -> int:
        from desk import board

        data, _ = board.release(ctx.store, args.request_id, by=args.by)
        return self._done(args, data, f"{args.request_id} 已释放")

    def _note(self, args, ctx) -> int:
        from desk import board

        data, _ = board.add_note(ctx.store, args.request_id, args.text, by=args.by)
        return self._done(args, data, f"{args.request_id}：已记录")

    def _assign(self, args, ctx) -> int:
        from desk import board

        data, _ = board.assign(ctx.store, args.request_id, args.team, by=args.by)
        return self._done(args, data, f"{args.request_id} 已派给 {args.team}")

    def _merge(self, args, ctx) -> int:
        from desk import board

        data = board.merge(ctx.store, args.keep, args.others, by=args.by)
        return self._done(args, data, f"{'、'.join(args.others)} 已并入 {args.keep}")

    def _split(self, args, ctx) -> int:
        from desk import board

        data = board.split(ctx.store, args.request_id, args.doc_ids, phones=args.phone, by=args.by)
        return self._done(args, data, f"已从 {args.request_id} 拆出 {data['id']}")

    def _undo_followup(self, args, ctx) -> int:
        from desk.followups import undo

        data = undo(ctx.store, args.request_id, args.doc_id, by=args.by)
        return self._done(args, data, f"{args.request_id}：已撤销后续消息 {args.doc_id}")

    def _link_denial(self, args, ctx) -> int:
        from desk.rumours import link_denial

        link_denial(ctx.store, args.claim_id, args.doc_id, by=args.by)
        print(_dump({"claim_id": args.claim_id, "denial": args.doc_id}) if args.format == "json"
              else f"{args.claim_id}：已关联辟谣 {args.doc_id}")
        return 0

    def _storm(self, args, ctx) -> int:
        from desk import storm

        if args.state != "on" and (args.keywords or args.places):
            raise InputError("--keywords and --places go with `storm on` (the event storm mode is for)")
        if args.state == "status":
            state = storm.current(ctx.store)
        else:
            if not args.by:
                raise InputError("say who switches storm mode (--by NAME)")
            state = storm.switch(ctx.store, args.state == "on", by=args.by, note=args.note, event=args.event,
                                 keywords=args.keywords, places=args.places)
        if args.format == "json":
            print(_dump({k: v for k, v in state.items() if k != "history"}))
            return 0
        print(("应急模式：开启" if state["on"] else "应急模式：关闭") + (f"（{state['by']}，{state['since']}）"
                                                             if state.get("by") else ""))
        if state["on"]:
            for label, words in (("关键词", state.get("keywords")), ("地点", state.get("places"))):
                if words:
                    print(f"  {label}：{'、'.join(words)}")
        return 0

    # hand-over -----------------------------------------------------------------------------------
    def _export(self, args, ctx) -> int:
        from desk.handover import export

        count = export(ctx.store, Path(args.output), statuses=args.status, by=args.by)
        if args.format == "json":
            print(_dump({"rows": count, "output": args.output}))
        elif not ctx.quiet:
            print(f"已导出 {count} 条到 {args.output}（含个人信息，已记入审计日志）", file=sys.stderr)
        return 0

    def _import(self, args, ctx) -> int:
        from desk.handover import import_sheet

        result = import_sheet(ctx.store, Path(args.file), by=args.by, report=ctx.report)
        if args.format == "json":
            print(_dump(result.as_dict()))
        elif not ctx.quiet:
            print(f"{args.file}：更新 {len(result.updated)} 条，未变 {result.unchanged} 条，错误 {result.errors} 行",
                  file=sys.stderr)
        return ctx.report.exit_code
