"""Deadlines per severity: overdue orders are chased and escalated one way up the superior chain.

The clock is driven by calling the job with ``now`` (never by sleeping); the notifications reach a
real SMTP receiver (the department) and a real HTTP server (the superiors' webhook).
"""
from __future__ import annotations

from datetime import timedelta

from conftest import DEPT, DISTRICT, OFFICE, RESCUE, T0, mail_link, put_alert

from dispatch import orders
from dispatch.deadlines import DispatchStage, chase


def superiors_told(http):
    """(department notified, event, link) of each webhook request, in order."""
    return [(r["json"]["route"]["department"], r["json"]["alert"]["dispatch"]["event"],
             r["json"]["alert"]["dispatch"]["link"]) for r in http.requests if r["path"] == "/hook"]


def test_an_overdue_order_is_chased_and_escalated_one_way(store, write_config, receivers):
    smtp, http = receivers
    config, _ = write_config(accept_minutes={"red": 60, "orange": 120, "yellow": 480, "blue": 1440},
                             close_minutes={"red": 1440, "orange": 2880, "yellow": 10080, "blue": 20160},
                             chase_minutes=60)
    put_alert(store)
    order = orders.dispatch_alert(store, config, "a1", DEPT, by="ana", now=T0)
    assert len(smtp.messages) == 1 and not http.requests

    assert chase(store, config, T0 + timedelta(minutes=59))["chased"] == 0  # within the deadline
    assert len(smtp.messages) == 1 and not http.requests

    counts = chase(store, config, T0 + timedelta(minutes=61))
    assert counts["chased"] == 1 and counts["escalated"] == 1
    assert len(smtp.messages) == 2 and "催办" in mail_link(smtp)[1]  # the department again, with its link
    assert mail_link(smtp)[2].endswith(mail_link(smtp, 0)[2].split("?")[1])
    told = superiors_told(http)
    assert [(d, e) for d, e, _ in told] == [(OFFICE, "escalate")]  # one level up, read-only link
    assert "/dept/" + order.id in told[0][2]

    # within the chase interval: nothing new; after another full deadline: the next level up
    assert chase(store, config, T0 + timedelta(minutes=90)) == {"open": 1, "chased": 0, "escalated": 0,
                                                                 "withdrawn": 0, "resent": 0}
    counts = chase(store, config, T0 + timedelta(minutes=125))
    assert counts["chased"] == 1 and counts["escalated"] == 1
    assert [d for d, _e, _l in superiors_told(http)] == [OFFICE, DISTRICT]
    assert store.get_record("dispatch_orders", order.id).escalation_level == 2

    # accepting late never lowers the level; the chain has no third level
    orders.accept(store, config, order.id, now=T0 + timedelta(minutes=130))
    chase(store, config, T0 + timedelta(hours=10))
    stored = store.get_record("dispatch_orders", order.id)
    assert stored.escalation_level == 2 and stored.escalated_to == [OFFICE, DISTRICT] and stored.chase_count == 2

    # past the closing deadline it is chased again, but not escalated back down or twice
    counts = chase(store, config, T0 + timedelta(hours=25))
    assert counts["chased"] == 1 and counts["escalated"] == 0
    assert "未办结" in store.get_record("dispatch_orders", order.id).trail[-1].note

    alert = store.get_record("alerts", "a1")
    notes = [h.note for h in alert.history if h.who == "system"]
    assert sum("催办" in n for n in notes) == 3 and sum("升级至" in n for n in notes) == 2
    assert alert.state == "dispatched"


def test_the_service_job_withdraws_orders_of_closed_alerts_and_resends_failed_notifications(store, write_config,
                                                                                            receivers):
    from alerts import lifecycle

    _smtp, http = receivers
    config, _ = write_config()
    put_alert(store)
    put_alert(store, "a2")
    http.responses["/hook"] = (500, {"error": "down"})
    first = orders.dispatch_alert(store, config, "a1", RESCUE, by="ana", now=T0)
    assert [n.state for n in first.notifications] == ["failed"]
    assert "hook" in first.notifications[0].error or "500" in first.notifications[0].error
    second = orders.dispatch_alert(store, config, "a2", RESCUE, by="ana", now=T0)
    lifecycle.dismiss(store, "a2", by="ana", note="误报")

    http.responses.pop("/hook")
    report = DispatchStage(config, store).run_once(now=T0 + timedelta(minutes=5))
    assert report.extra["withdrawn"] == 1 and report.extra["resent"] == 1
    assert [n.state for n in store.get_record("dispatch_orders", first.id).notifications] == ["failed", "sent"]
    assert store.get_record("dispatch_orders", second.id).state == "withdrawn"
    assert DispatchStage(config, store).run_once(now=T0 + timedelta(minutes=6)).extra["resent"] == 0


def test_the_service_discovers_the_dispatch_job(write_config):
    from yuqing.app.scheduler import Service

    config, _ = write_config()
    assert "dispatch" in Service(config, store=None, crawl=False).discover()
    off, _ = write_config(check_interval=0)
    assert "dispatch" not in Service(off, store=None, crawl=False).discover()
