"""Scheduled reports: the service's ``briefings`` job writes and sends the daily report.

Every ``briefings.check_interval`` seconds the job asks whether today's report is due: the clock
(``service.timezone``) is past ``briefings.daily_at`` and the archive has no delivered daily report
of yesterday for an entry of ``briefings.streets``. A due report is built, its HTML and PDF written
to ``briefings.folder``, kept in the archive, and sent by the notifiers named in
``briefings.notifiers``: e-mail with the PDF attached (to the notifier's ``to`` plus the e-mail
contacts ``alerts.routing`` gives the street), a short text to chat robots. A report is marked
delivered once every notifier took it; one that failed is tried again at the next check, and a
service that was down at 08:00 sends it when it comes back. Checking, not a cron trigger, is why
no report is lost or sent twice across restarts.

With ``briefings.today_interval`` the service also keeps the daily report of the day so far in the
archive (:class:`TodayReportStage`), rewritten at that interval and never sent, so the web UI's 简报
page always has today's report; the bundled demo switches it on.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Optional, Sequence

from yuqing.errors import NotConfigured
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now

log = logging.getLogger(__name__)


def street_lists(config) -> list[list[str]]:
    """One list of streets per scheduled report (``[[]]``: one report over every street)."""
    entries = config["briefings.streets"] or []
    return [[e] if isinstance(e, str) else list(e) for e in entries] or [[]]


def due_at(config, day) -> datetime:
    from zoneinfo import ZoneInfo

    hour, minute = (int(x) for x in str(config["briefings.daily_at"]).split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(config["service.timezone"]))


class BriefingStage(Stage):
    """The ``briefings`` job of ``yuqing run`` (switched on by ``briefings.daily_at``)."""

    name = "briefings"

    @classmethod
    def from_config(cls, config, store) -> "BriefingStage":
        if not config["briefings.daily_at"]:
            raise NotConfigured("briefings.daily_at is empty (no scheduled report)")
        return cls(config, store)

    def run_once(self, at: Optional[datetime] = None) -> StageReport:
        from zoneinfo import ZoneInfo

        at = (at or _now()).astimezone(ZoneInfo(self.config["service.timezone"]))
        if at < due_at(self.config, at.date()):
            return StageReport(self.name, detail=f"next report at {self.config['briefings.daily_at']}")
        day = at.date() - timedelta(days=1)
        sent = errors = 0
        for streets in street_lists(self.config):
            try:
                if self.deliver_daily(day, streets):
                    sent += 1
            except Exception as exc:  # noqa: BLE001 - one street's report never stops the others
                errors += 1
                log.error("daily report of %s for %s failed: %s", day, "、".join(streets) or "all streets", exc)
        return StageReport(self.name, processed=sent, created=sent, errors=errors,
                           detail=f"daily report of {day}: {sent} written and sent to {len(notifier_names(self.config))} notifiers"
                           + (f", {errors} failed" if errors else ""))

    def deliver_daily(self, day, streets: Sequence[str]) -> bool:
        """Build, file and send the daily report of ``day`` for ``streets``; ``False`` if already delivered."""
        from briefings import archive
        from briefings.content import period_of, report_id

        start, _ = period_of("daily", day)
        old = archive.get(self.store, report_id("daily", start, streets))
        if old is not None and getattr(old, "delivered", False):
            return False
        from briefings.content import build_periodic

        report = build_periodic(self.config, self.store, "daily", day, streets)
        files = archive.write_files(self.config, report, ("html", "pdf"))
        done = dict(getattr(old, "deliveries", {}) or {}) if old is not None else {}
        already = [k for k, v in done.items() if v == "sent"]
        errors = send(self.config, report, Path(files["pdf"]), streets, skip=already)
        done.update({name: ("sent" if name not in errors else f"failed: {errors[name]}")
                     for name in notifier_names(self.config)})
        archive.save(self.store, report, files, delivered=not errors, deliveries=done)
        sent = [name for name in notifier_names(self.config) if name not in errors and name not in already]
        if sent:
            archive.audit_export(self.store, report, who="system", client="scheduled report",
                                 detail=f"发送：{'、'.join(sent)}")
        if errors:
            raise RuntimeError("; ".join(f"{k}: {v}" for k, v in errors.items()))
        return True


class TodayReportStage(Stage):
    """The ``briefings_today`` job: the daily report of the day so far, kept in the archive, not sent."""

    name = "briefings_today"

    @classmethod
    def from_config(cls, config, store) -> "TodayReportStage":
        if not config["briefings.today_interval"]:
            raise NotConfigured("briefings.today_interval is 0 (no report of the day so far)")
        return cls(config, store)

    def run_once(self, at: Optional[datetime] = None) -> StageReport:
        from zoneinfo import ZoneInfo

        from briefings import archive
        from briefings.content import build_periodic

        at = (at or _now()).astimezone(ZoneInfo(self.config["service.timezone"]))
        written = errors = 0
        for streets in street_lists(self.config):
            try:
                archive.save(self.store, build_periodic(self.config, self.store, "daily", at.date(), streets, at=at))
                written += 1
            except Exception as exc:  # noqa: BLE001 - one street's report never stops the others
                errors += 1
                log.error("report of %s so far for %s failed: %s", at.date(), "、".join(streets) or "all streets", exc)
        return StageReport(self.name, processed=written, created=written, errors=errors,
                           detail=f"daily report of {at.date()} so far ({at:%H:%M}): {written} in the archive")


def notifier_names(config) -> list[str]:
    configured = list((config["alerts.notifiers"] or {}).keys())
    chosen = config["briefings.notifiers"] or configured
    return [n for n in chosen if n in configured]


def send(config, report: dict[str, Any], pdf: Path, streets: Sequence[str], skip: Sequence[str] = ()) -> dict[str, str]:
    """Send ``report`` with every chosen notifier (except ``skip``); returns notifier → error for failures."""
    from alerts.delivery import build_notifiers
    from alerts.notifiers.base import mask_outgoing
    from alerts.routing import Router

    notifiers = build_notifiers(config)
    router = Router.from_config(config)
    contacts = list(dict.fromkeys(c for s in (streets or [None]) for c in router.route(s, None).contacts))
    errors: dict[str, str] = {}
    for name in notifier_names(config):
        if name in skip:
            continue
        notifier = notifiers[name]
        try:
            if hasattr(notifier, "send_document"):
                notifier.send_document(f"{report['title']}（{report.get('subtitle', '')}）", short_text(report),
                                       [(f"{report['id']}.pdf", pdf.read_bytes(), "application/pdf")], contacts)
            else:
                chat_send(notifier, report)
            log.info("report %s sent via %s", report["id"], name)
        except Exception as exc:  # noqa: BLE001 - a notifier bug is a failed delivery, never a lost report
            errors[name] = mask_outgoing(notifier.redact_secrets(str(exc)))[:300]
            log.warning("report %s via %s failed: %s", report["id"], name, errors[name])
    return errors


def short_text(report: dict[str, Any]) -> str:
    """A few lines for a chat robot or a mail body: title, headline figures, the top incidents."""
    lines = [f"{report['title']}（{report.get('subtitle', '')}）"]
    overview = next((f["data"] for f in report["figures"] if f["name"] == "overview"), None)
    if overview:
        alerts = overview["alerts"]
        lines.append(f"信息 {overview['documents']} 条，负面 {overview['negative']} 条；新发事件 {overview['new_incidents']} 起；"
                     f"预警 {alerts['total']} 条（红 {alerts['red']}、橙 {alerts['orange']}、黄 {alerts['yellow']}、"
                     f"蓝 {alerts['blue']}）；求助 {overview['requests_for_help']} 条。")
    incidents = [s["heading"] for s in report["sections"] if s.get("incident_id")]
    if incidents:
        lines.append("重点事件：" + "；".join(incidents[:5]))
    lines.append(f"报告编号 {report['id']}，全文见邮件附件 PDF 或报告存档。")
    return "\n".join(lines)


def chat_send(notifier, report: dict[str, Any]) -> None:
    """The short text to a chat robot, in the payload its type expects (masked, markup made literal)."""
    import time as clock

    from alerts.notifiers.base import literal_markdown, mask_outgoing

    text = "\n".join(literal_markdown(line) for line in mask_outgoing(short_text(report)).splitlines())
    kind = notifier.plugin_name or type(notifier).__name__.lower()
    if kind == "wecom":
        notifier.post({"msgtype": "text", "text": {"content": text}})
    elif kind == "dingtalk":
        from alerts.notifiers.dingtalk import dingtalk_sign

        url = notifier.opts["url"]
        if notifier.opts.get("secret"):
            ts = int(clock.time() * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(notifier.opts['secret'], ts)}"
        notifier.post({"msgtype": "text", "text": {"content": text}}, url=url)
    elif kind == "feishu":
        from alerts.notifiers.feishu import feishu_sign

        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if notifier.opts.get("secret"):
            ts = int(clock.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(notifier.opts["secret"], ts), **body}
        notifier.post(body)
    elif kind == "webhook":
        payload = {"event": "briefing", "briefing": {"id": report["id"], "kind": report["kind"],
                                                     "title": report["title"], "period": report["period"],
                                                     "streets": report.get("streets", []), "text": short_text(report)}}
        notifier.post(mask_outgoing(payload), headers=notifier.opts.get("headers"), check=False)
    else:
        raise NotConfigured(f"notifier {notifier.name} ({kind}) cannot send a report; list only e-mail, wecom, "
                            f"dingtalk, feishu or webhook notifiers in briefings.notifiers")
