"""Street statistics (街道统计): volume, negative share, incidents and alerts per street, category, day.

The figures are :func:`yuqing.statistics.breakdown`'s — the same as ``yuqing stats --by`` — within
the visitor's streets. They are counts, with no personal data.
"""
from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from yuqing import statistics, vocabulary
from yuqing.records import SEVERITIES
from yuqing.app.web.context import Web
from yuqing.app.web.params import int_param, time_range

BY_NAMES = {"street": "按街道", "category": "按类别", "day": "按日期"}


def routes(web: Web) -> list[Route]:
    store = web.store

    def figures(request: Request) -> dict:
        by = request.query_params.get("by") or "street"
        if by not in statistics.BY:
            raise HTTPException(400, f"参数 by 只能是 {'、'.join(statistics.BY)} (parameter by must be one of "
                                     f"{', '.join(statistics.BY)})")
        user = web.user_of(request)
        since, until = time_range(request)
        return statistics.breakdown(store, by, streets=user.streets, since=since, until=until,
                                    days=int_param(request, "days", 30, statistics.MAX_DAYS))

    def stats_page(request: Request):
        result = figures(request)
        rows = result["rows"]
        if result["by"] == "category":
            names = [vocabulary.label("category", r["key"]) for r in rows]
        else:
            names = [r["key"] for r in rows]
        chart = {"kind": "stats", "by": result["by"], "keys": names,
                 "documents": [r["documents"] for r in rows],
                 "negative_share": [round(100 * r["negative_share"], 1) for r in rows],
                 "alerts": {vocabulary.label("severity", s): [r["alerts"][s] for r in rows]
                            for s in SEVERITIES}}
        return web.page(request, "stats.html", web.redactor(request), result=result, names=names, chart=chart,
                        filters=dict(request.query_params), labels=BY_NAMES)

    def api_stats_by(request: Request):
        return web.json(request, figures(request))

    return [Route("/stats", stats_page), Route("/api/stats/by", api_stats_by)]
