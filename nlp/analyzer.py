"""The analyser: documents in, contract analyses out (sentiment, categories, rescue, harmful,
location, keywords).

Per batch: normalise (nlp.text), cut long texts into windows, run stage 1 of every task on every
window, let the cascade (nlp.cascade) pick the windows the transformer stage sees, aggregate the
windows of each document (sentiment and category: mean; rescue and harmful: the strongest window),
then fill the slots with the extraction rules (nlp.rescue, nlp.location, nlp.keywords). When the
model cache has a tuned top (nlp.backbone.tuned), its probabilities are averaged into stage 2 of the
tasks it was trained for, and those analyses' model versions name it. Empty,
non-Chinese or garbage input gives a neutral, empty analysis and a logged reason, never a crash.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from nlp.backbone.tuned import blend
from nlp.cascade import CascadePolicy
from nlp.classify.task import TASKS, TaskModel, featurizer, load_task
from nlp.model_settings import SETTINGS
from yuqing.config import settings_params
from yuqing.privacy import mask_text
from yuqing.records import Analysis, Document, Harmful, Location, Rescue

log = logging.getLogger(__name__)


@settings_params(SETTINGS, "nlp.cascade.", category="nlp.cascade.category_threshold",
                 harmful="nlp.cascade.harmful_threshold", rescue="nlp.cascade.rescue_threshold")
class Thresholds:
    category: float
    harmful: float
    rescue: float


@dataclass
class _Prepared:
    """One document's normalised text and windows (``text`` is None when there is nothing to read)."""

    doc: Document
    text: Optional[str]
    windows: list[str] = field(default_factory=list)
    norm: Optional[object] = None  # nlp.text.NormalizedText of ``text``, handed to the rescue reader


def empty_analysis(doc_id: str) -> Analysis:
    """The neutral, empty analysis of a document with nothing to analyse."""
    return Analysis(id=doc_id, sentiment={"label": "neutral", "score": 1.0})


