"""``yuqing train --task T`` — retrain a model with the analysts' corrections, behind a gate.

For sentiment and requests the tuned top blended into stage 2 is trained again too (with the
corrections of both; ``--no-top`` keeps it), and the gate then scores both tasks. The new version is
promoted (used by ``yuqing analyze``, ``yuqing rescue`` and the service) only when it is at least as
good as the current models on every frozen real test set of its task; the
command prints the side-by-side table either way. Exit 0: promoted; 1: refused by the gate (the
candidate stays in ``nlp.models.registry`` for inspection); 2: misuse.
"""
from __future__ import annotations

import getpass
import json
import os
import sys

from yuqing.app.commands import BaseCommand


class Command(BaseCommand):
    name = "train"
    help = ("retrain sentiment, category, rescue or harmful with the analysts' corrections; promoted only "
            "through the gate")
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--task", required=True, choices=("sentiment", "category", "rescue", "harmful"),
                            help="the model to retrain (harmful learns from the `rumor` corrections)")
        parser.add_argument("--public-limit", type=int, default=None, metavar="N",
                            help="a fixed subset of N rows of each public/project set (a quick model for checks)")
        parser.add_argument("--gate-split", choices=("test", "dev"), default="test",
                            help="real storm posts the gate scores on: the frozen test split (default) or dev")
        parser.add_argument("--gate-limit", type=int, default=0, metavar="N",
                            help="score only the first N labelled posts of the split (for checks)")
        parser.add_argument("--gate-public-rows", type=int, default=None, metavar="N",
                            help="rows of each public test split the gate scores (sentiment: ChnSentiCorp; harmful: "
                                 "Weibo21, CHECKED, COLD; default all)")
        parser.add_argument("--no-top", action="store_true",
                            help="sentiment/rescue: keep the current tuned top and retrain the head alone (by default "
                                 "the top is trained again with the corrections too, about 7 minutes on two cores, "
                                 "and the gate scores both tasks)")
        parser.add_argument("--top-layers", type=int, default=None, metavar="N",
                            help="layers of the retrained top (default 4, as make setup)")
        parser.add_argument("--top-epochs", type=int, default=None, metavar="N", help="its epochs (default 4)")
        parser.add_argument("--top-limit", type=int, default=None, metavar="N",
                            help="only the first N labelled real posts and N generated ones (a quick top for checks)")
        parser.add_argument("--by", default=None, help="who trains (kept in the models' history)")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        from nlp.train.retrain import retrain
        from yuqing.errors import InputError

        for name, value, low, high in (("--top-layers", args.top_layers, 1, 12), ("--top-epochs", args.top_epochs, 1, 100),
                                       ("--top-limit", args.top_limit, 1, None)):
            if value is not None and (value < low or (high is not None and value > high)):
                raise InputError(f"{name} {value}: must be {low}..{high}" if high else f"{name} {value}: must be ≥ {low}")

        say = (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
        who = args.by or f"cli:{getpass.getuser()}"
        config_path = args.config or os.environ.get("YUQING_CONFIG") or ("config.yaml" if os.path.exists("config.yaml") else None)
        result = retrain(ctx.config, ctx.store, args.task, config_path=config_path, overrides=args.overrides, who=who,
                         public_limit=args.public_limit, gate_split=args.gate_split, gate_limit=args.gate_limit,
                         gate_public_rows=args.gate_public_rows, top=not args.no_top,
                         top_options={"layers": args.top_layers, "epochs": args.top_epochs, "limit": args.top_limit},
                         say=say)
        if args.format == "json":
            print(json.dumps({k: v for k, v in result.items() if k != "table"}, ensure_ascii=False))
        else:
            print(result["table"])
            if result["promoted"]:
                print(f"已晋升：{result['candidate']} 现为 {args.task} 使用的版本（此前 {result['current']}）。")
            else:
                print(f"未晋升：{result['candidate']} 在上表标为 WORSE 的指标上低于当前版本 {result['current']}；"
                      f"当前版本不变。候选保留在模型目录中，可用 `yuqing models list` 查看。")
                if result.get("top_retrained"):
                    print("提示：调优顶层重训后，即使数据只差几条纠正，其他指标也会随训练波动（实测评论集约 0.8 个百分点）；"
                          "若只想让纠正进入分类头，可加 --no-top 重试。")
            if result.get("warning"):
                print("注意：" + result["warning"])
        return 0 if result["promoted"] else 1
