"""``yuqing config show|check|settings`` — the effective settings, validated."""
from __future__ import annotations

import json

from yuqing.app.commands import BaseCommand


class Command(BaseCommand):
    name = "config"
    help = "show the effective settings (secrets masked), check the file, list every setting, or write a documented config.yaml"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("show", "check", "settings", "template"))

    def run(self, args, ctx) -> int:
        config = ctx.config
        if args.action == "check":
            print(f"{config.path or '(defaults)'}: {len(config)} settings, all valid")
        elif args.action == "show":
            print(json.dumps(config.redacted(), ensure_ascii=False, indent=2, default=str))
        elif args.action == "template":
            from yuqing.app.config_template import render
            print(render(config.settings, config.as_written()), end="")
        else:
            for name, setting in sorted(config.settings.items()):
                print(f"{name} = {json.dumps(setting.default, ensure_ascii=False)}\n    {setting.help}")
        return 0
