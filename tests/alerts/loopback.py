"""Real receivers on 127.0.0.1 for the notifier tests: an HTTP server and an SMTP server (aiosmtpd)."""
from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CaptureServer:
    """Records every request; ``responses[path] = (status, body)`` chooses the answer (default 200 {})."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.responses: dict[str, tuple[int, dict]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                url = urllib.parse.urlsplit(self.path)
                owner.requests.append({"path": url.path, "query": dict(urllib.parse.parse_qsl(url.query)),
                                       "headers": dict(self.headers), "json": json.loads(raw.decode("utf-8"))})
                status, body = owner.responses.get(url.path, (200, {"errcode": 0}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpReceiver:
    """aiosmtpd on loopback; ``messages`` holds (mail_from, rcpt_tos, content) tuples.

    With ``offer_plain_auth`` the server offers AUTH without TLS (as a careless relay does) and
    accepts any login, recording each ``(username, password)`` it received in ``logins``.
    """

    def __init__(self, offer_plain_auth: bool = False) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[tuple[str, list[str], str]] = []
        self.logins: list[tuple[str, str]] = []
        owner = self

        def authenticator(server, session, envelope, mechanism, auth_data):
            owner.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=True)

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                owner.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                       envelope.content.decode("utf-8", "replace")))
                return "250 OK"

        # aiosmtpd logs each connection's end at INFO from its own thread, sometimes after the test
        # that opened it has ended; through a root handler an earlier in-process command left on a
        # stream since closed, that printed "--- Logging error ---" tracebacks into the suite's output
        # (seen in CI logs, not reproduced in isolation). Its warnings and errors still show.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = free_port()
        auth = {"authenticator": authenticator, "auth_require_tls": False} if offer_plain_auth else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **auth)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
