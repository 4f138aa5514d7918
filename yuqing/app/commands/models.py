"""``yuqing models`` — the model versions ``yuqing train`` wrote and which one the engine uses.

    yuqing models list [--format json]
    yuqing models use VERSION|bundled --by NAME    # an explicit choice (a rollback), kept in the history
"""
from __future__ import annotations

import json

from yuqing.app.commands import BaseCommand


class Command(BaseCommand):
    name = "models"
    help = "list trained model versions, or choose the one the engine uses (rollback)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("list", "use"))
        parser.add_argument("version", nargs="?", help="for `use`: a version from `list`, or `bundled`")
        parser.add_argument("--by", default=None, help="for `use`: who chooses (kept in the history)")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        from nlp import model_registry as registry
        from yuqing.errors import InputError

        where = registry.registry_dir(ctx.config)
        if args.action == "use":
            if not args.version or not args.by:
                raise InputError("models use: give the VERSION (or `bundled`) and --by NAME")
            registry.promote(where, args.version, who=args.by, reason="chosen with `yuqing models use`")
            print(f"引擎现使用模型版本 {args.version}。")
            return 0
        found = registry.versions(where)
        loaded = registry.models_dir(ctx.config)
        if args.format == "json":
            for row in found:
                print(json.dumps(row, ensure_ascii=False))
            return 0
        print(f"模型目录 {where}；引擎加载：{loaded or '内置模型 (bundled)'}")
        for row in found:
            verdict = {True: "通过", False: "未通过", None: "未评估"}[row["passed"]]
            top = f"  调优顶层 {row['tuned_top']}（随版本）" if row["tuned_top"] else ""
            print(f"{'*' if row['current'] else ' '} {row['version']}  任务 {row['task']}  闸门 {verdict}{top}")
        if not found:
            print("（尚无训练版本：`yuqing train --task T` 会写入这里）")
        return 0
