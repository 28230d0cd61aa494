"""Sending e-mail through an SMTP server (standard library ``smtplib``).

``Mailer.from_settings(settings)`` reads ``SMTP_HOST`` (empty: e-mail is off and ``send``
returns False), ``SMTP_PORT``, ``SMTP_USER``/``SMTP_PASSWORD`` (login when set),
``SMTP_STARTTLS`` and ``MAIL_FROM``; ``timeout`` (seconds, per connection and per exchange
with the server; ``TIMEOUT_S`` by default) bounds how long a send can wait. Messages are plain French text. Callers keep personal
data out of them (issue 10: e-mails carry a reference and a link that requires login).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger("relais.mail")
TIMEOUT_S = 10


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached (French message, no content)."""


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "relais@localhost"
    timeout: float = TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: dict) -> Mailer:
        return cls(
            host=str(settings.get("SMTP_HOST") or ""),
            port=int(settings.get("SMTP_PORT") or 25),
            user=str(settings.get("SMTP_USER") or ""),
            password=str(settings.get("SMTP_PASSWORD") or ""),
            starttls=bool(settings.get("SMTP_STARTTLS")),
            sender=str(settings.get("MAIL_FROM") or "relais@localhost"),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    def send(self, to: str | list[str], subject: str, text: str) -> bool:
        """Send one message to ``to`` (one address or several). Returns False when e-mail is
        off (no ``SMTP_HOST``); raises ``MailError`` when the server fails."""
        if not self.enabled:
            return False
        recipients = [to] if isinstance(to, str) else list(to)
        if not recipients:
            return False
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "relais")
        message.set_content(text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail not sent (%s): %s", exc.__class__.__name__, subject)
            raise MailError(
                f"Le message n'a pas pu être envoyé (serveur {self.host}:{self.port} : "
                f"{exc.__class__.__name__})."
            ) from exc
        return True
