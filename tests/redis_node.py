"""A real redis-server for the tests (Debian package redis-server), on a free loopback port."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from es_node import free_port


def start_redis(directory: Path, timeout: float = 10.0) -> tuple[subprocess.Popen, str]:
    """Start redis-server with its files in ``directory``, answering pings: ``(process, url)``."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("redis-server is not installed: apt-get install -y redis-server (the Makefile does this)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"redis-server on port {port} did not answer within {timeout:.0f} s "
                                     f"(exit code {proc.poll()})")
            time.sleep(0.05)
    finally:
        client.close()
    return proc, f"redis://127.0.0.1:{port}/0"
