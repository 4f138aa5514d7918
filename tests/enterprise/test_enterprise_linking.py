"""Linking posts and tickets to enterprises, precision first: a name shared by two enterprises links to
neither without more evidence (street, address, full name); a bare short 字号 links nothing."""
from enterprise.linking import Linker, short_names, terms_in
from enterprise.records import Enterprise

XINDA_A = Enterprise(id="A", name="深圳市鑫达电子有限公司", names=["深圳市鑫达电子有限公司"], street="民治街道",
                     address="民治大道328号鑫达工业园")
XINDA_B = Enterprise(id="B", name="深圳市鑫达电子科技有限公司", names=["深圳市鑫达电子科技有限公司"], street="大浪街道")
HONGXING = Enterprise(id="C", name="深圳市宏兴智造有限公司", names=["深圳市宏兴智造有限公司", "深圳市宏兴五金有限公司"],
                      aliases=["宏兴老厂"], street="观澜街道")


def linked(text, street=None):
    linker = Linker([XINDA_A, XINDA_B, HONGXING])
    return {m.enterprise: m.via for m in linker.link(text, street=street)}


def test_short_names_of_a_registered_name():
    assert short_names("深圳市鑫达电子有限公司") == ("鑫达电子", "鑫达")
    assert short_names("深圳市鑫达电子科技有限公司") == ("鑫达电子科技", "鑫达")


def test_a_name_shared_by_two_enterprises_links_to_neither():
    assert linked("鑫达厂拖欠工资三个月了，工人去讨薪") == {}
    assert linked("鑫达电子又没发工资") == {}  # A's short name is also the start of B's: still shared


def test_more_evidence_singles_one_out():
    assert list(linked("民治街道鑫达厂拖欠工资")) == ["A"]  # the street in the text
    assert list(linked("鑫达厂拖欠工资", street="大浪街道")) == ["B"]  # the post's analysed street
    via = linked("深圳市鑫达电子科技有限公司拖欠工资")["B"]  # the full name is B's alone
    assert via == ["全称 深圳市鑫达电子科技有限公司"]
    assert list(linked("民治大道328号鑫达工业园门口有人拉横幅")) == ["A"]  # the address


def test_evidence_for_both_links_neither():
    assert linked("鑫达厂拖欠工资", street="福城街道") == {}
    assert linked("民治街道和大浪街道的鑫达厂都在欠薪") == {}


def test_unique_names_former_names_and_aliases():
    assert list(linked("宏兴五金停产了")) == ["C"]
    assert list(linked("宏兴厂晚上在拉走设备")) == ["C"]
    assert linked("深圳市宏兴五金有限公司要外迁")["C"] == ["曾用名 深圳市宏兴五金有限公司"]  # renamed
    assert list(linked("宏兴老厂又在招工")) == ["C"]


def test_a_bare_short_core_name_links_nothing():
    assert linked("宏兴这个牌子的锅不错") == {}  # 宏兴 alone is a brand, a shop, a person


def test_signal_words():
    assert terms_in("鑫达厂门口工人聚集拉横幅讨薪") == {"arrears": ["讨薪"], "gathering": ["聚集", "拉横幅"]}
    assert "hearsay" in terms_in("听说宏兴厂要搬走了？")


def test_links_are_kept_per_document_and_month(store):
    from datetime import datetime

    from enterprise.linking import relink
    from yuqing.records import DEFAULT_TZ, Analysis, Document

    when = datetime(2026, 7, 3, 9, tzinfo=DEFAULT_TZ)
    docs = [Document(id="p1", text="民治街道鑫达厂拖欠工资，工人堵门", published_at=when, source="forum", source_type="forum"),
            Document(id="p2", text="鑫达厂今天招工", published_at=when, source="forum", source_type="forum"),
            Document(id="t1", text="反映宏兴五金拖欠工资", published_at=when, source="12345", source_type="hotline")]
    store.put_documents(docs)
    store.put_analyses([Analysis.model_validate({"id": "p1", "sentiment": {"label": "negative", "score": 0.9},
                                                 "location": {"street": "民治街道"}})])
    store.flush()
    linker = Linker([XINDA_A, XINDA_B, HONGXING])
    start, end = datetime(2026, 7, 1, tzinfo=DEFAULT_TZ), datetime(2026, 8, 1, tzinfo=DEFAULT_TZ)
    assert relink(store, linker, start, end) == {"documents": 3, "links": 2, "removed": 0}
    links = {link.doc_id: link for link in store.find_records("enterprise_links")}
    assert set(links) == {"p1", "t1"}  # p2 names a shared name with nothing more: not linked
    assert links["p1"].enterprise == "A" and links["p1"].month == "2026-07" and links["p1"].sentiment == "negative"
    assert links["p1"].terms == {"arrears": ["拖欠工资", "欠工资", "拖欠"], "gathering": ["堵门"]}
    assert links["t1"].enterprise == "C" and links["t1"].source_type == "hotline"
    # the names change (B leaves the register): p2 now names A alone, and linking again follows
    assert relink(store, Linker([XINDA_A, HONGXING]), start, end)["links"] == 3
