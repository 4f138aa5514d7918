"""``yuqing report daily|weekly|monthly|special`` — briefings (舆情日报、周报、月报、专报), every sentence cited."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from yuqing.app.commands import BaseCommand, add_common_options
from yuqing.errors import InputError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write the date as YYYY-MM-DD, for example 2026-11-30") from None


def _who() -> str:
    """The operating-system user who ran the command (for the audit log's ``export`` event)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a bare container
        return "cli"


class Command(BaseCommand):
    name = "report"
    help = "briefings: daily|weekly|monthly report, or special --incident ID|--alert ID (.html, .pdf, .docx, json)"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", metavar="KIND")
        for kind, words in (("daily", "the day --date (default yesterday)"),
                            ("weekly", "the 7 days ending with --date (default yesterday)"),
                            ("monthly", "the calendar month of --date (default yesterday)"),
                            ("special", "one incident (--incident ID) or one alert (--alert ID)")):
            p = sub.add_parser(kind, help=f"report on {words}")
            if kind == "special":
                target = p.add_mutually_exclusive_group(required=True)
                target.add_argument("--incident", metavar="ID", help="the incident's id")
                target.add_argument("--alert", metavar="ID", help="the alert's id")
            else:
                p.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD",
                               help="a day of the period (default: yesterday in Asia/Shanghai)")
                p.add_argument("--street", nargs="+", action="extend", default=[], metavar="S",
                               help="only these streets (街道), e.g. --street 民治街道 大浪街道")
            p.add_argument("--output", metavar="FILE", help="write FILE.html, FILE.pdf or FILE.docx")
            p.add_argument("--format", choices=("text", "json"), default="text",
                           help="json: print the report's JSON (with --output, the file is written too)")
            add_common_options(p, level=2)

    def run(self, args, ctx) -> int:
        if not args.kind:
            print("yuqing report: say which report: daily, weekly, monthly or special", file=sys.stderr)
            return 2
        if not args.output and args.format != "json":
            raise InputError("say where the report goes: --output FILE.html|.pdf|.docx, or --format json")
        if args.output and not args.output.lower().endswith((".html", ".htm", ".pdf", ".docx")):
            raise InputError(f"--output {args.output}: write the report as .html, .pdf or .docx (or use --format json)")
        from briefings import archive

        report = archive.generate(ctx.config, ctx.store, args.kind, day=getattr(args, "date", None),
                                  streets=getattr(args, "street", []), incident_id=getattr(args, "incident", None),
                                  alert_id=getattr(args, "alert", None))
        if args.output:
            from briefings import render

            written = render.write(report, args.output)
            archive.save(ctx.store, report, {written.suffix.lstrip("."): str(written.resolve())})
            archive.audit_export(ctx.store, report, who=_who(), client="command line", detail=f"写入 {written.name}")
            if not ctx.quiet:
                print(f"{report['title']}（{report['subtitle']}）：{len(report['sections'])} 节，写入 {written}",
                      file=sys.stderr)
        if args.format == "json":
            print(json.dumps(report, ensure_ascii=False))
        return 0
