"""The ``analyze`` pipeline stage: documents in the store without an analysis get one."""
from __future__ import annotations

import logging

from yuqing.pipeline import Stage, StageReport

log = logging.getLogger(__name__)


class AnalyzeStage(Stage):
    """Takes ``store.documents_without_analysis`` in batches, analyses them, stores the analyses.

    Safe to rerun after a crash: a document is pending until its analysis is stored.
    """

    name = "analyze"
    batch_size = 256
    max_batches = 40  # per run, so one run never holds the scheduler for long

    def __init__(self, config, store, analyzer=None) -> None:
        super().__init__(config, store)
        self._analyzer = analyzer

    @property
    def analyzer(self):
        if self._analyzer is None:
            from nlp.analyzer import Analyzer
            self._analyzer = Analyzer.from_config(self.config)
        return self._analyzer

    def run_once(self) -> StageReport:
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
