"""A real Elasticsearch node for tests, run with scripts/elasticsearch.sh on its own port and folder."""
from __future__ import annotations

import shutil
import socket
import subprocess
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
