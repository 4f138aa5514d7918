"""Near-duplicates (reposts, copied news) are linked to the first copy, not dropped."""
from datetime import datetime

from crawlers.dedup import NearDuplicateIndex
from yuqing.records import DEFAULT_TZ, Document

T = datetime(2023, 9, 1, 20, 0, tzinfo=DEFAULT_TZ)
ORIGINAL = "民治街道某小区地下车库进水，多辆车被淹，三栋一单元有老人被困在电梯里，请求救援，电话13800000000。"


def doc(i, text, thread=None):
    return Document(id=f"d{i}", text=text, published_at=T, thread_id=thread)


def test_reposts_link_to_the_first_copy():
    index = NearDuplicateIndex(0.8)
    first = index.link(doc(1, ORIGINAL))
    repost = index.link(doc(2, "//@热心网友: " + ORIGINAL))
    repost_of_repost = index.link(doc(3, "//@路人甲://@热心网友: " + ORIGINAL + " "))
    other = index.link(doc(4, "观澜街道某电子厂近百名工人反映工厂拖欠三个月工资，春节前无法回家，希望街道协调。"))
    assert getattr(first, "duplicate_of", None) is None
    assert repost.duplicate_of == "d1" and repost.duplicate_similarity >= 0.8
    assert repost_of_repost.duplicate_of == "d1"
    assert getattr(other, "duplicate_of", None) is None


def test_short_replies_are_not_duplicates():
    index = NearDuplicateIndex(0.8)
    index.link(doc(1, "顶顶顶，支持"))
    assert getattr(index.link(doc(2, "顶顶顶，支持")), "duplicate_of", None) is None


def test_stored_documents_keep_their_root():
    index = NearDuplicateIndex(0.8)
    stored = doc(1, "转发：" + ORIGINAL)
    stored.duplicate_of = "d0"
    index.add_existing(stored)
    assert index.link(doc(2, ORIGINAL)).duplicate_of == "d0"
