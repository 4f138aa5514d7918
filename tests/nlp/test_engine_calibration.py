"""The `auto` engine: measured on this CPU, recorded in the model cache, followed, and overruled.

Every test runs the real engines on a copy of the model cache (symlinks to the prepared files), so
the machine's own record in ~/.cache is never touched. Records that say something the machine did
not measure (another CPU, another winner) are written as real files, the way a cache folder shared
by two machines would hold them.
"""
import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from nlp.backbone.calibrate import (  # noqa: E402
    RECORD_FILE, CpuInfo, calibrate, candidates, choose, cpu_info, eligible, engine_for_machine, key_id,
    machine_key, read_records, recorded)
from nlp.backbone.engines import ENGINES, AutoEngine, OnnxFp32Engine, OnnxInt8Engine  # noqa: E402
from nlp.backbone.onnxrt import prepare_onnx  # noqa: E402

ONNX = ("onnx-int8", "onnx-fp32")  # torch's two engines cost a minute more on two shared cores
POSTS = ["紧急求助：老人被困三楼，水已经到腰了，金水区文化路街道某小区", "小区物业乱收费，业主维权无门",
         "#河南暴雨互助# 急需冲锋舟和救生衣，新乡牧野区，帮转！", "今天天气很好，公园里人很多"]


@pytest.fixture(scope="module")
def prepared():
    return prepare_onnx()


@pytest.fixture
def cache(tmp_path, prepared):
    """A model cache of its own: the prepared files linked, no calibration record."""
    folder = tmp_path / "e5-small"
    folder.mkdir()
    for path in prepared.iterdir():
        if path.name != RECORD_FILE and not path.name.startswith("."):
            (folder / path.name).symlink_to(path)
    return folder


@pytest.fixture(scope="module")
def measured(tmp_path_factory, prepared):
    """One real calibration of the two ONNX engines on 8 real-length posts, in a cache of its own."""
    folder = tmp_path_factory.mktemp("measured") / "e5-small"
    folder.mkdir()
    for path in prepared.iterdir():
        if path.name != RECORD_FILE and not path.name.startswith("."):
            (folder / path.name).symlink_to(path)
    return folder, calibrate(folder, names=ONNX, batch=8)


def _write(cache, records):
    (cache / RECORD_FILE).write_text(json.dumps({"format": 1, "records": {key_id(r["key"]): r for r in records}}),
                                     encoding="utf-8")


def _with_speeds(record, **speeds):
    """The measured record with other speeds: a record this machine could have written on a busier day."""
    record = json.loads(json.dumps(record))
    for name, value in speeds.items():
        record["engines"][name.replace("_", "-")]["docs_per_s"] = value
    return record


def test_calibration_is_written_and_read_back(measured):
    cache, record = measured
    assert (cache / RECORD_FILE).exists()
    key = machine_key(cache)
    assert record["key"] == key and key["cpu_model"] == cpu_info().model and key["cpu_flags"]
    assert key["packages"]["onnxruntime"] and key["weights_sha256"]
    assert recorded(cache, key) == record
    assert set(record["engines"]) == set(ONNX)
    for measurement in record["engines"].values():
        assert measurement["docs_per_s"] > 0 and len(measurement["passes_docs_per_s"]) == 3
        assert measurement["docs_per_s"] == sorted(measurement["passes_docs_per_s"])[1]  # the median
    assert record["engines"]["onnx-fp32"]["min_cosine"] == 1.0  # the reference when torch is not measured
    assert record["engines"]["onnx-int8"]["min_cosine"] >= 0.99
    assert record["chosen"] == max(ONNX, key=lambda n: record["engines"][n]["docs_per_s"])
    assert record["texts"]["count"] == 8 and record["texts"]["mean_chars"] > 30


def test_a_recorded_machine_is_not_measured_again(measured):
    cache, record = measured
    before = (cache / RECORD_FILE).read_bytes()
    name, again = engine_for_machine(cache, names=ONNX, batch=8)
    assert again == record and name == record["chosen"]
    assert (cache / RECORD_FILE).read_bytes() == before


def test_another_cpu_in_the_record_means_calibrating_again(cache, measured):
    other = json.loads(json.dumps(measured[1]))
    other["key"]["cpu_model"] = "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"
    other["key"]["cpu_flags"] = "avx avx2 fma sse4_2"
    other["measured_at"] = "2026-01-01T00:00:00+00:00"
    _write(cache, [other])
    assert recorded(cache, machine_key(cache)) is None
    name, record = engine_for_machine(cache, names=ONNX, batch=8)
    assert record["key"] == machine_key(cache) and record["measured_at"] > other["measured_at"]
    records = read_records(cache)
    assert set(records) == {key_id(other["key"]), key_id(machine_key(cache))}  # the other machine's kept
    assert name == record["chosen"]


