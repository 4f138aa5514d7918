"""The state of a whole deployment, as ``yuqing status`` and the sources page show it."""
from __future__ import annotations

from deployment.connection import connect, keys as deployment_keys
from deployment.heartbeat import list_processes
from deployment.streams import DocumentStream

LEASES = ("cluster", "alert", "sweep")


def deployment_status(config) -> dict:
    """``{"processes": [...], "stream": {"waiting", "pending", "total"}, "leases": {name: holder}}``."""
    client = connect(config)
    keys = deployment_keys(config)
    try:
        return {"processes": list_processes(client, keys),
                "stream": DocumentStream(client, keys).lag(),
                "leases": {name: client.get(keys.lease(name)) for name in LEASES}}
    finally:
        client.close()
