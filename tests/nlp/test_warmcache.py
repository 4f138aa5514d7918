"""What start-up keeps on disk (nlp.warmcache) gives exactly what building it gives, and is rebuilt when
an input changes or the kept file is damaged."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# segments and places every real storm post, printing one JSON line per post
PROBE = r"""
import json, sys
from nlp.segment import configure, tokenize
from nlp.location import Locator
from nlp.eval.label import load_posts

class Config(dict):
    def resolve_path(self, key):
        return self[key]

configure(Config({"nlp.user_words": sys.argv[1:], "nlp.user_dict": ""}))
locator = Locator()
for post in list(load_posts().values()):
    location = locator.locate(post["text"])
    print(json.dumps([tokenize(post["text"], keep_stopwords=True), location.district, location.street],
                     ensure_ascii=False))
"""


def _probe(cache: str, *words: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, YUQING_WARM_CACHE=cache, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", PROBE, *words], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600, check=True)


def test_kept_tables_answer_as_built_ones_and_are_rebuilt_when_an_input_changes_or_is_damaged(tmp_path):
    built = _probe("off").stdout
    assert len(built.splitlines()) == 1981
    first = _probe(str(tmp_path))  # builds, then keeps
    kept = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.marshal"))
    assert kept == ["gazetteer", "jieba"]
    second = _probe(str(tmp_path))  # reads what was kept
    assert first.stdout == built and second.stdout == built
    jieba_file = next(tmp_path.glob("jieba-*.marshal"))
    # a user word is an input: another key, and the word is cut whole
    probe = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom nlp.segment import configure, tokenize\n"
         "class C(dict):\n    def resolve_path(self, k): return self[k]\n"
         "configure(C({'nlp.user_words': ['龙华民治大水坑'], 'nlp.user_dict': ''}))\n"
         "print(tokenize('龙华民治大水坑又淹了'))"],
        cwd=REPO, env=dict(os.environ, YUQING_WARM_CACHE=str(tmp_path), PYTHONPATH=str(REPO)),
        capture_output=True, text=True, timeout=600, check=True)
    assert "龙华民治大水坑" in probe.stdout
    assert len(list(tmp_path.glob("jieba-*.marshal"))) == 2 and jieba_file.exists()
    # a torn file: a warning naming it, the tables built again, the same answers
    jieba_file.write_bytes(jieba_file.read_bytes()[:1000])
    again = _probe(str(tmp_path))
    assert "could not be read" in again.stderr and jieba_file.name in again.stderr
    assert again.stdout == built
    assert jieba_file.stat().st_size > 1_000_000  # rewritten whole


def test_keys_follow_the_inputs(tmp_path):
    from nlp import warmcache

    source = tmp_path / "words.txt"
    source.write_text("甲\n", encoding="utf-8")
    first = warmcache.key(["x", source, ("a",)])
    assert warmcache.key(["x", source, ("a",)]) == first
    assert warmcache.key(["x", source, ("b",)]) != first
    source.write_text("甲乙\n", encoding="utf-8")  # size (and time) changed
    assert warmcache.key(["x", source, ("a",)]) != first
    assert json.dumps(warmcache.key([tmp_path / "missing"]))  # a missing file still keys


def test_kept_linear_models_equal_the_saved_ones(tmp_path, monkeypatch):
    import numpy as np

    from nlp.classify.linear import SparseLinearModel

    saved = sorted((REPO / "nlp" / "models").glob("*/*.npz"))
    assert len(saved) >= 5

    def arrays(model):
        rows, cols, values, shape = model._coo
        return [rows, cols, values, np.array(shape), model.intercept, np.array(model.labels), np.array(model.exclusive)]

    monkeypatch.setenv("YUQING_WARM_CACHE", "off")
    built = {path: SparseLinearModel.load(path) for path in saved}
    assert not list(tmp_path.iterdir())
    monkeypatch.setenv("YUQING_WARM_CACHE", str(tmp_path))
    for _ in range(2):  # builds and keeps, then reads what was kept
        for path in saved:
            kept = SparseLinearModel.load(path)
            for a, b in zip(arrays(kept), arrays(built[path])):
                assert a.dtype == b.dtype and np.array_equal(a, b)
    assert len(list(tmp_path.glob("linear-*.marshal"))) == len(saved)
    # a retrained model (another file at the same path) is read again, not taken from the cache
    first = saved[0]
    copy = tmp_path / "model.npz"
    copy.write_bytes(first.read_bytes())
    assert SparseLinearModel.load(copy).labels == built[first].labels
    other = next(p for p in saved if built[p].labels != built[first].labels)
    copy.write_bytes(other.read_bytes())
    os.utime(copy, ns=(1, 1))
    assert SparseLinearModel.load(copy).labels == built[other].labels


def test_a_kept_file_in_use_survives_pruning_and_an_unused_one_goes(tmp_path, monkeypatch):
    """Files of other keys unused for a day are pruned when a new one is kept: "unused" means not
    read, so the file a service reads at every start stays however old it was written."""
    import time

    from nlp import warmcache

    monkeypatch.setenv("YUQING_WARM_CACHE", str(tmp_path))
    builds = []

    def keep(tag):
        return warmcache.cached("probe", [tag], lambda: builds.append(tag) or {"tag": tag}, dict, dict)

    keep("in-use"), keep("unused")
    two_days_ago = time.time() - 2 * 86400
    for path in tmp_path.glob("probe-*.marshal"):
        os.utime(path, (two_days_ago, two_days_ago))
    assert keep("in-use") == {"tag": "in-use"} and builds == ["in-use", "unused"]  # read, not built
    keep("new")  # keeping another key prunes what was not used for a day
    names = {warmcache.key([tag]) for tag in ("in-use", "new")}
    assert {p.name.split("-")[1].split(".")[0] for p in tmp_path.glob("probe-*.marshal")} == names
    assert builds == ["in-use", "unused", "new"]
