"""Alerts (预警): rules over analyses and incidents, four-colour severity, routing, notifiers, lifecycle.

Layout: ``rules/`` (one module per rule type), ``rules.d/`` (example rule files), ``schema.py``
(rule-file validation), ``severity.py``, ``dedup.py``, ``routing.py``, ``escalation.py``,
``lifecycle.py`` (the state machine the web UI and command line call), ``notifiers/`` and
``stage.py`` (the pipeline stage ``alert``).
"""