class Analyzer:
    """``Analyzer.from_config(config).analyze(docs)`` → one :class:`Analysis` per document, in order."""

    def __init__(self, models: dict[str, TaskModel], *, policy: CascadePolicy = CascadePolicy(),
                 engine=None, thresholds: Thresholds = Thresholds(), locator=None,
                 keywords_count: Optional[int] = None, window_chars: Optional[int] = None,
                 max_windows: Optional[int] = None):
        from yuqing.config import declared_settings

        declared = declared_settings()  # the settings' declared defaults, stated once (nlp/*settings.py)
        self.models = models
        self.policy = policy
        self.engine = engine
        self.thresholds = thresholds
        self.locator = locator
        self.keywords_count = declared["nlp.keywords_count"].default if keywords_count is None else keywords_count
        self.window_chars = declared["nlp.models.window_chars"].default if window_chars is None else window_chars
        self.max_windows = declared["nlp.models.max_windows"].default if max_windows is None else max_windows
        self.last_routing: Counter = Counter()
        self.last_tuned: dict = {}  # the tuned top's manifest, once it has taken part
        self.last_tuned_rows = np.zeros(0, dtype=bool)  # the windows of the last classify it took part in

    @classmethod
    def from_config(cls, config, *, preload: bool = False) -> "Analyzer":
        """The analyser the settings describe. ``preload``: start loading the stage-2 engine at once, in
        a thread, while the models and the gazetteer load (commands that analyse straight away)."""
        from nlp.backbone.engines import ENGINES
        from nlp.location import Locator

        from nlp.backbone.tuned import version_top
        from nlp.model_registry import models_dir as chosen_models

        folder = chosen_models(config)
        top = version_top(folder)  # a version trained from corrections may carry its own tuned top
        engine = ENGINES.get(config["nlp.models.engine"])(
            cache=str(config.resolve_path("nlp.models.cache")) if config["nlp.models.cache"] else "",
            precision=config["nlp.models.precision"], threads=config["nlp.models.threads"],
            max_tokens=config["nlp.models.max_tokens"], batch_size=config["nlp.models.batch_size"],
            top=str(top) if top else "")
        policy = CascadePolicy.from_config(config)
        if preload and policy.mode != "stage1":
            engine.preload_in_background()
        models = {task: load_task(task, folder) for task in TASKS}
        return cls(models, policy=policy, engine=engine,
                   thresholds=Thresholds.from_config(config),
                   locator=Locator.from_config(config), keywords_count=config["nlp.keywords_count"],
                   window_chars=config["nlp.models.window_chars"], max_windows=config["nlp.models.max_windows"])

    @classmethod
    def default(cls, mode: str = "cascade") -> "Analyzer":
        """The bundled models with default settings (for scripts and tests), on the service's default engine."""
        from nlp.backbone.engines import ENGINES
        from yuqing.config import declared_settings

        engine = ENGINES.get(declared_settings()["nlp.models.engine"].default)()
        return cls({task: load_task(task) for task in TASKS}, policy=CascadePolicy(mode=mode), engine=engine)

    # --- the batch ------------------------------------------------------------------------------

    def analyze(self, docs: Sequence[Document]) -> list[Analysis]:
        """One analysis per document, in the same order."""
        prepared = [self._prepare(doc) for doc in docs]
        windows, owners = [], []
        for index, item in enumerate(prepared):
            windows += item.windows
            owners += [index] * len(item.windows)
        slots = self._rescue_slots(prepared)
        self.last_tuned_rows = np.zeros(len(windows), dtype=bool)
        probs = self.classify(windows, [slots[o] for o in owners])
        tuned_rows = self.last_tuned_rows
        per_doc = self._per_document(probs, [len(item.windows) for item in prepared])
        results, start = [], 0
        for index, item in enumerate(prepared):
            if item.text is None:
                results.append(empty_analysis(item.doc.id))
                continue
            rows = slice(start, start + len(item.windows))  # a document's windows are side by side
            start = rows.stop
            analysis = self._build(item, {task: values[index] for task, values in per_doc.items()}, slots[index])
            if tuned_rows[rows].any():  # the version names the tuned top that took part
                for task in self.last_tuned["used"]:
                    if task in analysis.model_versions:
                        analysis.model_versions[task] += "+" + self.last_tuned["version"]
            results.append(analysis)
        return results

    @staticmethod
    def _per_document(probs: dict[str, np.ndarray], windows: list[int]) -> dict[str, np.ndarray]:
        """Each document's probabilities from its windows' (rows side by side, ``windows[i]`` of them):
        sentiment and category averaged, request and harmful types at their highest window. One numpy
        pass for the batch (a slice and a mean per document were a sixth of stage 1)."""
        counts = np.asarray(windows, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        filled = counts > 0
        out = {}
        for task, p in probs.items():
            values = np.zeros((len(counts), p.shape[1]))
            if filled.any():
                if task in ("rescue", "harmful"):
                    values[filled] = np.maximum.reduceat(p, starts[filled], axis=0)
                else:
                    values[filled] = np.add.reduceat(p, starts[filled], axis=0) / counts[filled, None]
            out[task] = values
        return out

    def classify(self, texts: Sequence[str], slots: Sequence | None = None) -> dict[str, np.ndarray]:
        """Per-text probabilities of every task, stage 1 everywhere and stage 2 where routed."""
        if not texts:
            return {task: np.zeros((0, len(model.labels))) for task, model in self.models.items()}
        features = featurizer().rows(texts)
        stage1 = {}
        for task, model in self.models.items():
            rules = None
            if task == "rescue" and slots is not None:
                rules = np.array([[getattr(s, "request_score", 0.0)] for s in slots])
            stage1[task] = model.stage1_proba(features, texts, rules)
        routed, reasons = self.policy.route(stage1)
        self.last_routing = reasons + Counter({"windows": len(texts), "routed": int(routed.sum())})
        if not routed.any() or self.engine is None:
            return stage1
        chosen = [t for t, r in zip(texts, routed) if r]
        embeddings, tuned = self._encode(chosen)
        result = {}
        for task, model in self.models.items():
            probs = stage1[task].copy()
            stage2 = model.stage2_proba(embeddings, stage1[task][routed])
            if task in tuned:
                stage2 = blend(stage2, tuned[task], self.last_tuned["tasks"][task]["weight"])
            probs[routed] = model.apply_floors(stage2, chosen)
            result[task] = probs
        if tuned:
            self.last_tuned_rows = routed
        return result

    def _encode(self, texts: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The embeddings and the tuned top's probabilities of the tasks whose labels it was trained
        on (nlp.backbone.tuned; none when the model cache has no tuned top or the engine runs none)."""
        if not hasattr(self.engine, "encode_tuned"):
            return self.engine.encode(texts), {}
        embeddings, tuned = self.engine.encode_tuned(texts)
        if not tuned:
            return embeddings, {}
        info = self.engine.tuned()
        usable = {}
        for task, probs in tuned.items():
            if task in self.models and info["tasks"][task]["labels"] == self.models[task].labels:
                usable[task] = probs
            elif task in self.models:
                log.warning("the tuned top's %s labels %s are not the model's %s: its %s probabilities are "
                            "not used", task, info["tasks"][task]["labels"], self.models[task].labels, task)
        self.last_tuned = {**info, "used": sorted(usable)}
        return embeddings, usable

    # --- one document ---------------------------------------------------------------------------

    def _prepare(self, doc: Document) -> _Prepared:
        from nlp.text import normalize

        raw = doc.text or ""
        if doc.title and doc.title.strip() and doc.title.strip() not in raw[:len(doc.title) + 50]:
            raw = doc.title.strip() + "\n" + raw
        norm = normalize(raw)
        if norm.is_empty:
            log.info("document %s: nothing to analyse (%s)", doc.id, norm.reason)
            return _Prepared(doc, None)
        text = norm.text
        step = self.window_chars
        windows = [text[i:i + step] for i in range(0, len(text), step)]
        if len(windows) > self.max_windows:
            log.info("document %s: %d characters, analysing the first %d windows of %d", doc.id, len(text),
                     self.max_windows, len(windows))
            windows = windows[:self.max_windows]
        if norm.comments and norm.original_post and norm.original_post != text[:step]:
            windows.append(norm.original_post[:step])  # a repost of a request is that request
        return _Prepared(doc, text, windows, norm)

    def _rescue_slots(self, prepared: list[_Prepared]) -> list:
        from nlp.rescue import RescueSlots, extract_rescue

        slots = []
        for item in prepared:
            if item.text is None:
                slots.append(RescueSlots())
                continue
            try:
                limit = self.window_chars * self.max_windows
                slots.append(extract_rescue(item.text[:limit], published_at=item.doc.published_at,
                                            locator=self.locator, place_hint=item.doc.place,
                                            normalized=item.norm if len(item.text) <= limit else None,
                                            complete=False))  # people, urgency: for requests (_build)
            except Exception:  # a bug in one extractor must not lose the batch
                log.exception("document %s: rescue extraction failed on %s", item.doc.id,
                              mask_text(item.text[:60]))
                slots.append(RescueSlots())
        return slots

    def _build(self, item: _Prepared, probs: dict[str, np.ndarray], slots) -> Analysis:
        """One document's analysis from its probabilities (:meth:`_per_document`) and slots."""
        rescue = harmful_types = None
        rescue_p = float(probs["rescue"][-1])
        if rescue_p >= self.thresholds.rescue:
            try:
                slots.complete()
            except Exception:  # a bug in one extractor must not lose the request
                log.exception("document %s: rescue extraction failed on %s", item.doc.id, mask_text(item.text[:60]))
            rescue = Rescue(
                is_request=True, score=round(rescue_p, 4), phones=slots.phones, address=slots.address,
                people_count=slots.people_count, vulnerable=slots.vulnerable,
                # a request asks for something: when its words name no need, `other` (nlp/eval/GUIDELINES.md;
                # the rules add it themselves only when they also judge the post a request)
                needs=slots.needs or ["other"],
                urgency=round(float(slots.urgency), 4), street=slots.street, district=slots.district)
        harmful = probs["harmful"]
        labels = self.models["harmful"].labels
        if rescue is not None:
            harmful = self._request_is_not_a_leak(item.text, harmful, labels)
        types = [{"label": labels[j], "score": round(float(p), 4)} for j, p in enumerate(harmful)
                 if p >= self.thresholds.harmful]
        if types:
            harmful_types = Harmful(types=sorted(types, key=lambda t: -t["score"]))
        keywords = []
        try:
            from nlp.keywords import extract_keywords
            keywords = extract_keywords(item.text[:self.window_chars * self.max_windows], k=self.keywords_count)
        except Exception:
            log.exception("document %s: keyword extraction failed", item.doc.id)
        # one construction: every assignment to a record is validated again
        return Analysis(id=item.doc.id, sentiment=self._sentiment(probs["sentiment"]),
                        categories=self._categories(probs["category"]), rescue=rescue, harmful=harmful_types,
                        location=getattr(slots, "location", None) or Location(), keywords=keywords,
                        model_versions={task: model.version for task, model in self.models.items()})

    @staticmethod
    def _request_is_not_a_leak(text: str, harmful: np.ndarray, labels: list[str]) -> np.ndarray:
        """A request for help gives its own phone and address: not a privacy leak, nor a rumour,
        unless a strong rule (人肉, someone else's ID number) says otherwise."""
        from nlp.classify.rules import harmful_rule_floor

        floor = harmful_rule_floor([text], labels)[0]
        harmful = harmful.copy()
        for label in ("privacy_leak", "rumor"):
            if label in labels:
                j = labels.index(label)
                harmful[j] = min(harmful[j], max(floor[j], 0.49))
        return harmful

    def _sentiment(self, p: np.ndarray) -> dict:
        labels = self.models["sentiment"].labels
        if len(labels) == 3:  # a three-class model says neutral itself
            j = int(np.argmax(p))
            return {"label": labels[j], "score": round(float(p[j]), 4)}
        band = float(self.models["sentiment"].meta.get("neutral_band", 0.15))
        negative, positive = float(p[0]), float(p[-1])
        if abs(positive - 0.5) < band:
            return {"label": "neutral", "score": round(1.0 - abs(positive - negative), 4)}
        if positive > negative:
            return {"label": "positive", "score": round(positive, 4)}
        return {"label": "negative", "score": round(negative, 4)}

    def _categories(self, p: np.ndarray) -> list[dict]:
        labels = self.models["category"].labels
        order = np.argsort(-p)
        return [{"label": labels[j], "score": round(float(p[j]), 4)} for rank, j in enumerate(order)
                if rank == 0 or p[j] >= self.thresholds.category]
