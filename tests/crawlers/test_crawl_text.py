"""HTML to text, canonical URLs, encodings, 繁→简 and block-page detection."""
import pytest

from crawlers.text import (canonical_url, detect_encoding, extract_main_text, html_to_text, looks_like_block_page,
                           to_simplified, url_id)

STORY = "民治街道今日发布暴雨预警，请居民注意出行安全，低洼地带住户提前转移。" * 4


def test_html_fragment_becomes_plain_text_without_scripts():
    text = html_to_text("<p>第一段<b>加粗</b></p><script>alert('x')</script><style>p{}</style>"
                        "<div>第二段<br>换行</div><!-- 注释 -->尾巴 &amp; 符号")
    assert text == "第一段加粗\n第二段\n换行\n尾巴 & 符号"
    assert "<" not in text and "alert" not in text


def test_whole_page_keeps_article_and_drops_boilerplate():
    html = (f"<html><head><title>t</title></head><body><nav>首页 新闻 公告 联系我们</nav><article><h1>暴雨预警</h1>"
            f"<p>{STORY}</p><p>{STORY}</p></article><footer>版权所有 粤ICP备</footer></body></html>")
    text = extract_main_text(html)
    assert STORY in text and "版权所有" not in text and "<" not in text


def test_canonical_url_strips_tracking_and_fragment():
    a = canonical_url("HTTP://News.Example.com:80/a/1.html?utm_source=wx&id=3&spm=a.b&from=timeline#top")
    assert a == "http://news.example.com/a/1.html?id=3"
    assert url_id("http://news.example.com/a/1.html?id=3&utm_medium=x") == url_id(a)
    assert canonical_url("https://x.cn:8443/p?b=2&a=1") == "https://x.cn:8443/p?a=1&b=2"


@pytest.mark.parametrize("encoding, expected", [("gbk", "gb18030"), ("gb18030", "gb18030"),
                                                ("big5", "big5hkscs"), ("utf-8", "utf_8")])
def test_encoding_sniffed_from_bytes(encoding, expected):
    text = STORY if encoding != "big5" else "沙井街道一間健身房突然關門，數百名會員的預付卡無法退款，會員們聚集在門口討說法。" * 3
    html = f"<html><body><p>{text}</p></body></html>".encode(encoding)
    found = detect_encoding(html)
    assert found.replace("-", "_").lower() == expected
    assert text in html.decode(found)


def test_traditional_to_simplified():
    assert to_simplified("會員們聚集在門口討說法") == "会员们聚集在门口讨说法"
    assert to_simplified("民治街道") == "民治街道"


def test_block_pages_recognised_by_visible_text():
    assert looks_like_block_page("<html><body><p>访问过于频繁，请输入验证码</p></body></html>")
    assert looks_like_block_page("<html><body><p>请登录后查看全文</p></body></html>")
    assert not looks_like_block_page("<html><body><a href='/captcha.html'>问题页</a></body></html>")
    assert not looks_like_block_page(f"<html><body><p>{STORY * 5}验证码</p></body></html>")