def test_other_threads_or_packages_are_another_key(cache):
    key = machine_key(cache)
    assert key_id(machine_key(cache, threads=1)) != key_id(key)
    changed = json.loads(json.dumps(key))
    changed["packages"]["onnxruntime"] = "0.0.1"
    _write(cache, [{"key": changed, "engines": {}, "measured_at": "x"}])
    assert recorded(cache, key) is None


@pytest.mark.parametrize("fastest,engine_class", [("onnx-fp32", OnnxFp32Engine), ("onnx-int8", OnnxInt8Engine)])
def test_auto_follows_the_record(cache, measured, fastest, engine_class):
    speeds = {"onnx_fp32": 50.0, "onnx_int8": 40.0} if fastest == "onnx-fp32" else {"onnx_fp32": 40.0, "onnx_int8": 50.0}
    _write(cache, [_with_speeds(measured[1], **speeds)])
    auto = ENGINES.get("auto")(cache=str(cache), batch_size=4)
    vectors = auto.encode(POSTS)
    assert auto.chosen == fastest and type(auto.resolve()) is engine_class
    direct = engine_class(cache=str(cache), batch_size=4).encode(POSTS)
    np.testing.assert_allclose(vectors, direct, atol=1e-6)


def test_int8_is_refused_when_it_does_not_agree_with_fp32(cache):
    # no int8 embedding reaches a cosine of 1.0001 to fp32: the agreement check must fail
    record = calibrate(cache, names=ONNX, batch=8, min_cosine=1.0001)
    assert record["engines"]["onnx-int8"]["min_cosine"] < 1.0001
    assert "onnx-int8" not in eligible(record, 1.0001)
    assert record["chosen"] == "onnx-fp32"
    # the same measurement, on a day int8 was much faster: still refused at that tolerance
    fast_int8 = _with_speeds(record, onnx_int8=10_000.0)
    _write(cache, [fast_int8])
    assert choose(fast_int8, 1.0001) == "onnx-fp32"
    assert choose(fast_int8, 0.99) == "onnx-int8"
    strict = AutoEngine(cache=str(cache), min_cosine=1.0001)
    strict.encode(POSTS[:1])
    assert strict.chosen == "onnx-fp32"


def test_an_explicit_engine_wins_and_never_calibrates(tmp_path, cache, measured):
    from nlp.analyzer import Analyzer
    from yuqing.config import declared_settings, load_config

    assert declared_settings()["nlp.models.engine"].default == "auto"
    assert ENGINES.get("auto") is AutoEngine
    path = tmp_path / "config.yaml"
    path.write_text(f"nlp:\n  models:\n    cache: {cache}\n    engine: onnx-fp32\n", encoding="utf-8")
    analyzer = Analyzer.from_config(load_config(path, environ={}))
    assert type(analyzer.engine) is OnnxFp32Engine
    analyzer.engine.encode(POSTS)
    assert not (cache / RECORD_FILE).exists()  # no record read, none measured
    _write(cache, [_with_speeds(measured[1], onnx_fp32=1.0, onnx_int8=99.0)])
    assert type(Analyzer.from_config(load_config(path, environ={})).engine) is OnnxFp32Engine
    path.write_text(f"nlp:\n  models:\n    cache: {cache}\n", encoding="utf-8")
    auto = Analyzer.from_config(load_config(path, environ={})).engine
    auto.encode(POSTS[:1])
    assert type(auto) is AutoEngine and auto.chosen == "onnx-int8"


def test_bf16_is_a_candidate_only_on_cpus_that_compute_it():
    assert "torch-bf16" not in candidates(CpuInfo("AVX2-only", ("avx", "avx2", "fma", "sse4_2")))
    assert "torch-bf16" in candidates(CpuInfo("Zen 4", ("avx2", "avx512f", "avx512_bf16")))
    assert "torch-bf16" in candidates(CpuInfo("Sapphire Rapids", ("avx512f", "amx_bf16", "amx_tile")))
    assert CpuInfo("x", ("avx2", "avx512_vnni", "fpu", "sse2")).vector_extensions == ("avx2", "avx512_vnni")


def test_an_unreadable_record_means_calibrating(cache):
    (cache / RECORD_FILE).write_text("{not json", encoding="utf-8")
    assert read_records(cache) == {}
    assert recorded(cache, machine_key(cache)) is None
