"""The report of the day so far (``briefings.today_interval``): kept in the archive for the 简报 page,
rewritten at each run, never sent; the next morning's scheduled report replaces and sends it."""
import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from story import fill  # noqa: E402

from briefings import archive  # noqa: E402
from briefings.schedule import BriefingStage, TodayReportStage  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.errors import NotConfigured  # noqa: E402
from yuqing.records import DEFAULT_TZ, Analysis, Document  # noqa: E402


def test_the_day_so_far_is_kept_rewritten_and_sent_only_once_the_day_is_over(sqlite_store, tmp_path):
    fill(sqlite_store)
    with pytest.raises(NotConfigured):  # off by default
        TodayReportStage.from_config(load_config(None), sqlite_store)
    config = load_config(None, ["briefings.today_interval=120", "briefings.streets=[民治街道]", "briefings.daily_at=08:00",
                                f"briefings.folder={tmp_path / 'out'}", "cases.search_mode=lexical"])
    stage = TodayReportStage.from_config(config, sqlite_store)
    noon = stage.run_once(at=datetime(2026, 7, 20, 9, 30, tzinfo=DEFAULT_TZ))
    assert noon.processed == 1 and noon.errors == 0
    [record] = archive.recent(sqlite_store)
    assert record.kind == "daily" and record.streets == ["民治街道"] and not record.delivered
    assert record.report["subtitle"] == "2026年7月20日 截至09:30"
    early = next(f["data"] for f in record.report["figures"] if f["name"] == "overview")["documents"]
    late = datetime(2026, 7, 20, 22, 0, tzinfo=DEFAULT_TZ)  # a post crawled since
    sqlite_store.put_documents([Document(id="late", text="民治街道积水已退，道路恢复通行", published_at=late)])
    sqlite_store.put_analyses([Analysis.model_validate({"id": "late", "sentiment": {"label": "positive", "score": 0.9},
                                                        "location": {"street": "民治街道", "confidence": 0.9}})])
    sqlite_store.flush()
    stage.run_once(at=datetime(2026, 7, 20, 23, 0, tzinfo=DEFAULT_TZ))
    [record] = archive.recent(sqlite_store)  # the same report, rewritten
    assert record.report["subtitle"] == "2026年7月20日 截至23:00"
    assert next(f["data"] for f in record.report["figures"] if f["name"] == "overview")["documents"] == early + 1
    sent = BriefingStage.from_config(config, sqlite_store).run_once(at=datetime(2026, 7, 21, 8, 5, tzinfo=DEFAULT_TZ))
    assert sent.processed == 1  # no notifier configured: filed, and delivered to nobody
    [record] = archive.recent(sqlite_store)
    assert record.delivered and record.report["subtitle"] == "2026年7月20日"  # the whole day, once it is over
