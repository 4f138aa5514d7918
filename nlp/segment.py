"""jieba segmentation with the engine's own dictionaries (districts, streets, governance words), cut by
jieba-rs (:class:`Segmenter`).

:func:`tokenize` is the one tokenizer every stage uses (clustering labels, keyword rules, case
search), so that a word means the same thing everywhere.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

LEXICONS = Path(__file__).parent / "lexicons"
HOME_CITY = "深圳市"  # communities and landmarks of this city become words

_lock = threading.Lock()
_tokenizer = None

#: Tokens that carry no meaning for keywords, labels or rules.
STOPWORDS = frozenset("的 了 是 在 和 与 及 就 都 而 也 有 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 一个 "
                      "吗 吧 呢 啊 呀 哦 嗯 着 过 被 把 让 给 对 从 到 为 以 于 之 其 或 但 并 又 还 很 "
                      "不 没 没有 什么 怎么 如何 可以 已经 现在 今天 明天 昨天 一下 大家".split())


_extra_words: list[str] = []
_extra_dicts: list[str] = []


#: jieba's ``re_skip``: how jieba cuts a run of letters, digits and signs that is not a word
#: ("2021.7.20" → "2021.7" "." "20", "Wi-Fi" → "Wi" "-" "Fi"), which jieba-rs keeps whole.
_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_HAN = re.compile("[\u4E00-\u9FD5]")


class Segmenter:
    """jieba's precise mode with the HMM for unknown words, cut by jieba-rs (``rjieba``, ~25x faster
    than jieba in Python: a third of the first stage's time) over jieba's own dictionary and
    the engine's words, frequencies as jieba computes them.

    On 18,661 real and public posts it gives jieba's words but for 212 of 765,858 (jieba-rs's HMM
    joins or splits a few unknown two-character words otherwise: 这款 → 这 款); runs of letters and
    digits are cut as jieba cuts them (:data:`_SKIP`)."""

    def __init__(self, words: list[str], freqs: list[int]):
        import rjieba

        self._rs = rjieba.Jieba.empty()
        add = self._rs.add_word
        for word, freq in zip(words, freqs):
            add(word, freq, None)
        self._has = self._rs.has_word
        self.size = len(words)

    def lcut(self, text: str) -> list[str]:
        out = []
        for word in self._rs.cut(text, True):
            if len(word) > 1 and not "\u4e00" <= word[0] <= "\u9fd5" and not _HAN.search(word) \
                    and not _SKIP.fullmatch(word) and not self._has(word):
                out.extend(part for part in _SKIP.split(word) if part)
            else:
                out.append(word)
        return out


def _build() -> Segmenter:
    """The segmenter over jieba's dictionary with the engine's words added. jieba computes the words'
    frequencies (its ``add_word`` suggests one for a word given none); the word list is kept on disk
    between runs (:mod:`nlp.warmcache`: one read instead of jieba's cache, 45,000 ``add_word`` calls
    and the gazetteer)."""
    import jieba

    from nlp import gazetteer, warmcache

    jieba.setLogLevel(logging.WARNING)  # its import sets DEBUG: "Building prefix dict…" on every build

    def build():
        tk = jieba.Tokenizer()
        tk.initialize()
        for word, freq in _user_words():
            tk.add_word(word, freq)
        for path in _extra_dicts:
            tk.load_userdict(path)
        # a frequency of 0 is a prefix of a word (or a word deleted): not a word
        kept = [(word, freq) for word, freq in tk.FREQ.items() if freq > 0]
        return [w for w, _ in kept], [f for _, f in kept]

    parts = ["jieba", getattr(jieba, "__version__", ""), Path(jieba.__file__).parent / "dict.txt", HOME_CITY,
             *sorted(LEXICONS.glob("*.txt")), *gazetteer.default_inputs(), Path(__file__), Path(gazetteer.__file__),
             tuple(_extra_words), *(Path(p) for p in _extra_dicts)]
    words, freqs = warmcache.cached("jieba", parts, build, list, tuple)
    return Segmenter(words, freqs)


def _lexicon_words() -> Iterable[tuple[str, Optional[int]]]:
    """nlp/lexicons/*.txt: one word a line, optional frequency; ``#`` starts a comment."""
    for path in sorted(LEXICONS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                word, _, freq = line.partition(" ")
                yield word, int(freq) if freq.strip().isdigit() else None


def _user_words() -> Iterable[tuple[str, Optional[int]]]:
    """The engine's dictionaries: governance and disaster vocabulary, then place names (districts
    and streets of all China; communities and landmarks of the home city), then the user's words."""
    yield from _lexicon_words()
    from nlp.gazetteer import default_gazetteer
    for name in default_gazetteer().words(HOME_CITY):
        yield name, 2000
    for word in _extra_words:
        yield word, None


def configure(config) -> None:
    """Add the words of ``nlp.user_words`` and ``nlp.user_dict``; the tokenizer is rebuilt on next use.

    Raises:
        ConfigError: the user dictionary named by ``nlp.user_dict`` does not exist.
    """
    global _tokenizer
    words = [str(w) for w in config["nlp.user_words"] or []]
    dicts = []
    if config["nlp.user_dict"]:
        path = config.resolve_path("nlp.user_dict")
        if not Path(path).is_file():
            from yuqing.errors import ConfigError
            raise ConfigError(f"nlp.user_dict: {path} does not exist; give a jieba dictionary file "
                              "(one word a line) or leave the setting empty")
        dicts.append(str(path))
    with _lock:
        if words != _extra_words or dicts != _extra_dicts:
            _extra_words[:] = words
            _extra_dicts[:] = dicts
            _tokenizer = None
            _cut.cache_clear()


def tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build()
    return _tokenizer


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    """jieba's words of ``text`` with whitespace and punctuation dropped, remembered for the last
    few thousand texts: the analyser reads each post twice (hashed features, keywords)."""
    words = []
    for word in tokenizer().lcut(text):
        word = word.strip()
        if word.isalnum() or any(ch.isalnum() for ch in word):
            words.append(word)
    return tuple(words)


def forget() -> None:
    """Drop the remembered cuts, so the next reading of a text cuts it again (the benches time every
    pass as a first reading, as of new posts)."""
    _cut.cache_clear()


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Words of ``text``: jieba precise mode, whitespace and punctuation dropped."""
    words = _cut(text or "")
    return list(words) if keep_stopwords else [w for w in words if w not in STOPWORDS]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return STOPWORDS
