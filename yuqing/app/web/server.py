"""Serving the web UI from a thread of ``yuqing run`` (uvicorn, no signal handlers of its own)."""
from __future__ import annotations

import logging
import threading
import time

import uvicorn

from yuqing.app.web.app import create_app

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, config, store) -> None:
        self.config = config
        app = create_app(config, store)
        uv_config = uvicorn.Config(app, host=config["web.host"], port=int(config["web.port"]),
                                   log_level="warning", lifespan="off")
        self.server = uvicorn.Server(uv_config)
        self.server.install_signal_handlers = lambda: None  # the service owns SIGTERM
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            log.error("the web UI did not start on %s:%s", self.config["web.host"], self.config["web.port"])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
