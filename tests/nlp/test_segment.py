"""The engine's tokenizer cuts as jieba does (jieba-rs over jieba's dictionary and the engine's words),
on the real storm posts, and keeps jieba's cut of letters and digits."""
import jieba
import pytest

from nlp import segment
from nlp.eval.label import load_posts


@pytest.fixture(scope="module")
def reference():
    """jieba itself over the same dictionary: its words and frequencies as the segmenter's."""
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq in segment._user_words():
        tk.add_word(word, freq)
    return tk


def _kept(words):
    return [w.strip() for w in words if w.strip() and any(ch.isalnum() for ch in w.strip())]


def test_real_posts_are_cut_as_jieba_cuts_them(reference):
    posts = [post["text"] for post in load_posts().values()]
    assert len(posts) == 1981
    same, words, differing = 0, 0, 0
    for text in posts:
        ours, theirs = segment.tokenize(text, keep_stopwords=True), _kept(reference.lcut(text))
        words += len(theirs)
        if ours == theirs:
            same += 1
        else:  # jieba-rs's HMM joins or splits an unknown two-character word otherwise, now and then
            differing += len(set(theirs) ^ set(ours))
    assert same >= 0.98 * len(posts), f"{len(posts) - same} posts cut otherwise"
    assert differing <= 0.001 * words, f"{differing} of {words} words differ"


@pytest.mark.parametrize("text, expected", [
    ("2021.7.20郑州暴雨", ["2021.7", "20", "郑州", "暴雨"]),  # jieba's cut of a date, kept
    ("Wi-Fi断了", ["Wi", "Fi", "断", "了"]),
    ("4-5级阵风", ["4", "5", "级", "阵风"]),
    ("龙华区民治街道白石龙社区", ["龙华区", "民治街道", "白石龙社区"]),  # the engine's place words
])
def test_letters_digits_and_places_as_jieba(reference, text, expected):
    assert segment.tokenize(text, keep_stopwords=True) == expected == _kept(reference.lcut(text))


def test_the_segmenter_holds_jiebas_words_with_the_engines(reference):
    tokenizer = segment.tokenizer()
    assert tokenizer.size == sum(1 for freq in reference.FREQ.values() if freq > 0) > 380_000
