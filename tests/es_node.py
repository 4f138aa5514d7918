"""A real Elasticsearch node for tests, run with scripts/elasticsearch.sh on its own port and folder."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "elasticsearch.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EsNode:
    port: int
    data: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start_on_free_port(cls, data: Path | None = None) -> "EsNode":
        port = free_port()
        # under /tmp, not pytest's tmp_path: the node's unprivileged user must be able to enter it
        node = cls(port, data or Path(f"/tmp/yuqing-es-test-{port}"))
        node.start()
        return node

    def _run(self, action: str, timeout: float = 240) -> str:
        done = subprocess.run([str(SCRIPT), action, "--port", str(self.port), "--data", str(self.data)],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 and action != "status":
            raise RuntimeError(f"elasticsearch.sh {action} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def start(self) -> None:
        self._run("start")

    def stop(self, *, remove: bool = True) -> None:
        self._run("stop")
        if remove:
            shutil.rmtree(self.data, ignore_errors=True)

    def running(self) -> bool:
        return self._run("status").startswith("running")


CLUSTER_SCRIPT = SCRIPT.parent / "es_cluster.sh"


@dataclass
class EsCluster:
    """Nodes of one real cluster on loopback, run with scripts/es_cluster.sh (node ``i`` from 0)."""

    http_ports: list[int]
    transport_ports: list[int]
    data: Path

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.http_ports]

    @classmethod
    def on_free_ports(cls, nodes: int = 3) -> "EsCluster":
        """A cluster of ``nodes`` nodes (HTTP and transport ports free now), not started yet."""
        ports = _free_ports(2 * nodes)
        # under /tmp, not pytest's tmp_path: the nodes' unprivileged user must be able to enter it
        return cls(ports[:nodes], ports[nodes:], Path(f"/tmp/yuqing-es-cluster-{ports[0]}"))

    def _run(self, action: str, timeout: float = 420) -> str:
        done = subprocess.run([str(CLUSTER_SCRIPT), action, "--http-ports", ",".join(map(str, self.http_ports)),
                               "--transport-ports", ",".join(map(str, self.transport_ports)),
                               "--data", str(self.data)], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 and action != "status":
            raise RuntimeError(f"es_cluster.sh {action} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def start(self) -> None:
        """Start every node that is not running and wait until the cluster has them all."""
        self._run("start")

    def stop(self, *, remove: bool = True) -> None:
        self._run("stop")
        if remove:
            shutil.rmtree(self.data, ignore_errors=True)

    def pid(self, node: int) -> int:
        return int((self.data / f"node-{node + 1}" / "es.pid").read_text().strip())

    def kill(self, node: int) -> None:
        """SIGKILL the node's process (a machine that dies) and wait until it is gone."""
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Elasticsearch node {node + 1} (pid {pid}) still runs 30 s after SIGKILL")
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a container's init may be slow to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (held open together, so none is handed out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
