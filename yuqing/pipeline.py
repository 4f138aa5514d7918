"""The pipeline: document → analysis → incident → alert, each stage behind one interface.

Stages meet only at the records and the store: each reads what is pending from the store, writes
its records back and reports what it did. The issues that implement a stage provide the class named
in :data:`STAGES`; until a stage's package exists, :func:`load_stages` skips it with a log line,
and no stage fakes another's output.
"""
from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Optional

from yuqing.config import Config
from yuqing.errors import NotConfigured, StageUnavailable
from yuqing.storage.base import Store

log = logging.getLogger(__name__)

#: Stage name → ``module.Class``, in pipeline order. Crawling is scheduled per source instead
#: (see :mod:`crawlers.stage`).
STAGES = {
    "analyze": "nlp.stage.AnalyzeStage",
    "cluster": "clustering.stage.ClusterStage",
    "calendar": "event_calendar.stage.CalendarStage",
    "alert": "alerts.stage.AlertStage",
    "followups": "desk.followups.FollowupStage",  # follow-up posts onto the desk's rows the alert stage made
    "watch": "assessment.watch.WatchStage",  # 项目监测: assessed projects, after the alerts it routes
}


@dataclass
class StageReport:
    """What one run of a stage did; kept in the store's ``job_runs`` by the scheduler."""

    stage: str
    processed: int = 0
    created: int = 0
    errors: int = 0
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        text = f"{self.stage}: {self.processed} processed, {self.created} created, {self.errors} errors"
        return f"{text} ({self.detail})" if self.detail else text


class Stage(ABC):
    """One pipeline stage.

    Build it with :meth:`from_config`; raise :class:`~yuqing.errors.NotConfigured` there to switch
    the stage off by its settings. :meth:`run_once` processes what is pending in the store and must
    be safe to call again after a crash (it resumes from the store's state, never duplicates).
    """

    name = ""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store

    @classmethod
    def from_config(cls, config: Config, store: Store) -> "Stage":
        return cls(config, store)

    @abstractmethod
    def run_once(self) -> StageReport:
        """Process what is pending; return what was done."""


def stage_class(name: str) -> type[Stage]:
    """The class of a stage; :class:`StageUnavailable` when its package is not installed."""
    path = STAGES[name]
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise StageUnavailable(f"stage {name}: {module_name} is not installed ({exc.name} missing)") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise StageUnavailable(f"stage {name}: {path} does not exist") from None


def load_stages(config: Config, store: Store, names: Optional[list[str]] = None) -> list[Stage]:
    """Instances of the stages that exist and are switched on, in pipeline order."""
    stages: list[Stage] = []
    for name in names or list(STAGES):
        try:
            stages.append(stage_class(name).from_config(config, store))
        except StageUnavailable as exc:
            log.info("%s; skipped", exc)
        except NotConfigured as exc:
            log.info("stage %s is switched off: %s", name, exc)
    return stages


def run_once(config: Config, store: Store, names: Optional[list[str]] = None) -> list[StageReport]:
    """Run every available stage once, in order; a failing stage is logged and the rest go on."""
    reports = []
    for stage in load_stages(config, store, names):
        try:
            report = stage.run_once()
        except Exception as exc:  # a failing stage never stops the others
            log.exception("stage %s failed: %s", stage.name, exc)
            report = StageReport(stage.name, errors=1, detail=f"failed: {exc}")
        log.info("%s", report.line())
        reports.append(report)
    return reports
