"""Email: SMTP when ``AFTERSALE_SMTP_URL`` is set, otherwise ``.eml`` files in the outbox folder.

Every message carries a ``Message-ID`` derived from the notification's
idempotency key, so a resend after a crash is recognisably the same message,
and an ``.eml`` file named after it, so a rewrite replaces the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import ssl
import tempfile
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, cast

from services.deliverer.channels.base import PermanentFailure, TemporaryFailure
from services.deliverer.channels.smtp import DEFAULT_TIMEOUT, SmtpServer, send_over_smtp
from services.runtime.store.models import Notification

DEFAULT_MAIL_FROM = "aftersale <no-reply@localhost>"

_LOCAL = r"[^\s@<>()\[\],;:\\\"]+"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*")


class _VerbatimHeader(UnstructuredHeader):
    """Never folded nor encoded: keys and unsubscribe URLs stay intact and greppable.

    The default folding would split a long token into RFC 2047 encoded words,
    which breaks one-click unsubscribe and filters on the raw header.
    """

    name: str  # provided by BaseHeader, which the registry mixes in

    def fold(self, *, policy: Any) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_VERBATIM = ("x-aftersale-kind", "x-aftersale-key", "list-unsubscribe", "list-unsubscribe-post")


def _policy() -> policy.EmailPolicy[EmailMessage]:
    registry = HeaderRegistry()
    for name in _VERBATIM:
        registry.map_to_type(name, cast("type[BaseHeader]", _VerbatimHeader))
    return policy.SMTP.clone(header_factory=registry)


#: Message policy: RFC 5322 line endings, our verbatim headers.
MESSAGE_POLICY = _policy()


def message_id_for(idempotency_key: str) -> str:
    """``<32 hex digits of sha256(key)>@aftersale>``, the same on every resend."""
    return f"<{_stem(idempotency_key)}@aftersale>"


def _stem(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def email_address(recipient: str) -> str:
    """The bare address of ``recipient`` (``mailto:`` allowed), or PermanentFailure."""
    value = recipient.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    if not _ADDRESS.fullmatch(value) or len(value) > 254:
        raise PermanentFailure("invalid email address")
    return value


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def build_message(notification: Notification, mail_from: str) -> EmailMessage:
    """The email for a notification (content: subject, text, html, unsubscribe_url)."""
    content = notification.content or {}
    text, html = content.get("text"), content.get("html")
    if not text and not html:
        raise PermanentFailure('the notification has neither "text" nor "html" to send')
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = mail_from
    message["To"] = email_address(notification.recipient)
    message["Subject"] = _one_line(content.get("subject") or "")
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = message_id_for(notification.idempotency_key)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Aftersale-Kind"] = _one_line(notification.kind)
    message["X-Aftersale-Key"] = _one_line(notification.idempotency_key)
    unsubscribe_url = content.get("unsubscribe_url")
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{_one_line(unsubscribe_url)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable: 7-bit safe for any server, and no line over 998 bytes.
    message.set_content(str(text or ""), cte="quoted-printable")
    if html:
        message.add_alternative(str(html), subtype="html", cte="quoted-printable")
    return message


class EmailChannel:
    """Sends email through ``smtp_url``, or writes ``<outbox_dir>/<stem>.eml`` without one.

    Parameters
    ----------
    smtp_url:
        ``smtp://host:port``, ``smtp://user:pass@host:port`` or
        ``smtps://user:pass@host:port``; None writes files instead.
    outbox_dir:
        Where ``.eml`` files go when there is no SMTP server.
    mail_from:
        The ``From`` header; its address is also the envelope sender.
    """

    def __init__(
        self,
        smtp_url: str | None,
        outbox_dir: Path,
        *,
        mail_from: str = DEFAULT_MAIL_FROM,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = SmtpServer.from_url(smtp_url) if smtp_url else None
        self._outbox_dir = Path(outbox_dir)
        self._mail_from = mail_from
        self._sender = parseaddr(mail_from)[1] or mail_from
        self._timeout = timeout
        self._ssl_context = ssl_context

    def send(self, notification: Notification) -> None:
        message = build_message(notification, self._mail_from)
        if self._server is None:
            self.write_file(notification, message)
            return
        send_over_smtp(
            self._server,
            message,
            self._sender,
            email_address(notification.recipient),
            timeout=self._timeout,
            ssl_context=self._ssl_context,
        )

    def path_for(self, notification: Notification) -> Path:
        return self._outbox_dir / f"{_stem(notification.idempotency_key)}.eml"

    def write_file(self, notification: Notification, message: EmailMessage) -> Path:
        """Write the message atomically (temporary file, then rename over the final name)."""
        target = self.path_for(notification)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".eml.tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(message.as_bytes())
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {target}: {exc.strerror or exc}") from None
        return target
