"""``email``: alerts by e-mail over SMTP (smtplib)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import DeliveryError, Notifier, message_text
from alerts.severity import name as severity_name


@NOTIFIERS.register("email")
class EmailNotifier(Notifier):
    """Send a plain-text mail to ``to`` plus the route's contacts that are e-mail addresses.

    ``security``: ``none`` (local relay), ``starttls`` or ``ssl``. Credentials as ``${ENV}``.
    """

    summary = "e-mail over SMTP"
    options = {"host": {"type": "string"}, "port": {"type": "integer"}, "sender": {"type": "string"},
               "to": {"type": "array", "items": {"type": "string"}}, "username": {"type": "string"},
               "password": {"type": "string"}, "security": {"enum": ["none", "starttls", "ssl"]},
               "timeout": {"type": "number"}}
    required_options = ("host", "sender")

    def send(self, alert, route, event) -> None:
        recipients = list(self.opts.get("to") or []) + [c for c in route.contacts if "@" in c]
        if not recipients:
            raise DeliveryError(f"email {self.name}: no recipients; set `to` or put e-mail addresses in the "
                                f"route's contacts")
        msg = EmailMessage()
        msg["Subject"] = f"【{severity_name(alert.severity)}】{alert.title}"
        msg["From"] = self.opts["sender"]
        msg["To"] = ", ".join(dict.fromkeys(recipients))
        msg.set_content(message_text(alert, route, event))
        security = self.opts.get("security", "none")
        port = int(self.opts.get("port", 465 if security == "ssl" else 25))
        try:
            if security == "ssl":
                client = smtplib.SMTP_SSL(self.opts["host"], port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.opts["host"], port, timeout=self.timeout)
            with client:
                if security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.opts.get("username"):
                    client.login(self.opts["username"], self.opts.get("password", ""))
                client.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"email {self.name}: {self.opts['host']}:{port} failed ({exc})") from None
