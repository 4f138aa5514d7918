"""Text helpers of the crawlers: HTML to plain text, canonical URLs, encodings, 繁→简.

Crawled text is hostile: it is only ever parsed (lxml), never evaluated, and the text that leaves
here holds no markup.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

#: Query parameters that only track a click; dropped from canonical URLs.
TRACKING_PARAMS = frozenset({
    "spm", "from", "fromid", "share", "share_from", "share_token", "shareid", "timestamp", "ts", "src",
    "isappinstalled", "scene", "clicktime", "enterid", "wfr", "vd_source", "fbclid", "gclid", "mc_cid",
    "mc_eid", "_hsenc", "_hsmi", "ref", "ref_src", "sessionid", "sid", "track_id", "bd_vid",
})
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "header", "footer"}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_TAG_HINT = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def canonical_url(url: str) -> str:
    """The URL without tracking parameters, fragment, default port or a trailing ``?``.

    Keeps the order of the remaining parameters sorted so that equal pages get equal ids.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(sorted(query)), ""))


def url_id(url: str) -> str:
    """The document id of a page: sha1 of its canonical URL (CONTRACT.md)."""
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()


def looks_like_html(text: str) -> bool:
    return bool(_TAG_HINT.search(text or ""))


def element_text(element) -> str:
    """Readable text of an lxml element: block elements become line breaks, scripts are dropped."""
    for bad in list(element.iter(*_DROP_TAGS)):
        if bad is not element and bad.getparent() is not None:
            bad.drop_tree()
    chunks: list[str] = []
    _walk(element, chunks)
    return _tidy("".join(chunks))


def _walk(element, chunks: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag.lower() in _BLOCK_TAGS
    if block:
        chunks.append("\n")
    if element.text and tag:
        chunks.append(element.text)
    for child in element:
        _walk(child, chunks)
        if child.tail:
            chunks.append(child.tail)
    if block:
        chunks.append("\n")


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (or of text that may hold a few tags, as JSON APIs send)."""
    if not fragment or not fragment.strip():
        return ""
    if not looks_like_html(fragment):
        return _tidy(lxml.html.fromstring(f"<div>{fragment}</div>").text_content()) if "&" in fragment \
            else _tidy(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    return element_text(root)


def extract_main_text(html: str, url: Optional[str] = None) -> str:
    """The article text of a whole page, with trafilatura (boilerplate such as menus removed).

    Falls back to the text of ``<body>`` when trafilatura finds no article (short forum posts).
    """
    import trafilatura

    if not html or not html.strip():
        return ""
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_recall=True)
    if text:
        return _tidy(text)
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    body = root.find("body")
    return element_text(body if body is not None else root)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC's t2s dictionary changes (a quick test before the slow conversion)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets.split(" ")[0] != source:
            chars.add(source)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s); other text passes unchanged."""
    if not text:
        return text
    traditional = _traditional_chars()
    if traditional and traditional.isdisjoint(text):
        return text  # nothing to convert: most posts are in Simplified Chinese already (one C loop: the
        # stage-1 analysis spent a tenth of its time here with a character-class regex)
    return _t2s().convert(text)


def detect_encoding(body: bytes) -> Optional[str]:
    """Best guess of a page's encoding from its bytes (charset-normalizer), normalised for Chinese.

    GB2312 and GBK are read as GB18030 (their superset), so no character is lost.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536], cp_isolation=["utf_8", "gb18030", "big5", "big5hkscs"]).best()
    if best is None:
        return None
    name = best.encoding.lower().replace("-", "_")
    if name in ("gb2312", "gbk", "gb18030", "hz"):
        return "gb18030"
    if name.startswith("big5"):
        return "big5hkscs"
    return best.encoding


CAPTCHA_MARKERS = ("验证码", "captcha", "请完成安全验证", "人机验证", "滑动验证", "拖动滑块", "访问过于频繁",
                   "请登录后查看", "登录后才能查看", "请先登录", "security check", "are you a robot")


def looks_like_block_page(html: str) -> bool:
    """A captcha, a login wall or an anti-bot notice rather than content (short page with a marker)."""
    if not html or len(html) > 50_000:
        return False
    lowered = html.lower()
    if not any(marker in lowered for marker in CAPTCHA_MARKERS):
        return False  # the cheap test first: most pages carry no marker at all
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return False
    text = element_text(root).lower()
    return len(text) < 600 and any(marker in text for marker in CAPTCHA_MARKERS)
