"""Documents and analyses: the same behaviour on SQLite and on a real Elasticsearch node."""
from collections import Counter
from datetime import datetime, timedelta

import pytest

from yuqing import records as R
from yuqing.errors import StoreError
from yuqing.storage import textindex
from yuqing.storage.synthetic import START


def body(doc):
    return (doc.title or "") + "\n" + doc.text


DECOY = R.Document(id="decoy", title="测试", text='有人写下 NEAR( 与 "OR" 字样 AND 欠薪', published_at=START)


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def loaded(request, tmp_path_factory):
    """A store holding 300 synthetic documents with their analyses (read-only tests share it), plus
    one decoy document without analysis whose text carries query operators."""
    from store_helpers import open_test_store
    from yuqing.storage.synthetic import make_pairs

    store, clean = open_test_store(request.param, tmp_path_factory.mktemp(request.param), request)
    pairs = make_pairs(300)
    store.put_documents([d for d, _ in pairs] + [DECOY])
    store.put_analyses([a for _, a in pairs])
    store.flush()
    yield store, pairs
    clean()


def all_docs(pairs):
    return [d for d, _ in pairs] + [DECOY]


def test_put_is_idempotent_and_counts_duplicates(store, make_docs):
    docs = make_docs(50)
    first = store.put_documents(docs[:30] + docs[:5])  # 5 repeated inside the same batch
    assert (first.inserted, first.duplicates) == (30, 5)
    assert first.inserted_ids == [d.id for d in docs[:30]]
    again = store.put_documents(docs)
    assert (again.inserted, again.duplicates) == (20, 30)
    store.flush()
    assert store.count_documents() == 50


def test_a_stored_document_comes_back_unchanged(store, make_docs):
    doc = make_docs(1)[0].model_copy(update={"place": "民治街道某小区", "thread_id": "t-1"})
    doc.metrics.likes = 12
    store.put_documents([doc])
    store.flush()
    assert store.get_document(doc.id) == doc
    assert store.get_document("missing") is None


def test_get_documents_keeps_the_order_asked_and_skips_missing(store, make_docs):
    docs = make_docs(10)
    store.put_documents(docs)
    store.flush()
    ids = [docs[7].id, "nope", docs[2].id, docs[9].id]
    assert [d.id for d in store.get_documents(ids)] == [docs[7].id, docs[2].id, docs[9].id]


def test_iter_documents_time_range_source_and_order(store, make_docs):
    docs = make_docs(120)
    store.put_documents(docs)
    store.flush()
    since, until = START + timedelta(days=5), START + timedelta(days=15)
    got = list(store.iter_documents(since=since, until=until, batch_size=7))
    expected = sorted((d for d in docs if since <= d.published_at < until), key=lambda d: d.published_at)
    assert [d.id for d in got] == [d.id for d in expected]
    assert len(list(store.iter_documents(batch_size=13))) == 120
    weibo = list(store.iter_documents(source="weibo"))
    assert weibo and all(d.source == "weibo" for d in weibo)
    assert len(weibo) == sum(d.source == "weibo" for d in docs)
    # a naive bound is read in Asia/Shanghai, like the contract's times without offset
    naive = list(store.iter_documents(until=until.astimezone(R.DEFAULT_TZ).replace(tzinfo=None)))
    assert len(naive) == sum(d.published_at < until for d in docs)


def test_documents_without_analysis_oldest_collected_first(store, make_pairs):
    pairs = make_pairs(40)
    store.put_documents([d for d, _ in pairs])
    store.put_analyses([a for _, a in pairs[:25]])
    store.flush()
    waiting = store.documents_without_analysis(limit=100)
    rest = sorted((d for d, _ in pairs[25:]), key=lambda d: d.collected_at)
    assert [d.id for d in waiting] == [d.id for d in rest]
    assert len(store.documents_without_analysis(limit=3)) == 3


def test_analyses_written_at_once_by_several_workers_are_all_kept(store, make_pairs):
    """Two analysis workers (or a re-analysis racing the first) update the same documents' facets."""
    import threading

    pairs = make_pairs(3000)
    store.put_documents([d for d, _ in pairs])
    store.flush()
    errors = []

    def work(label):
        try:
            for start in range(0, len(pairs), 500):
                store.put_analyses([a.model_copy(update={"categories": [R.CategoryScore(label=label, score=0.9)]})
                                    for _, a in pairs[start:start + 500]])
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(label,)) for label in ("public_order", "traffic") * 2]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.flush()
    assert errors == []
    assert store.count_analyses() == 3000
    assert sum(store.count_by("category").values()) == 3000


def test_analyses_are_replaced_when_recomputed(store, make_pairs):
    doc, analysis = make_pairs(1)[0]
    store.put_documents([doc])
    store.put_analyses([analysis])
    newer = analysis.model_copy(update={"categories": [R.CategoryScore(label="public_order", score=0.8)]})
    store.put_analyses([newer])
    store.flush()
    assert store.get_analysis(doc.id).top_category == "public_order"
    assert store.count_analyses() == 1
    assert store.count_by("category") == {"public_order": 1}
    assert store.get_analyses(["missing", doc.id]) == [newer]


@pytest.mark.parametrize("query", ["暴雨", "欠薪", "内涝", "噪音", "停水", "民治街道", "暴雨红色预警", "工人集体讨薪"])
def test_search_finds_exactly_the_documents_containing_a_chinese_phrase(loaded, query):
    store, pairs = loaded
    truth = {d.id for d in all_docs(pairs) if query in body(d)}
    result = store.search(query, limit=500)
    assert truth, "the synthetic set should contain every query"
    assert result.total == len(truth)
    assert {h.document.id for h in result.hits} == truth
    assert all(f"【{query}】" in " ".join(h.highlight) for h in result.hits)


