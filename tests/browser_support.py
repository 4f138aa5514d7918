"""The real-browser set-up shared by the web UI's browser tests: Debian's headless Chromium driven by
Playwright against the real service (uvicorn on loopback).

A test module imports ``browser``, ``open_page`` and ``Service`` from here at module level and defines
its own ``service`` fixture (its own seed). ``Watched`` fails a test on any JavaScript console error,
uncaught exception, failed request or answer of 400 or more that it did not ask for.
"""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from yuqing.config import load_config

CHROMIUM = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / ".cache" / "screenshots"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                    reason="Debian's chromium is not installed (make system-deps)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Service:
    """The real web service (uvicorn, as ``yuqing run`` serves it) on a free loopback port."""

    def __init__(self, store, users: str, settings: tuple[str, ...] = ()) -> None:
        from yuqing.app.web.server import WebServer

        self.port = _free_port()
        config = load_config(None, [users, *settings, f"web.port={self.port}", "web.host=127.0.0.1", "web.refresh_seconds=1"])
        self.server = WebServer(config, store)
        self.server.start()
        self.url = f"http://127.0.0.1:{self.port}"


class Watched:
    """A browser page whose console errors, page errors and failed requests are collected."""

    def __init__(self, browser, base: str, allowed_status: tuple[int, ...] = ()) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True,
                                           locale="zh-CN")
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.allowed_status = allowed_status
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and r.status not in self.allowed_status
                     and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        expected = any(f"status of {s} " in message.text for s in self.allowed_status)
        if not (expected and message.text.startswith("Failed to load resource")):
            self.problems.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # a download (the CSV exports) ends its navigation as "aborted": the file still arrives; the
        # queue's refresh still in flight when the analyst opens another page is aborted by the browser
        aborted = request.failure == "net::ERR_ABORTED"
        if not (aborted and (".csv" in request.url or request.resource_type == "fetch")):
            self.problems.append(f"failed: {request.url} {request.failure}")

    def go(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def sign_in(self, token: str) -> None:
        self.go("/login")
        self.page.fill("input[name=token]", token)
        self.page.click("form.stack button")
        self.page.wait_for_load_state("networkidle")
        assert "/login" not in self.page.url

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def check(self) -> None:
        assert self.problems == [], self.problems


@pytest.fixture
def open_page(browser, service):
    pages: list[Watched] = []

    def make(token: str | None = None, **kwargs) -> Watched:
        watched = Watched(browser, service.url, **kwargs)
        pages.append(watched)
        if token:
            watched.sign_in(token)
        return watched
    yield make
    for watched in pages:
        watched.context.close()
    for watched in pages:
        watched.check()


