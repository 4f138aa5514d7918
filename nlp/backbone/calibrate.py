"""Which stage-2 engine is fastest on this CPU: measured once, recorded next to the weights.

The fastest engine differs between CPUs: ONNX int8 was 3.8× a plain fp32 script on an AVX-512/VNNI
machine and once slower than ONNX fp32 on an AVX2-only one (issue 11). So the ``auto`` engine
(``nlp.models.engine``) does not trust a developer's figure: :func:`calibrate` times every engine this
machine can run on a fixed batch of real-length posts and writes the result to
``engine-calibration.json`` in the model cache, keyed by the CPU (model and flags), the thread count,
the installed onnxruntime/torch/transformers and the weights. :func:`engine_for_machine` reads the
record (milliseconds) or calibrates when this machine has none yet (once; about 10 s on the 2-core
development machine at load 3: loading the four engines ~6 s, of which importing torch ~3 s, warm-ups
~1 s, timed passes ~3 s; minutes when the machine is very busy).

Candidates: ``onnx-int8``, ``onnx-fp32``, ``torch-fp32``, and ``torch-bf16`` only when the CPU has
avx512_bf16 or AMX (elsewhere bf16 is emulated and slow). Each is warmed up on 8 posts, then timed in
three passes taken in turns (so a busy shared machine slows them alike) and its median kept; the
passes encode up to 32 real storm posts (dev split) in length-sorted batches of 4, fewer posts when
the warm-ups say the passes would take more than 4 s. A reduced
precision (int8, bf16) is eligible only when every embedding of the batch has a cosine of at least
``min_cosine`` (0.99) to the fp32 reference; the record keeps the cosines, so a different tolerance
is applied to the same measurement without timing again.

    python -m nlp.backbone.calibrate [--cache DIR] [--threads N] [--force] [--min-cosine 0.99]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from nlp.backbone.convert import prepare

log = logging.getLogger(__name__)

RECORD_FILE = "engine-calibration.json"
RECORD_FORMAT = 1
CANDIDATES = ("onnx-int8", "onnx-fp32", "torch-fp32", "torch-bf16")
FP32 = ("torch-fp32", "onnx-fp32")  # the reference precision, in order of preference
MIN_COSINE = 0.99
BATCH = 32
PASSES = 3
ENCODE_BATCH = 4  # small length-sorted batches pad little, like the service's batches of many windows
BUDGET_S = 4.0  # the timed passes of all engines together; the warm-ups decide how many texts fit
MIN_TEXTS = 8
MAX_RECORDS = 16  # one cache folder shared by several machines keeps each machine's record
PACKAGES = ("onnxruntime", "torch", "transformers")
_VECTOR = re.compile(r"^(sse4_[12]|ssse3|avx.*|fma|f16c|amx.*|asimd.*|sve.*|bf16|i8mm|neon)$")


@dataclass(frozen=True)
class CpuInfo:
    """The CPU's model name and feature flags, as ``lscpu`` prints them."""

    model: str
    flags: tuple[str, ...]

    @property
    def vector_extensions(self) -> tuple[str, ...]:
        """The SIMD flags that decide which engine is fast (AVX2, AVX-512, VNNI, BF16, AMX, NEON)."""
        return tuple(f for f in self.flags if _VECTOR.match(f))

    @property
    def has_bf16(self) -> bool:
        """True when bf16 matrix products run natively (avx512_bf16, AMX, or Arm's bf16)."""
        return bool({"avx512_bf16", "amx_bf16", "bf16"} & set(self.flags))

    def describe(self) -> str:
        return f"{self.model}; vector extensions: {' '.join(self.vector_extensions) or 'none'}"


def cpu_info() -> CpuInfo:
    """The CPU of this machine: ``lscpu``, else ``/proc/cpuinfo``, else :func:`platform.processor`."""
    fields: dict[str, str] = {}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5, check=True,
                              env={**os.environ, "LC_ALL": "C"}).stdout
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}
    except (OSError, subprocess.SubprocessError):
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                key, _, value = line.partition(":")
                fields.setdefault(key.strip().lower(), value.strip())
        except OSError:
            pass
    model = fields.get("model name") or fields.get("cpu part") or platform.processor() or platform.machine()
    flags = fields.get("flags") or fields.get("features") or ""
    return CpuInfo(model, tuple(sorted(set(flags.split()))))


def machine_key(cache: Path, threads: int | None = None, cpu: CpuInfo | None = None) -> dict:
    """What a calibration holds for: CPU, threads, package versions and the weights measured."""
    cpu = cpu or cpu_info()
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        weights = json.loads((Path(cache) / "manifest.json").read_text(encoding="utf-8")).get("source_sha256")
    except (OSError, ValueError):
        weights = None
    return {"cpu_model": cpu.model, "cpu_flags": " ".join(cpu.flags), "threads": threads or None,
            "packages": versions, "weights_sha256": weights}


def key_id(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:16]


# --- the record -----------------------------------------------------------------------------------

