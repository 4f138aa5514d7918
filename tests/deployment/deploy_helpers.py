"""Helpers of the deployment tests (imported by name; conftest modules are not importable)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.1):
    """Poll ``predicate`` until it is truthy; its value. Fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class RoleProcess:
    """``yuqing run --role ROLE`` as a subprocess; its output read from a pipe into :attr:`lines`."""

    def __init__(self, popen: subprocess.Popen, role: str) -> None:
        self.popen = popen
        self.role = role
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, role: str, config: Path, *extra: str) -> "RoleProcess":
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        popen = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run", "--role", role,
                                  *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                                 env=env)
        return cls(popen, role)

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def metrics_address(self, timeout: float = 90) -> str:
        """host:port of its /healthz and /metrics, from the line it prints once started."""
        def found():
            for line in self.lines:
                if "health and metrics on http://" in line:
                    return line.split("http://", 1)[1].split("/", 1)[0]
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.role} exited with {self.popen.returncode}:\n{self.output[-3000:]}")
            return None
        return wait_until(found, timeout, f"the {self.role} process to start")

    def kill(self) -> None:
        """SIGKILL: a machine that dies, no clean-up of any kind."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 60) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGCONT)
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self._reader.join(timeout=5)
        return self.popen.returncode
