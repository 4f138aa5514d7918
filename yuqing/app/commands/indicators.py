"""``yuqing indicators import FILE … | score [--month YYYY-MM] | show CODE`` — enterprise risk (企业风险)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.app.commands.calendar_cmd import add_common_options
from yuqing.errors import InputError, NotFound

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_LABELS = {"wage_arrears": "欠薪", "shutdown": "停工", "relocation": "外迁"}


class Command(BaseCommand):
    name = "indicators"
    help = "enterprise indicators (社保、水电、工单): import monthly exports, score 欠薪/停工/外迁 risk, show one"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        imp = sub.add_parser("import", help="import CSV/XLSX monthly indicator exports (column mapping in config)")
        imp.add_argument("files", nargs="+", metavar="FILE")
        imp.add_argument("--input-format", choices=("csv", "xlsx"), help="file type, when the extension does not say")
        score = sub.add_parser("score", help="link posts to enterprises and score every enterprise for a month")
        score.add_argument("--month", help="YYYY-MM (default: the latest month with indicators)")
        score.add_argument("--all", action="store_true", help="print every score, not only warnings")
        show = sub.add_parser("show", help="one enterprise: names, series, linked posts and tickets, scores")
        show.add_argument("code", help="unified social credit code (or name:FULL NAME for one without a code)")
        for p in sub.choices.values():
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_common_options(p)

    def run(self, args, ctx) -> int:
        return getattr(self, f"_{args.action}")(args, ctx)

    def _import(self, args, ctx) -> int:
        from enterprise.indicators import import_indicators

        totals = {"imported": 0, "updated": 0, "duplicates": 0, "errors": 0, "enterprises": 0}
        for name in args.files:
            path = Path(name)
            summary = import_indicators(ctx.store, path, columns=ctx.config["enterprise.columns"],
                                        fmt=args.input_format, batch_size=ctx.config["store.batch_size"],
                                        report=ctx.report)
            for key, value in summary.as_dict().items():
                totals[key] += value
            if args.format == "text" and not ctx.quiet:
                print(f"{path}: {summary.imported} 行导入, {summary.updated} 行更新, {summary.duplicates} 行已存在, "
                      f"{summary.errors} 行有误已跳过（{summary.enterprises} 家企业）", file=sys.stderr)
        ctx.store.flush()
        if args.format == "json":
            print(json.dumps(totals, ensure_ascii=False))
        return 1 if totals["errors"] else 0

    def _score(self, args, ctx) -> int:
        from enterprise.service import latest_period, score_month

        month = args.month or latest_period(ctx.store)
        if month is None:
            raise InputError("the store holds no enterprise indicators yet; run `yuqing indicators import FILE` "
                             "first, or give --month YYYY-MM")
        if not _MONTH.match(month):
            raise InputError(f"--month {month!r}: write the month as YYYY-MM, for example 2026-01")
        calendar = None
        try:
            from event_calendar import Calendar
            calendar = Calendar.from_config(ctx.config, ctx.store)
        except ImportError:  # the calendar package is not installed: scores without the 春节 windows
            pass
        result = score_month(ctx.store, ctx.config, month, calendar=calendar)
        shown = [s for s in result["scores"] if args.all or s.warning]
        shown.sort(key=lambda s: (-s.score, s.enterprise, s.risk))
        for s in shown:
            if args.format == "json":
                print(json.dumps(s.model_dump(mode="json"), ensure_ascii=False))
            else:
                print(f"{s.score:5.1f}  {'预警' if s.warning else '    '}  {_LABELS[s.risk]}  {s.name}  "
                      f"{s.street or ''}  {s.month}")
                for signal in s.signals:
                    print(f"         +{signal.points:g} {signal.why}")
        if not ctx.quiet:
            linked = result["linking"] or {}
            print(f"{month}: {result['enterprises']} 家企业评分, {result['warnings']} 条预警; 关联 "
                  f"{linked.get('links', 0)} 条帖文/工单（读 {linked.get('documents', 0)} 篇）", file=sys.stderr)
        return 0

    def _show(self, args, ctx) -> int:
        from enterprise.service import enterprise_view

        view = enterprise_view(ctx.store, args.code)
        if view is None:
            raise NotFound(f"enterprise {args.code!r} is not in the store; `yuqing indicators import` adds "
                           f"enterprises from their indicator rows")
        if args.format == "json":
            print(json.dumps(view, ensure_ascii=False))
            return 0
        ent = view["enterprise"]
        print(f"{ent['name']}  {ent.get('code') or ''}  {ent.get('street') or ''}  {ent.get('industry') or ''}")
        if len(ent["names"]) > 1 or ent["aliases"]:
            print(f"  曾用名/别名: {'、'.join(ent['names'][1:] + ent['aliases'])}")
        print("  月份      参保人数   社保欠缴   用电量    用水量   工单 监察")
        for row in view["series"]:
            cells = [row.get(k) for k in ("headcount", "contributions_owed", "power_kwh", "water_m3", "tickets",
                                          "inspections")]
            print(f"  {row['period']}  " + "  ".join("-" if v is None else f"{v:g}" for v in cells))
        for score in view["scores"][:6]:
            print(f"  {score['month']} {_LABELS[score['risk']]} {score['score']:.0f}"
                  f"{' 预警' if score['warning'] else ''}: " + "；".join(s["why"] for s in score["signals"][:3]))
        print(f"  关联帖文 {len(view['posts'])} 条, 12345 工单 {len(view['tickets'])} 条")
        return 0