def read_records(cache: Path) -> dict[str, dict]:
    """Every machine's record in ``cache`` (empty when there is none or it cannot be read)."""
    try:
        data = json.loads((Path(cache) / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {}
    return data.get("records", {})


def recorded(cache: Path, key: dict) -> dict | None:
    """This machine's record, or ``None`` when it was never calibrated (or its key changed)."""
    record = read_records(cache).get(key_id(key))
    return record if record and record.get("key") == key else None


def write_record(cache: Path, record: dict) -> None:
    """Add (or replace) one machine's record; a read-only cache only logs it."""
    records = read_records(cache)
    records[key_id(record["key"])] = record
    kept = dict(sorted(records.items(), key=lambda item: item[1].get("measured_at", ""))[-MAX_RECORDS:])
    path = Path(cache) / RECORD_FILE
    tmp = path.with_name(f".{RECORD_FILE}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps({"format": RECORD_FORMAT, "records": kept}, indent=2, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("engine calibration not saved in %s (%s): it will run again next start", cache, exc)


def eligible(record: dict, min_cosine: float = MIN_COSINE) -> list[str]:
    """The engines measured, fastest first, whose embeddings agree with fp32 within ``min_cosine``."""
    engines = record.get("engines", {})
    ok = [name for name, m in engines.items()
          if m.get("docs_per_s") and (name in FP32 or (m.get("min_cosine") or 0.0) >= min_cosine)]
    return sorted(ok, key=lambda name: -engines[name]["docs_per_s"])


def choose(record: dict, min_cosine: float = MIN_COSINE) -> str:
    """The fastest eligible engine of a record."""
    ranked = eligible(record, min_cosine)
    if not ranked:
        from yuqing.errors import ConfigError
        raise ConfigError(f"no stage-2 engine could be measured on this machine ({record.get('engines')}); "
                          "run `python -m nlp.backbone.prepare` or set nlp.models.engine explicitly")
    return ranked[0]


# --- the measurement ------------------------------------------------------------------------------

def calibration_texts(count: int = BATCH) -> tuple[list[str], str]:
    """A fixed batch of real posts (the Henan storm dev split, spread over its ids), else the
    project's hand-written rescue posts; never the frozen test split."""
    from nlp.eval.label import MANIFEST

    repo = Path(__file__).resolve().parents[2]
    roots = [Path(os.environ["YUQING_DATA"])] if os.environ.get("YUQING_DATA") else []
    for root in roots + [repo.parent / "shared" / "data", Path("/work/shared/data")]:
        posts_file = root / "henan_storm_unlabelled" / "posts.jsonl"
        if not posts_file.exists() or not MANIFEST.exists():
            continue
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
        dev = sorted(e["id"] for e in manifest["entries"] if e["split"] == "dev")
        wanted = set(dev[::max(1, len(dev) // count)][:count])
        with open(posts_file, encoding="utf-8") as handle:
            texts = {row["id"]: row["text"] for row in map(json.loads, filter(str.strip, handle)) if row["id"] in wanted}
        return [texts[i] for i in sorted(texts)], "henan storm dev posts"
    path = repo / "nlp" / "datasets" / "rescue_handwritten_dev.jsonl"
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line)["text"] for line in handle if line.strip()]
    return rows[::max(1, len(rows) // count)][:count], "nlp/datasets/rescue_handwritten_dev.jsonl"


def load_encoder(name: str, cache: Path, threads: int | None) -> Callable[[Sequence[str]], np.ndarray]:
    """A fresh encoder of engine ``name`` (not the process-wide shared one, so losers are freed)."""
    family, precision = name.split("-")
    if family == "onnx":
        from nlp.backbone.onnxrt import OnnxEncoder
        encoder = OnnxEncoder(cache, precision=precision, threads=threads)
    else:
        from nlp.backbone.encoder import BackboneEncoder
        encoder = BackboneEncoder(cache, precision=precision, threads=threads)
    return lambda texts: encoder.encode(texts, batch_size=ENCODE_BATCH)


def _spread(texts: Sequence[str], count: int) -> list[str]:
    """``count`` of the texts, one from each length quantile, so a shorter batch keeps the mean length."""
    if count >= len(texts):
        return list(texts)
    by_length = sorted(texts, key=len)
    return [by_length[int((i + 0.5) * len(texts) / count)] for i in range(count)]


def candidates(cpu: CpuInfo) -> list[str]:
    return [name for name in CANDIDATES if name != "torch-bf16" or cpu.has_bf16]


def measure(cache: Path, threads: int | None = None, *, names: Sequence[str] | None = None,
            texts: Sequence[str] | None = None, passes: int = PASSES,
            budget_s: float = BUDGET_S) -> tuple[dict[str, dict], list[str]]:
    """Per engine: median docs/s of ``passes`` timed passes (after a warm-up) and cosine to fp32;
    and the texts timed (fewer than given when the warm-ups say the passes would take longer than
    ``budget_s``: a busy machine measures a shorter batch rather than for minutes)."""
    cpu = cpu_info()
    texts = list(texts) if texts is not None else calibration_texts()[0]
    encoders, result, warm = {}, {}, {}
    warm_texts = _spread(texts, MIN_TEXTS)
    for name in names or candidates(cpu):
        started = time.perf_counter()
        try:
            encoders[name] = load_encoder(name, cache, threads)
            loaded = time.perf_counter()
            encoders[name](warm_texts)  # warm-up: first-run allocations and kernel choice
        except Exception as exc:  # noqa: BLE001 - an engine this machine cannot run is skipped, with why
            result[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            encoders.pop(name, None)
            continue
        warm[name] = time.perf_counter() - loaded
        result[name] = {"load_s": round(loaded - started, 2), "warm_up_s": round(warm[name], 2)}
    estimate = passes * sum(warm.values()) * len(texts) / max(len(warm_texts), 1)
    if estimate > budget_s:
        texts = _spread(texts, max(MIN_TEXTS, int(len(texts) * budget_s / estimate)))
    speeds, vectors = {name: [] for name in encoders}, {}
    for _ in range(passes):
        for name, encode in encoders.items():  # in turns, so a load spike slows every engine alike
            started = time.perf_counter()
            vectors[name] = encode(texts)
            speeds[name].append(len(texts) / (time.perf_counter() - started))
    reference = next((name for name in FP32 if name in vectors), None)
    for name in encoders:
        result[name]["docs_per_s"] = round(statistics.median(speeds[name]), 1)
        result[name]["passes_docs_per_s"] = [round(s, 1) for s in speeds[name]]
        if reference:
            cosine = (vectors[name] * vectors[reference]).sum(1)
            result[name]["min_cosine"] = round(float(cosine.min()), 5)
            result[name]["mean_cosine"] = round(float(cosine.mean()), 5)
    return result, texts


def calibrate(cache: Path | None = None, threads: int | None = None, *, min_cosine: float = MIN_COSINE,
              names: Sequence[str] | None = None, batch: int = BATCH) -> dict:
    """Measure every candidate engine on this machine, write the record, return it."""
    cache = prepare(Path(cache) if cache else None)
    cpu = cpu_info()
    texts, source = calibration_texts(batch)
    log.info("calibrating the stage-2 engines for %s (once per CPU; %d posts)", cpu.model, len(texts))
    started = time.perf_counter()
    engines, timed = measure(cache, threads, names=names, texts=texts)
    measured = [name for name in FP32 if "docs_per_s" in engines.get(name, {})]
    record = {
        "key": machine_key(cache, threads, cpu),
        "measured_at": datetime.now(timezone.utc).isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": _load_average(),
        "texts": {"source": source, "count": len(timed), "mean_chars": round(float(np.mean([len(t) for t in timed])), 1)},
        "passes": PASSES,
        "min_cosine": min_cosine,
        "reference": measured[0] if measured else None,
        "engines": engines,
    }
    record["chosen"] = choose(record, min_cosine)
    write_record(cache, record)
    log.info("engine for this CPU: %s (%s)", record["chosen"], ", ".join(
        f"{n} {m.get('docs_per_s', 'n/a')}/s" for n, m in engines.items()))
    return record


def engine_for_machine(cache: Path | None = None, threads: int | None = None, *,
                       min_cosine: float = MIN_COSINE, **calibration) -> tuple[str, dict]:
    """The engine ``auto`` runs here and the record it comes from (calibrating first if needed;
    ``calibration``: :func:`calibrate`'s ``names`` and ``batch``)."""
    cache = prepare(Path(cache) if cache else None)
    record = recorded(cache, machine_key(cache, threads))
    if record is None:
        record = calibrate(cache, threads, min_cosine=min_cosine, **calibration)
    return choose(record, min_cosine), record


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.backbone.calibrate", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="the prepared model folder (default: "
                        "$YUQING_MODEL_CACHE or ~/.cache/yuqing/models/e5-small)")
    parser.add_argument("--threads", type=int, default=0, help="as nlp.models.threads (0: the libraries' default)")
    parser.add_argument("--force", action="store_true", help="measure again even if this machine has a record")
    parser.add_argument("--min-cosine", type=float, default=MIN_COSINE,
                        help="int8/bf16 eligible only with every cosine to fp32 at least this (default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cache = prepare(args.cache)
    record = recorded(cache, machine_key(cache, args.threads or None))
    if args.force or record is None:
        record = calibrate(cache, args.threads or None, min_cosine=args.min_cosine)
    print(f"CPU: {cpu_info().describe()}")
    for name, m in record["engines"].items():
        print(f"  {name:11} {m.get('docs_per_s', '-'):>7} docs/s  min cosine to fp32 {m.get('min_cosine', '-')}"
              f"{'  ' + m['error'] if 'error' in m else ''}")
    print(f"auto → {choose(record, args.min_cosine)} (recorded {record['measured_at']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
