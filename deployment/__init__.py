"""More than one machine (多机部署): roles, singleton leases, the work stream, heartbeats, metrics.

``yuqing run --role all`` (the default) is the single process of the embedded store and needs none
of this. The other roles split that process so any number of ``crawl``, ``analyze`` and ``web``
processes run on any number of machines against one Redis and one Elasticsearch cluster:

- :mod:`deployment.roles` composes each role from the stages of :mod:`yuqing.app.scheduler`;
- :mod:`deployment.lease` keeps ``cluster`` and ``alert`` singletons (a Redis lock with a fencing token);
- :mod:`deployment.streams` hands new document ids to the analysers (Redis Streams, one consumer group);
- :mod:`deployment.heartbeat` records every process for ``yuqing status``;
- :mod:`deployment.metrics` serves ``/healthz`` and Prometheus ``/metrics`` on every process.
"""
