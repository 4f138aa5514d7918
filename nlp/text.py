"""Text normalisation for analysis: width, script, invisible characters, repost chains.

:func:`normalize` runs in linear time, so a several-megabyte text costs milliseconds, not minutes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional


# Zero-width, bidi and BOM characters: they split words and hide phone numbers.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
# A repost chain: "comment//@someone:reposted text//@other:original". Weibo writes "：" or ":".
_REPOST = re.compile(r"//\s*@[^:：\s/]{1,30}\s*[:：]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
# letters, digits and emoji (signals); what is left is punctuation and symbols
_MEANINGFUL = re.compile("[^\\W_]|[\U0001F000-\U0001FAFF\u2600-\u27BF]")


@dataclass
class NormalizedText:
    """A text ready for analysis.

    Attributes:
        original: the text as received.
        text: cleaned: NFKC (full-width → half-width letters, digits and ASCII punctuation; Chinese
            punctuation kept), Traditional → Simplified, invisible characters removed, emoji and
            ``#话题#`` hashtags kept.
        original_post: for a repost chain, the innermost original post (cleaned); else ``text``.
        comments: the reposters' comments, outermost first (cleaned, empty ones dropped).
        is_empty: nothing worth analysing (empty, no Chinese, garbage).
        reason: why it is empty, for the log; ``None`` otherwise.
    """

    original: str
    text: str
    original_post: str
    comments: list[str] = field(default_factory=list)
    is_empty: bool = False
    reason: Optional[str] = None


def to_simplified(text: str) -> str:
    """Traditional → Simplified (opencc ``t2s``): the crawlers' conversion, so a page and a post read the same.

    opencc's pure-Python converter manages about 1M characters/s; most posts are already
    Simplified, so a text without a single Traditional character skips it.
    """
    from crawlers.text import to_simplified as convert

    return convert(text)


# Chinese punctuation that NFKC would turn into ASCII; kept as written because jieba and the
# extractors read the full-width forms (and "：" marks a repost chain).
_KEEP_WIDE = {ch: ch for ch in "，。！？；：（）【】「」『』、～"}


def _nfkc(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for chunk in re.split("([，。！？；：（）【】「」『』、～])", text):
        out.append(chunk if chunk in _KEEP_WIDE else unicodedata.normalize("NFKC", chunk))
    return "".join(out)


def clean(text: str) -> str:
    """Width, script and invisible characters, without splitting reposts."""
    text = _INVISIBLE.sub("", text or "")
    text = _CONTROL.sub(" ", text)
    text = _nfkc(text)
    if _HAN.search(text):
        text = to_simplified(text)
    return _SPACES.sub(" ", text).strip()


def empty_reason(text: str) -> Optional[str]:
    """Why ``text`` has nothing to analyse (empty, not Chinese, garbage), or ``None``."""
    if not text.strip():
        return "empty text"
    sample = text[:20000]  # a prefix decides; keeps MB texts linear and cheap
    han = len(_HAN.findall(sample))
    if han == 0:
        return "no Chinese characters"
    meaningful = len(_MEANINGFUL.findall(sample))
    if han < 2 or meaningful < len(sample.replace(" ", "")) * 0.3:
        return "garbage (mostly symbols)"
    if len(set(sample)) <= 2 and len(sample) > 10:
        return "garbage (one repeated character)"
    return None


def split_reposts(text: str) -> tuple[str, list[str]]:
    """``评论//@甲:转发内容//@乙:原文`` → (``原文``, [``评论``, ``转发内容``])."""
    parts = _REPOST.split(text)
    if len(parts) == 1:
        return text, []
    parts = [p.strip() for p in parts]
    original = parts[-1] or next((p for p in reversed(parts) if p), "")
    return original, [p for p in parts[:-1] if p]


def normalize(text: str) -> NormalizedText:
    """Clean ``text`` for analysis and split its repost chain (see :class:`NormalizedText`)."""
    original = text if isinstance(text, str) else ""
    cleaned = clean(original)
    post, comments = split_reposts(cleaned)
    reason = empty_reason(cleaned)
    return NormalizedText(original=original, text=cleaned, original_post=post, comments=comments,
                          is_empty=reason is not None, reason=reason)
