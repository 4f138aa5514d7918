"""``yuqing assess --project P.yaml|json [--format json|html] [--output report.html|report.pdf|-] [--watch]``.

A pre-project social-stability risk assessment (稳评, :mod:`assessment`): the contract's
``assessment`` object with ``--format json``, else the report in HTML, or in PDF when the output
ends in ``.pdf``. Exit 0 done, 1 the card had errors (each named with its file and field),
2 misuse (no such file, PDF to stdout, JSON to a .pdf).

With ``--watch`` the project and its assessment are also kept in the store and the project becomes
a watch (:mod:`assessment.watch`): the service's ``watch`` step monitors it, the web UI shows it
under /projects, and the first reading is made at once (its summary on stderr). ``--owner NAME``
(repeatable) names the ``web.users`` owners it is routed to besides those whose entry lists it.
Running it again with the same card (same ``id``, or same name) re-assesses the same project.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError


class Command(BaseCommand):
    name = "assess"
    help = "pre-project social-risk assessment (稳评) of a project card: report (HTML/PDF) or JSON"

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="P.yaml",
                            help="the project card, YAML or JSON (format: assessment/README.md)")
        parser.add_argument("--format", choices=("html", "json"), default=None,
                            help="json: the assessment object; html: the report (default; PDF when --output ends in .pdf)")
        parser.add_argument("--output", default="-", metavar="FILE",
                            help="report.html, report.pdf, assessment.json, or - for stdout (default)")
        parser.add_argument("--watch", action="store_true",
                            help="also keep the project and its assessment in the store and monitor it (项目监测): "
                                 "the service's watch step, the web UI's /projects pages")
        parser.add_argument("--owner", action="append", default=[], metavar="NAME",
                            help="with --watch: a web.users owner of the project (repeatable)")

    def run(self, args, ctx) -> int:
        from assessment import CardError, assess, load_card

        project, output = Path(args.project), args.output
        pdf = output != "-" and output.lower().endswith(".pdf")
        fmt = args.format or "html"
        if pdf and fmt == "json":
            raise InputError(f"--output {output}: a .pdf output holds the report; use --format html or a .json file")
        if not project.is_file():
            raise InputError(f"{project}: no such project card")
        try:
            card = load_card(project)
        except CardError as exc:
            for error in exc.errors:
                print(f"yuqing assess: {exc.path}: {error}", file=sys.stderr)
            return 1
        if args.owner and not args.watch:
            raise InputError("--owner names the owners of a watched project: add --watch")
        if args.watch:
            from assessment.projects import assess_project
            project, assessment = assess_project(ctx.store, ctx.config, card, by="command line",
                                                 owner_users=args.owner)
        else:
            assessment = assess(card, ctx.store, ctx.config)
        if fmt == "json":
            text = json.dumps(assessment.as_dict(), ensure_ascii=False, indent=2) + "\n"
        elif pdf:
            from assessment.report import write_pdf
            write_pdf(assessment, output)
            text = None
        else:
            from assessment.report import render_html
            text = render_html(assessment)
        if text is not None:
            if output == "-":
                sys.stdout.write(text)
            else:
                Path(output).parent.mkdir(parents=True, exist_ok=True)
                Path(output).write_text(text, encoding="utf-8")
        if not ctx.quiet:
            from assessment.report import LEVEL_NAMES
            where = "" if output == "-" else f"，已写入 {output}"
            print(f"yuqing assess: {assessment.project}：{LEVEL_NAMES[assessment.level]}（{assessment.score} 分）{where}",
                  file=sys.stderr)
        if args.watch:
            self._first_reading(ctx, project)
        return 0

    @staticmethod
    def _first_reading(ctx, project) -> None:
        from assessment.watch import watch_project

        reading = watch_project(ctx.store, ctx.config, project)
        ctx.store.flush()
        if not ctx.quiet:
            print(f"yuqing assess: 项目 {project.id} 已开始监测 (watching)：{reading.evidence_total} 条相关帖子，"
                  f"{len(reading.windows)} 个节点写入风险日历，{len(reading.routed_last)} 条预警转给负责人"
                  f"{'（' + '、'.join(reading.owners) + '）' if reading.owners else ''}；网页 /projects/{project.id}/watch",
                  file=sys.stderr)
