"""The emergency desk (救援台): the rescue board people work from in a storm.

The engine finds and merges requests for help (``alerts.rules.rescue_request`` →
``alerts.requests.keep_requests`` → records ``rescue_requests``, typed
:class:`alerts.requests.RescueRequest`); this package is what operators do with them, as functions
the web board and ``yuqing desk`` call:

* :mod:`desk.board` — statuses (待核实 → 已核实 → 已派单 → 救援中 → 已救出 …), claim/release, call
  notes, team assignment, manual merge and split; every change with who/when in the row's
  ``history`` and an audit event; optimistic concurrency (two operators never overwrite each other).
* :mod:`desk.followups` — follow-up posts (已安全、还在等) arriving on a row, undoable; the pipeline
  stage ``followups`` (after ``alert``) applies them.
* :mod:`desk.handover` — export to the rescue teams' sheet (XLSX/CSV) and import it back.
* :mod:`desk.rumours` — disaster rumours with their spread and the official denial (辟谣).
* :mod:`desk.review` — after an event (复盘): times to first sight, verification, rescue.
* :mod:`desk.replay` — play a past event's posts through the engine on a replay clock (演练).
* :mod:`desk.storm` — the storm-mode switch (平急转换), by hand or by itself on a red warning or a burst
  of requests; the stages read it through :mod:`yuqing.storm`.
"""
