"""``yuqing assess --project P.yaml|json [--format json|html] [--output report.html|report.pdf|-]``.

A pre-project social-stability risk assessment (稳评, :mod:`assessment`): the contract's
``assessment`` object with ``--format json``, else the report in HTML, or in PDF when the output
ends in ``.pdf``. Exit 0 done, 1 the card had errors (each named with its file and field),
2 misuse (no such file, PDF to stdout, JSON to a .pdf).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from yuqing.commands import BaseCommand
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
        return 0
