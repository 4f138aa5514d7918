"""The ``yuqing`` command line (see ``shared/CONTRACT.md``: Commands).

Exit codes: 0 success; 1 the input had errors, which were reported after processing all the rest;
2 misuse (bad option, bad config, missing file). Errors are sentences on stderr naming file, line
and field, never a bare traceback.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import Optional, Sequence

from yuqing.app.commands import COMMANDS, BaseCommand, Context, add_common_options, common_options
from yuqing.config import Config, load_config
from yuqing.errors import ConfigError, InputError, YuqingError

log = logging.getLogger("yuqing")


def _load_command(name: str) -> BaseCommand:
    # every command's package is installed with the engine (setup.py): an ImportError here is a bug
    # to see, never a command to hide
    return importlib.import_module(COMMANDS[name]).Command()


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, BaseCommand]]:
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common, level=1)
    parser = argparse.ArgumentParser(prog="yuqing",
                                     description="Public-opinion monitoring and risk warning for street offices.")
    add_common_options(parser, level=0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: dict[str, BaseCommand] = {}
    for name in COMMANDS:
        command = _load_command(name)
        commands[name] = command
        help_text = command.help
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        command.add_arguments(p)
    return parser, commands


def setup_logging(config: Config, quiet: bool) -> None:
    level = getattr(logging, str(config["log.level"]))
    if quiet and level < logging.WARNING:
        level = logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if config["log.file"]:
        from logging.handlers import TimedRotatingFileHandler
        handlers.append(TimedRotatingFileHandler(config["log.file"], when="midnight", backupCount=14,
                                                 encoding="utf-8"))
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    common_options(args)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    command = commands[args.command]
    try:
        named = args.config or os.environ.get("YUQING_CONFIG") or None
        config = load_config(named or "config.yaml", args.overrides, required=named is not None)
    except ConfigError as exc:
        print(f"yuqing: {exc}", file=sys.stderr)
        return 2
    setup_logging(config, args.quiet)
    ctx = Context(config=config, quiet=args.quiet)
    try:
        return command.run(args, ctx)
    except (ConfigError, InputError) as exc:
        print(f"yuqing {args.command}: {exc}", file=sys.stderr)
        return 2
    except YuqingError as exc:
        print(f"yuqing {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"yuqing {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
