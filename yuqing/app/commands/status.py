"""``yuqing status`` — every process of a multi-machine deployment, from their heartbeats in Redis.

``--format json`` prints ``{"processes": [{"id", "roles", "host", "pid", "started_at", "last_beat",
"seconds_since_beat", "alive", "stream_lag", "leases", "metrics", …}], "stream": {"waiting",
"pending", "total"}, "leases": {"cluster": "host:pid|token" or null, …}}``. Exit 1 when a process
is silent (missed three beats), or a singleton role runs but its lease has no holder.
"""
from __future__ import annotations

import json
from datetime import datetime

from yuqing.app.commands import BaseCommand
from yuqing.records import DEFAULT_TZ


class Command(BaseCommand):
    name = "status"
    help = "every process of the deployment: role, host, last beat, stream lag, leases (needs deployment.redis_url)"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        from deployment.status import deployment_status

        status = deployment_status(ctx.config)
        if args.format == "json":
            print(json.dumps(status, ensure_ascii=False))
        else:
            print(_text(status))
        silent = any(not p["alive"] for p in status["processes"])
        running = {role for p in status["processes"] for role in p["roles"]}
        orphan = any(status["leases"][name] is None for name in ("cluster", "alert") if name in running)
        return 1 if silent or orphan else 0


def _text(status: dict) -> str:
    rows = [f"{'roles':<22} {'host':<20} {'pid':>7}  {'last beat':<19} {'lag':>6}  {'leases':<14} metrics"]
    for p in status["processes"]:
        beat = datetime.fromtimestamp(p["last_beat"], DEFAULT_TZ).strftime("%Y-%m-%d %H:%M:%S")
        state = "" if p["alive"] else f"  SILENT {p['seconds_since_beat']:.0f} s"
        rows.append(f"{','.join(p['roles']):<22} {p['host']:<20} {p['pid']:>7}  {beat:<19} "
                    f"{p.get('stream_lag', ''):>6}  {','.join(p['leases']) or '-':<14} {p['metrics']}{state}")
    if not status["processes"]:
        rows.append("(no process has beat: none runs with --role, or they use another deployment.key_prefix)")
    stream = status["stream"]
    rows.append(f"stream: {stream['waiting']} waiting, {stream['pending']} being analysed")
    for name, holder in status["leases"].items():
        rows.append(f"lease {name}: {holder or 'NO HOLDER'}")
    return "\n".join(rows)
