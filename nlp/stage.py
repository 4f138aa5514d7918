"""The ``analyze`` pipeline stage: documents in the store without an analysis get one."""
from __future__ import annotations

import logging

from yuqing.pipeline import Stage, StageReport

log = logging.getLogger(__name__)


class AnalyzeStage(Stage):
    """Takes ``store.documents_without_analysis`` in batches, analyses them, stores the analyses.

    Safe to rerun after a crash: a document is pending until its analysis is stored. A running
    service follows the model version in use: when ``yuqing train`` promotes one, or ``yuqing models
    use`` chooses one, the next run loads it (an analyser handed in by the caller is kept as it is).
    """

    name = "analyze"
    batch_size = 256
    max_batches = 40  # per run, so one run never holds the scheduler for long

    def __init__(self, config, store, analyzer=None) -> None:
        super().__init__(config, store)
        self._analyzer = analyzer
        self._own = analyzer is None
        self._loaded_from = None  # the models folder the stage's own analyser was built from
        self._warned = ""

    @property
    def analyzer(self):
        if self._analyzer is None:
            from nlp.analyzer import Analyzer
            from nlp.model_registry import models_dir

            self._loaded_from = models_dir(self.config)
            self._analyzer = Analyzer.from_config(self.config)
        return self._analyzer

    def _follow_the_version_in_use(self) -> None:
        """Drop the stage's analyser when the models folder in use is no longer the one it was built from."""
        if not self._own or self._analyzer is None:
            return
        from nlp.model_registry import models_dir
        from yuqing.errors import InputError

        try:
            folder = models_dir(self.config)
        except InputError as error:  # a CURRENT naming no version: keep answering with what is loaded
            if str(error) != self._warned:  # once per problem, not every cycle
                log.warning("analyze: keeping the loaded models (%s): %s", self._loaded_from or "bundled", error)
                self._warned = str(error)
            return
        self._warned = ""
        if folder != self._loaded_from:
            log.info("analyze: the model version in use changed (%s → %s); loading it",
                     self._loaded_from or "bundled", folder or "bundled")
            self._analyzer = None

    def run_once(self) -> StageReport:
        self._follow_the_version_in_use()
        report = StageReport(self.name)
        for _ in range(self.max_batches):
            docs = self.store.documents_without_analysis(self.batch_size)
            if not docs:
                break
            analyses = self.analyzer.analyze(docs)
            self.store.put_analyses(analyses)
            report.processed += len(docs)
            report.created += len(analyses)
            if len(docs) < self.batch_size:
                break
        routing = getattr(self.analyzer, "last_routing", None)
        if routing:
            report.extra["last_routing"] = dict(routing)
        return report
