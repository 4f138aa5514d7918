"""The requests for help (求救) and the sources (数据源) pages."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from starlette.requests import Request
from starlette.routing import Route

from yuqing.errors import ConfigError
from yuqing.records import DEFAULT_TZ
from yuqing.app.web.context import Web


def routes(web: Web) -> list[Route]:
    store = web.store

    def rescue_page(request: Request):
        where = web.where(request)
        requests_ = store.find_records("rescue_requests", where, order_by="urgency", descending=True,
                                       limit=200) if where is not None else []
        states = {}  # where the request's alert stands: acknowledged, dispatched, resolved…
        for r in requests_:
            alert_id = getattr(r, "alert_id", None)
            alert = store.get_record("alerts", alert_id) if alert_id else None
            if alert is not None:
                states[r.id] = alert.state
        view = web.redactor(request)
        web.audit_view(request, view, requests_, (), target_kind="rescue_requests", detail="求救页")
        return web.page(request, "rescue.html", view, requests=requests_, request_states=states)

    def sources_page(request: Request):
        from yuqing.app.scheduler import recent_failures
        return web.page(request, "sources.html", web.redactor(request),
                        sources=store.find_records("sources", order_by="id"), failures=recent_failures(store),
                        deployment=deployment_processes(web.config))

    return [Route("/rescue", rescue_page), Route("/sources", sources_page)]


def deployment_processes(config) -> Optional[dict]:
    """What ``yuqing status`` shows, for the sources page; None on one machine (no ``deployment.redis_url``).

    ``{"processes": [...], "stream": {...}, "leases": {...}}`` as :func:`deployment.status.deployment_status`
    gives it, each process with its last beat as local time (``beat``), or ``{"error": sentence}`` when
    Redis cannot be read: the page still shows the sources.
    """
    if not config["deployment.redis_url"]:
        return None
    import redis

    from deployment.status import deployment_status

    try:
        status = deployment_status(config)
    except (ConfigError, redis.RedisError) as exc:
        return {"error": str(exc)}
    for process in status["processes"]:
        process["beat"] = datetime.fromtimestamp(process["last_beat"], DEFAULT_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return status
