"""``yuqing assess --project project.yaml`` — pre-project social-risk assessment.

The contract names this command; the issue that defines the assessment (its six risk categories,
evidence and response plan) has not been filed yet. Until then the command checks its arguments
and says plainly that the assessment is not available, rather than writing an invented report.
"""
from __future__ import annotations

import sys
from pathlib import Path

from yuqing.commands import BaseCommand
from yuqing.errors import InputError


class Command(BaseCommand):
    name = "assess"
    help = "pre-project social-risk assessment (not available yet: no issue defines it)"

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="project.yaml")
        parser.add_argument("--output", default="-")
        parser.add_argument("--format", choices=("html", "json"), default="html")

    def run(self, args, ctx) -> int:
        if not Path(args.project).exists():
            raise InputError(f"{args.project}: no such project file")
        print("yuqing assess: the pre-project risk assessment is not part of this version yet; "
              "no report was written.", file=sys.stderr)
        return 2
