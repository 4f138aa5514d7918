"""``yuqing correct`` — an analyst corrects one analysis (研判纠错); the correction trains the next model.

    yuqing correct DOC_ID --task sentiment --label negative --by 张三 [--note …]
    yuqing correct --list [--task T] [--format json]

Tasks: request (request/not_request), sentiment, category, rumor (rumor/not_rumor), street (a
street name or ``none``). The stored analysis shows the analyst's answer at once; ``yuqing train``
learns from the latest correction of each document and task.
"""
from __future__ import annotations

import json

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError
from yuqing.privacy import mask_text


class Command(BaseCommand):
    name = "correct"
    help = "correct one document's analysis (not a request, wrong category/sentiment/street, not a rumour)"
    needs_store = True

    def add_arguments(self, parser):
        from nlp.corrections import TASK_LABELS

        parser.add_argument("doc_id", nargs="?", help="the document whose analysis is wrong")
        parser.add_argument("--task", choices=tuple(TASK_LABELS), help="what is wrong")
        parser.add_argument("--label", help="the right answer (e.g. not_request, negative, traffic, 民治街道)")
        parser.add_argument("--by", help="who corrects (an analyst's name; kept with the correction)")
        parser.add_argument("--note", default="", help="why, in a few words")
        parser.add_argument("--list", action="store_true", help="list the corrections instead")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        from nlp import corrections

        if args.list:
            for record in corrections.latest(ctx.store, args.task):
                if args.format == "json":
                    print(record.to_json())
                else:
                    print(f"{record.at:%Y-%m-%d %H:%M}  {record.doc_id}  {corrections.TASK_NAMES[record.task]}："
                          f"{record.old} → {record.new}  ({record.who}){'  ' + mask_text(record.note) if record.note else ''}")
            return 0
        missing = [name for name, value in (("DOC_ID", args.doc_id), ("--task", args.task), ("--label", args.label),
                                            ("--by", args.by)) if not value]
        if missing:
            raise InputError(f"give {', '.join(missing)} (or --list)")
        record = corrections.correct(ctx.store, args.doc_id, args.task, args.label, who=args.by, note=args.note)
        if args.format == "json":
            print(record.to_json())
        else:
            print(f"已纠正 {record.doc_id} 的{corrections.TASK_NAMES[record.task]}：{record.old} → {record.new}"
                  f"（{record.who}，记录 {record.id}）")
        return 0
