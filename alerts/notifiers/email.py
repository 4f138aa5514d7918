"""``email``: alerts by e-mail over SMTP (smtplib)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from typing import Any, Optional, Sequence

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import DeliveryError, Notifier, mask_outgoing, message_text, single_line
from alerts.severity import name as severity_name
from yuqing.errors import ConfigError


def plaintext_login(options: dict[str, Any]) -> Optional[str]:
    """Why these options would send the SMTP password in clear text, or ``None`` when they would not."""
    if options.get("username") and options.get("security", "none") == "none":
        return ("`username` is set but `security` is `none`, so the password would cross the network in "
                "clear text; set `security: starttls` (usually port 587) or `security: ssl` (port 465), "
                "or remove `username` and `password` for a local relay that needs no login")
    return None


@NOTIFIERS.register("email")
class EmailNotifier(Notifier):
    """Send a plain-text mail to ``to`` plus the route's contacts that are e-mail addresses.

    ``security``: ``none`` (a local relay, no login), ``starttls`` or ``ssl``. Credentials as
    ``${ENV}``; a ``username`` is refused without TLS. Header values (the subject built from the
    alert's title) are single lines, so crawled text can never add a header.
    """

    summary = "e-mail over SMTP"
    options = {"host": {"type": "string"}, "port": {"type": "integer"}, "sender": {"type": "string"},
               "to": {"type": "array", "items": {"type": "string"}}, "username": {"type": "string"},
               "password": {"type": "string"}, "security": {"enum": ["none", "starttls", "ssl"]},
               "timeout": {"type": "number"}}
    required_options = ("host", "sender")

    @classmethod
    def check_options(cls, where: str, options: dict[str, Any]) -> None:
        problem = plaintext_login(options)
        if problem:
            raise ConfigError(f"{where}.security: {problem}")

    def send(self, alert, route, event) -> None:
        msg = EmailMessage()
        msg["Subject"] = single_line(mask_outgoing(f"【{severity_name(alert.severity)}】{alert.title}"))
        msg.set_content(message_text(alert, route, event))
        self._deliver(msg, route.contacts)

    def send_document(self, subject: str, text: str, attachments: Sequence[tuple[str, bytes, str]] = (),
                      contacts: Sequence[str] = ()) -> None:
        """Mail a document (a briefing): ``text`` as the body, each ``(file name, bytes, MIME type)``
        attached, to ``to`` plus the e-mail addresses among ``contacts``. Subject and body are masked
        here like an alert's; the attachments are the caller's to mask (a report is masked when built)."""
        msg = EmailMessage()
        msg["Subject"] = single_line(mask_outgoing(subject))
        msg.set_content(mask_outgoing(text))
        for filename, data, mime in attachments:
            maintype, _, subtype = mime.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=single_line(filename))
        self._deliver(msg, contacts)

    def _deliver(self, msg: EmailMessage, contacts: Sequence[str]) -> None:
        """Address ``msg`` and send it over SMTP (TLS and login rules of the options)."""
        problem = plaintext_login(self.opts)
        if problem:
            raise DeliveryError(f"email {self.name}: refused to log in to {self.opts['host']}: {problem} "
                                f"(alerts.notifiers.{self.name}.security)")
        recipients = [single_line(r) for r in list(self.opts.get("to") or []) + [c for c in contacts if "@" in c]]
        if not recipients:
            raise DeliveryError(f"email {self.name}: no recipients; set `to` or put e-mail addresses in the "
                                f"route's contacts")
        msg["From"] = single_line(self.opts["sender"])
        msg["To"] = ", ".join(dict.fromkeys(recipients))
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
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            reason = self.redact_secrets(mask_outgoing(str(exc)))[:300]
            raise DeliveryError(f"email {self.name}: {self.opts['host']}:{port} failed ({reason})") from None
