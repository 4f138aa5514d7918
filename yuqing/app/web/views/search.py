"""Search (检索): the query with its filters in the form, facet counts beside the hits, CSV export.

Street, category, source and time filter in the store. The store's search has no sentiment filter,
so a sentiment asked for is applied to the best :data:`SENTIMENT_POOL` hits (the page says so); the
sentiment facet itself is an exact store count. Each hit shows the engine's reading of the post
(category, sentiment, request for help, harmful types, street) with the form to correct it.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from yuqing.records import CATEGORIES, SENTIMENTS
from yuqing.app.web import scope
from yuqing.app.web.context import Web
from yuqing.app.web.params import choice_param, filter_param, int_param, search_query, time_range
from yuqing.app.web.views import export

MAX_HITS = 100
PAGE_HITS = 50
#: how many of the best hits a sentiment filter looks through
SENTIMENT_POOL = 500
FACETS = ("street", "category", "sentiment", "source")


def routes(web: Web) -> list[Route]:
    store = web.store

    def run_search(request: Request, limit: int):
        query = search_query(request)
        street = scope.street_filter(web.user_of(request), filter_param(request, "street"))
        category = choice_param(request, "category", CATEGORIES)
        sentiment = choice_param(request, "sentiment", SENTIMENTS)
        source = filter_param(request, "source")
        since, until = time_range(request)
        asked = dict(street=street, category=category, since=since, until=until)
        result = store.search(query, source=source, limit=SENTIMENT_POOL if sentiment else limit, **asked)
        analyses = {a.id: a for a in store.get_analyses([h.document.id for h in result.hits])}
        if sentiment:
            hits = [h for h in result.hits if h.document.id in analyses
                    and analyses[h.document.id].sentiment.label == sentiment]
            result.hits, result.total = hits[:limit], len(hits)
        facets = {}
        if query.strip() or any(v for v in asked.values()):
            facets = {f: store.count_by(f, query=query or None, **asked) for f in FACETS}
        return query, result, analyses, facets, sentiment

    def search_page(request: Request):
        asked = any(request.query_params.get(k) for k in ("q", "street", "category", "sentiment", "source",
                                                          "since", "until"))
        if not asked:
            return web.page(request, "search.html", web.redactor(request), query="", result=None, facets={},
                            analyses={}, filters={}, tasks={})
        query, result, analyses, facets, sentiment = run_search(request, PAGE_HITS)
        doc_ids = [h.document.id for h in result.hits]
        view = web.redactor(request, doc_ids)
        web.audit_view(request, view, [h.document for h in result.hits], doc_ids, target_kind="search",
                       detail=f"检索「{query}」")
        from yuqing.app.web.views.analysis import CORRECTION_CHOICES
        return web.page(request, "search.html", view, query=query, result=view.search(result, query),
                        facets=facets, analyses=analyses, filters=dict(request.query_params),
                        pool=SENTIMENT_POOL if sentiment else None, tasks=CORRECTION_CHOICES)

    def api_search(request: Request):
        limit = int_param(request, "limit", 20, MAX_HITS)
        query, result, _analyses, facets, _sentiment = run_search(request, limit)
        doc_ids = [h.document.id for h in result.hits]
        view = web.redactor(request, doc_ids)
        web.audit_view(request, view, [h.document for h in result.hits], doc_ids, target_kind="search",
                       detail=f"/api/search 检索「{query}」")
        shown = view.search(result, query)
        return JSONResponse({"total": shown.total, "facets": facets, "hits": [
            {"id": h.document.id, "score": h.score, "title": h.document.title, "highlight": h.highlight}
            for h in shown.hits]})

    def search_csv(request: Request):
        query, result, _analyses, _facets, _sentiment = run_search(request, int_param(request, "limit", MAX_HITS,
                                                                                      SENTIMENT_POOL))
        view = web.redactor(request, [h.document.id for h in result.hits])
        rows = [view.json(h.document) for h in result.hits]
        web.record(request, "export", target_kind="search", detail=f"检索「{query}」CSV {len(rows)} 条"
                   + ("" if view.pii else "（已脱敏）"))
        return export.csv_response("search.csv", export.HIT_COLUMNS, rows)

    return [Route("/search", search_page), Route("/search.csv", search_csv), Route("/api/search", api_search)]
