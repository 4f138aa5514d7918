"""``yuqing run`` — the monitoring service; ``--once`` runs every stage once and exits."""
from __future__ import annotations

import logging
import signal
import sys

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError
from yuqing.records import clock_reads

log = logging.getLogger(__name__)


class Command(BaseCommand):
    name = "run"
    help = "the monitoring service: scheduled crawling, analysis, clustering, alerting and the web UI"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every stage once, then exit")
        parser.add_argument("--no-crawl", action="store_true", help="with --once: skip crawling")
        parser.add_argument("--no-web", action="store_true", help="do not serve the web UI")
        parser.add_argument("--role", default="all", metavar="ROLES",
                            help="the part of the service this process runs on a multi-machine deployment: crawl, "
                            "analyze, cluster, alert, web, or several separated by commas; all (the default) "
                            "runs everything in one process, as on one machine (see deployment/roles.py)")
        parser.add_argument("--as-of", metavar="TIME", help="with --once: evaluate as if the clock read TIME "
                            "(e.g. 2021-07-20T18:00+08:00), to replay a past day for a drill or a review; "
                            "nothing is crawled. Use a copy of the store: the alert cursor moves to TIME")

    def run(self, args, ctx) -> int:
        from yuqing.app import scheduler

        config = ctx.config
        if args.as_of and not args.once:
            raise InputError("--as-of replays one pass: use it with --once")
        at = _as_of(args.as_of) if args.as_of else None
        roles = _roles(args.role)
        if roles != ["all"] and args.once:
            raise InputError("--once runs every stage in one process: use it with --role all")
        demo = None
        if config["service.demo"] and at is None and (roles == ["all"] or "crawl" in roles):
            demo = _start_demo(config)
        try:
            if args.once:
                if at is not None:
                    print(f"replaying as of {at.isoformat()} (no crawling)", file=sys.stderr)
                    with clock_reads(at):
                        reports = scheduler.run_once(config, ctx.store, crawl=False)
                else:
                    reports = scheduler.run_once(config, ctx.store, crawl=not args.no_crawl)
                for report in reports:
                    print(report.line(), file=sys.stderr)
                return 1 if any(r.errors for r in reports) else 0
            if roles != ["all"]:
                return self._serve_roles(ctx, roles)
            return self._serve(args, ctx, scheduler)
        finally:
            if demo is not None:
                demo.stop()

    def _serve(self, args, ctx, scheduler) -> int:
        config = ctx.config
        service = scheduler.Service(config, ctx.store)
        web = None
        if config["web.enabled"] and not args.no_web:
            from yuqing.app.web.server import WebServer
            web = WebServer(config, ctx.store)
            web.start()
            print(f"analyst web UI: http://{config['web.host']}:{config['web.port']}/", file=sys.stderr)

        def on_signal(signum, _frame):
            log.info("received %s; stopping", signal.Signals(signum).name)
            service.request_stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        service.start()
        try:
            while not service.wait(1.0):
                pass
        finally:
            service.stop()
            if web is not None:
                web.stop()
            ctx.store.flush()
        return 0

    def _serve_roles(self, ctx, roles: list[str]) -> int:
        from deployment.roles import Deployment

        deployment = Deployment(ctx.config, ctx.store, roles)

        def on_signal(signum, _frame):
            log.info("received %s; stopping", signal.Signals(signum).name)
            deployment.request_stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        deployment.start()
        print(f"roles {','.join(roles)}: health and metrics on http://{deployment.ops.address}/healthz and "
              "/metrics", file=sys.stderr, flush=True)
        try:
            while not deployment.wait(1.0):
                pass
        finally:
            deployment.stop()
            ctx.store.flush()
        return 0


def _roles(value: str) -> list[str]:
    if value.strip() == "all":  # the single process imports nothing of deployment/
        return ["all"]
    from deployment.roles import parse_roles

    return parse_roles(value)


def _as_of(value: str):
    from yuqing.importer import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise InputError(f"--as-of {value!r}: {exc}; write a time such as 2021-07-20T18:00+08:00") from None


def _start_demo(config):
    try:
        from crawlers.replay import start_demo
    except ModuleNotFoundError:
        log.warning("service.demo is on but the crawlers package with the replay site is not installed")
        return None
    site = start_demo(config)
    print(f"demo replay site: {site.url}", file=sys.stderr)
    return site
