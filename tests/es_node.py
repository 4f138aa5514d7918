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

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (held open together, so none is handed out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class _Scripted:
    """Elasticsearch run by one of scripts/*.sh (``start``, ``stop``, ``status``) on its own folder."""

    script: Path
    timeout: float
    data: Path

    def _options(self) -> list[str]:
        raise NotImplementedError

    def _run(self, action: str) -> str:
        done = subprocess.run([str(self.script), action, *self._options(), "--data", str(self.data)],
                              capture_output=True, text=True, timeout=self.timeout)
        if done.returncode != 0 and action != "status":
            raise RuntimeError(f"{self.script.name} {action} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def start(self) -> None:
        self._run("start")

    def stop(self, *, remove: bool = True) -> None:
        self._run("stop")
        if remove:
            shutil.rmtree(self.data, ignore_errors=True)


@dataclass
class EsNode(_Scripted):
    port: int
    data: Path
    script = SCRIPTS / "elasticsearch.sh"
    timeout = 240

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

    def _options(self) -> list[str]:
        return ["--port", str(self.port)]

    def running(self) -> bool:
        return self._run("status").startswith("running")


@dataclass
class EsCluster(_Scripted):
    """Nodes of one real cluster on loopback, run with scripts/es_cluster.sh (node ``i`` from 0).

    ``start`` starts every node that is not running and waits until the cluster has them all.
    """

    http_ports: list[int]
    transport_ports: list[int]
    data: Path
    script = SCRIPTS / "es_cluster.sh"
    timeout = 420

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.http_ports]

    @classmethod
    def on_free_ports(cls, nodes: int = 3) -> "EsCluster":
        """A cluster of ``nodes`` nodes (HTTP and transport ports free now), not started yet."""
        ports = free_ports(2 * nodes)
        # under /tmp, not pytest's tmp_path: the nodes' unprivileged user must be able to enter it
        return cls(ports[:nodes], ports[nodes:], Path(f"/tmp/yuqing-es-cluster-{ports[0]}"))

    def _options(self) -> list[str]:
        return ["--http-ports", ",".join(map(str, self.http_ports)),
                "--transport-ports", ",".join(map(str, self.transport_ports))]

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

