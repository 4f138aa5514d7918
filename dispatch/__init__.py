"""报送 and 闭环: dispatching an alert to a department and closing the loop.

An analyst dispatches an alert (already acknowledged) to a department of the routing table
(``alerts.routing``). The engine writes a 报送单 (:mod:`dispatch.records`, kind ``dispatch_orders``),
moves the alert to ``dispatched`` through :mod:`alerts.lifecycle`, and sends the department a
signed link (:mod:`dispatch.links`) through the entry's notifiers (:mod:`dispatch.notify`, which
reuses :mod:`alerts.notifiers`). The department, without an account, opens the link
(:mod:`yuqing.app.web.department`), accepts (签收), replies with what was done (text and attachments,
:mod:`dispatch.attachments`), returns it once with a reason (退回), or closes it (办结) with a result
and evidence (:mod:`dispatch.orders`). Deadlines per severity (:mod:`dispatch.deadlines`): an
overdue order is chased (催办) and escalated one way (单向升级) up the entry's ``superior`` chain by
the service's ``dispatch`` job. Every step is on the alert's history (全过程留痕) and in the audit
log. :mod:`dispatch.stats` counts per department and per street.
"""
