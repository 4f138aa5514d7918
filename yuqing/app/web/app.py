"""The analyst web UI (研判工作台) and its JSON API: the app, assembled from one module per page area.

Everything shown comes from crawled text and is therefore hostile: templates autoescape, search
highlights are escaped before the 【】 markers become ``<mark>``, and personal data is masked for
roles that do not need it — in one place, :class:`yuqing.app.web.redact.Redactor`, which every page
context and JSON body passes through (:class:`yuqing.app.web.context.Web`). JSON errors have one shape:
``{"error": {"status": N, "message": "…"}}``.

Tokens, sessions, cross-site request refusal and security headers are :mod:`yuqing.app.web.security`'s;
the sign-in page and the audit page are :mod:`yuqing.app.web.account`'s. A user scoped to streets sees
only their streets (:mod:`yuqing.app.web.scope`, applied in every store query): an alert of another
street answers 404, as if it did not exist. Every response that shows personal data unmasked is
written to the audit log (:mod:`governance.audit`), one event per request naming what was shown,
and so is every change an analyst makes.

Pages live in the modules of :data:`PAGE_MODULES`, each with ``routes(web) -> list[Route]``; another
package mounts its pages by adding its module to that list. Handlers that read the store are plain
functions, which Starlette runs in its thread pool: a slow store call never holds the event loop.
"""
from __future__ import annotations

import importlib
import logging
from typing import Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from yuqing.errors import YuqingError
from yuqing.app.web.account import account_routes
from yuqing.app.web.context import DOCS_PER_ALERT, HERE, Web, highlight  # noqa: F401  (re-exported)
from yuqing.app.web.params import (MAX_FILTER_CHARS, MAX_QUERY_CHARS, MAX_QUERY_TERMS,  # noqa: F401
                               filter_param as _filter, int_param, search_query)
from yuqing.app.web.security import SecurityMiddleware
from yuqing.app.web.sessions import Sessions, session_secret
from yuqing.app.web.views.queue import ACTIONS, MAX_ALERTS, change_alert_state  # noqa: F401  (re-exported)
from yuqing.app.web.views.search import MAX_HITS  # noqa: F401

log = logging.getLogger(__name__)
STATIC = HERE / "static"

#: the page modules, in route order: each defines ``routes(web: Web) -> list[Route]``
PAGE_MODULES = [
    "yuqing.app.web.department",       # 报送: the department's signed-link pages, dispatch-to (before /alerts/{id}/{action})
    "yuqing.app.web.views.analysis",   # 纠正研判 (analysts' corrections), 生成案例草稿 (before the queue's
                                   # /alerts/{id}/{action})
    "yuqing.app.web.views.queue",      # 总览, 预警队列, 预警详情, bulk actions, queue API, CSV export
    "yuqing.app.web.views.incident",   # 事件 list and page, its chart data
    "yuqing.app.web.views.statistics",  # 街道统计
    "yuqing.app.web.views.search",     # 检索 with facets, search API and export
    "yuqing.app.web.views.library",    # 案例库, 风险日历
    "yuqing.app.web.views.misc",       # 求救, 数据源
    "yuqing.app.web.views.reports",    # 简报: the archive, one report and its files, writing one now
    "yuqing.app.web.views.enterprise",  # 企业: enterprises with their current scores, one enterprise's page
    "yuqing.app.web.views.assessment",  # 稳评: projects, assessment pages, report downloads, the watch
    "yuqing.app.web.views.desk",       # 应急值守: rescue board, team view, hand-over, rumours, review
]


def create_app(config, store, *, sessions: Optional[Sessions] = None) -> Starlette:
    """The web app over ``store``; ``sessions`` defaults to the key of ``$YUQING_SESSION_SECRET``."""
    sessions = sessions or Sessions(session_secret(), float(config["web.session_hours"]))
    web = Web(config, store, sessions)

    async def http_error(request: Request, exc: HTTPException):
        return web.error_response(request, exc.status_code, exc.detail)

    async def store_error(request: Request, exc: YuqingError):
        log.error("web request %s failed: %s", request.url.path, exc)
        return web.error_response(request, 503, f"the store could not answer: {exc}")

    routes = [*account_routes(users=web.users, sessions=sessions, store=store, render=web.render, record=web.record)]
    for name in PAGE_MODULES:
        routes.extend(importlib.import_module(name).routes(web))
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, YuqingError: store_error},
                     middleware=[Middleware(SecurityMiddleware, users=web.users, error=web.error_response,
                                            sessions=sessions, audit=web.record)])
