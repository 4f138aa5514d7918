"""Normalisation: width, script, invisible characters, emoji and hashtags, repost chains, empties."""
import pytest

from nlp.text import normalize, split_reposts


def test_full_width_digits_and_letters_become_half_width():
    out = normalize("电话１３８００１３８０００，ＡＢＣ")
    assert "13800138000" in out.text and "ABC" in out.text
    assert "，" in out.text  # Chinese punctuation stays as written


def test_traditional_becomes_simplified():
    assert normalize("我們被困在龍華區，請救救我們").text == "我们被困在龙华区，请救救我们"


def test_invisible_characters_removed_so_numbers_join():
    out = normalize("电话138\u200b0013\u200d8000\ufeff")
    assert out.text == "电话13800138000"


def test_emoji_and_hashtags_are_kept():
    out = normalize("#深圳暴雨# 好可怕😭🙏")
    assert "#深圳暴雨#" in out.text and "😭" in out.text and not out.is_empty


def test_repost_chain_gives_innermost_original_and_comments():
    out = normalize("求扩散//@张三:转发一下//@李四：救命！民治街道被困")
    assert out.original_post == "救命！民治街道被困"
    assert out.comments == ["求扩散", "转发一下"]


def test_text_without_repost_is_its_own_original():
    out = normalize("我家被淹了")
    assert out.original_post == "我家被淹了" and out.comments == []


def test_split_reposts_skips_empty_comments():
    assert split_reposts("//@甲:原文") == ("原文", [])


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("   \n ", "empty"), ("hello world, nothing here", "no Chinese"),
    ("!!!@@@###$$$", "no Chinese"), ("啊" * 30, "garbage"), ("哈" + "@#$%^&*" * 20, "garbage"),
])
def test_empty_inputs_have_a_reason(text, reason):
    out = normalize(text)
    assert out.is_empty and reason in out.reason


def test_none_is_treated_as_empty():
    assert normalize(None).is_empty


def test_long_text_is_handled_whole():
    text = "暴雨中被困求助，民治街道。" * 200_000  # 2.6 million characters
    out = normalize(text)
    assert len(out.text) == len(text) and not out.is_empty