def test_search_parts_separated_by_spaces_must_all_occur(loaded):
    store, pairs = loaded
    truth = {d.id for d, _ in pairs if "暴雨" in body(d) and "被困" in body(d)}
    result = store.search("暴雨 被困", limit=500)
    assert {h.document.id for h in result.hits} == truth and truth


def test_search_filters_by_street_category_source_and_time(loaded):
    store, pairs = loaded
    since, until = START + timedelta(days=3), START + timedelta(days=20)
    truth = {d.id for d, a in pairs if "街道" in d.text and a.location.street == "民治街道"
             and a.top_category == "natural_disaster" and since <= d.published_at < until}
    result = store.search("街道", street="民治街道", category="natural_disaster", since=since, until=until, limit=500)
    assert {h.document.id for h in result.hits} == truth and truth
    by_source = store.search("街道", source="weibo", limit=500)
    assert by_source.total == sum(d.source == "weibo" for d, _ in pairs)


def test_search_and_counts_filter_by_a_list_of_streets(loaded):
    """A user scoped to streets: the filter is in the query, so totals and pages are of those streets only."""
    store, pairs = loaded
    streets = ["民治街道", "观澜街道"]
    truth = {d.id for d, a in pairs if "街道" in d.text and a.location.street in streets}
    result = store.search("街道", street=streets, limit=500)
    assert {h.document.id for h in result.hits} == truth and result.total == len(truth)
    assert store.search("", street=streets, limit=5).total == sum(a.location.street in streets for _, a in pairs)
    assert store.count_by("street", street=streets) == dict(
        Counter(a.location.street for _, a in pairs if a.location.street in streets))
    assert store.search("", street=[]).total == 0 and store.count_by("street", street=[]) == {}


def test_empty_query_lists_everything_newest_first_with_paging(loaded):
    store, pairs = loaded
    page1 = store.search("", limit=10)
    page2 = store.search("", limit=10, offset=10)
    newest = sorted(all_docs(pairs), key=lambda d: d.published_at, reverse=True)
    assert page1.total == 301
    assert [h.document.id for h in page1.hits + page2.hits] == [d.id for d in newest[:20]]


@pytest.mark.parametrize("hostile", ['暴雨" OR 1=1 --', "*", "NEAR(", '"', "暴雨 OR", "AND", "'; DROP TABLE documents; --",
                                     "暴雨*", "{暴雨}", "body:暴雨", "^暴雨"])
def test_query_syntax_in_user_text_is_literal(loaded, hostile):
    store, pairs = loaded
    result = store.search(hostile, limit=500)  # never raises, never widens
    everything = store.count_documents()
    assert result.total < everything
    # every hit contains each part of the query as literal text (operators are not operators)
    assert all(textindex.contains_all(body(hit.document), hostile) for hit in result.hits)
    if hostile in ("NEAR(", "AND"):
        assert [h.document.id for h in result.hits] == ["decoy"]
    assert store.count_documents() == everything  # the DROP TABLE attempt did nothing


def test_search_with_filters_only_and_no_match(loaded):
    store, _ = loaded
    assert store.search("完全不存在的词语组合").total == 0
    assert store.search("", street="不存在街道").total == 0


def test_count_by_every_facet(loaded):
    store, pairs = loaded
    day = Counter(d.published_at.astimezone(R.DEFAULT_TZ).strftime("%Y-%m-%d") for d in all_docs(pairs))
    assert store.count_by("day") == dict(day)
    assert store.count_by("street") == dict(Counter(a.location.street for _, a in pairs))
    assert store.count_by("category") == dict(Counter(a.top_category for _, a in pairs))
    assert store.count_by("source") == dict(Counter(d.source for d, _ in pairs))
    assert store.count_by("sentiment") == dict(Counter(a.sentiment.label for _, a in pairs))


def test_count_by_with_query_and_filters(loaded):
    store, pairs = loaded
    since = START + timedelta(days=10)
    expected = Counter(a.location.street for d, a in pairs if "暴雨" in body(d) and d.published_at >= since
                       and a.top_category == "natural_disaster")
    assert store.count_by("street", query="暴雨", since=since, category="natural_disaster") == dict(expected)
    assert store.count_by("category", street="民治街道") == dict(
        Counter(a.top_category for _, a in pairs if a.location.street == "民治街道"))


def test_count_by_day_uses_shanghai_days(store):
    late = datetime(2024, 6, 1, 23, 30, tzinfo=R.DEFAULT_TZ)  # 15:30 UTC, still June 1st in Shanghai
    early = datetime(2024, 6, 1, 0, 30, tzinfo=R.DEFAULT_TZ)  # 16:30 UTC on May 31st
    utc_next = datetime.fromisoformat("2024-06-01T16:30:00+00:00")  # 00:30 on June 2nd in Shanghai
    store.put_documents([R.Document(id="a", text="甲", published_at=late),
                         R.Document(id="b", text="乙", published_at=early),
                         R.Document(id="c", text="丙", published_at=utc_next)])
    store.flush()
    assert store.count_by("day") == {"2024-06-01": 2, "2024-06-02": 1}


def test_unknown_facet_is_a_clear_error(store):
    with pytest.raises(StoreError, match="facet"):
        store.count_by("colour")
