"""Settings of a deployment on more than one machine (the ``deployment.`` section of config.yaml)."""
from yuqing.config import Setting, positive


def _port(value):
    return None if 0 <= value <= 65535 else "must be a port number, or 0 for any free port"


SETTINGS = [
    Setting("deployment.redis_url", "", "The Redis every process of a multi-machine deployment shares (leases, "
            "the document stream, heartbeats), e.g. redis://10.0.0.5:6379/0; empty uses crawl.redis_url. "
            "Not needed by `yuqing run --role all`."),
    Setting("deployment.key_prefix", "yuqing", "Prefix of every Redis key the deployment writes, so two "
            "deployments can share one Redis."),
    Setting("deployment.lease_seconds", 15.0, "How long a singleton lease (cluster, alert) lasts without renewal; "
            "the holder renews it every third of this, and another process takes over at most this long plus "
            "one renewal period after the holder died.", type=float, check=positive),
    Setting("deployment.claim_idle_seconds", 60.0, "A document id delivered to an analyser that has not "
            "acknowledged it for this long is re-claimed by another analyser (XAUTOCLAIM); keep it above the "
            "time one batch takes.", type=float, check=positive),
    Setting("deployment.batch_size", 64, "Document ids an analyser reads from the stream at a time.", type=int,
            check=positive),
    Setting("deployment.sweep_interval", 300.0, "Seconds between sweeps that put documents still without an "
            "analysis (imported ones, or stored by a crawler that died before announcing them) on the stream; "
            "one analyser does it at a time, under the `sweep` lease.", type=float, check=positive),
    Setting("deployment.sweep_grace_seconds", 120.0, "A sweep only picks documents collected at least this long "
            "ago, so it does not re-announce what is on its way.", type=float, check=positive),
    Setting("deployment.heartbeat_seconds", 5.0, "Seconds between heartbeats of a process (role, host, pid, "
            "stream lag) in Redis; `yuqing status` calls a process silent after three missed beats.",
            type=float, check=positive),
    Setting("deployment.metrics_host", "127.0.0.1", "Address of each process's /healthz and /metrics "
            "(Prometheus); 0.0.0.0 lets a Prometheus on another machine scrape it."),
    Setting("deployment.metrics_port", 9686, "Port of /healthz and /metrics; 0 picks a free port (shown by "
            "`yuqing status`). Give each process on one machine its own port.", type=int, check=_port),
]
