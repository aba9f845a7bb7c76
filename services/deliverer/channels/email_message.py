"""The email of a notification: its headers, its text and html parts.

Every message carries a ``Message-ID`` derived from the notification's
idempotency key, so a resend after a crash is recognisably the same message.
:func:`build_message` is the message as the stdlib's ``email`` package makes
it; :func:`message_bytes` writes the same bytes without its header registry.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import Any, cast

from services.deliverer.channels import mime
from services.deliverer.channels.base import PermanentFailure
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
    return f"<{stem(idempotency_key)}@aftersale>"


def stem(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def eml_name(notification: Notification) -> str:
    """``<created>-<kind>-<id>.eml``, e.g. ``20261207T091500Z-order_confirmation-3f2a9c1b7e04.eml``:
    sorted by time, the kind readable, and the same name for every attempt (the id
    is the start of the key's digest, which the ``Message-ID`` carries whole)."""
    created = notification.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = re.sub(r"[^A-Za-z0-9_-]", "_", notification.kind)[:64]
    return f"{created}-{kind}-{stem(notification.idempotency_key)[:12]}.eml"


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


def _parts(notification: Notification) -> tuple[dict[str, Any], Any, Any]:
    content = notification.content or {}
    text, html = content.get("text"), content.get("html")
    if not text and not html:
        raise PermanentFailure('the notification has neither "text" nor "html" to send')
    return content, text, html


def build_message(notification: Notification, mail_from: str) -> EmailMessage:
    """The email for a notification (content: subject, text, html, unsubscribe_url)."""
    content, text, html = _parts(notification)
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


def message_bytes(notification: Notification, mail_from: str) -> bytes:
    """``build_message(notification, mail_from).as_bytes()`` with the boundary of
    :func:`mime.boundary_for`, written directly (about 0.4 ms instead of 4 ms)."""
    content, text, html = _parts(notification)
    to = email_address(notification.recipient)
    kind = _one_line(notification.kind)
    key = _one_line(notification.idempotency_key)
    unsubscribe_url = content.get("unsubscribe_url")
    unsubscribe = f"<{_one_line(unsubscribe_url)}>" if unsubscribe_url else ""
    boundary = mime.boundary_for(notification.idempotency_key)
    if not (mime.is_plain_address(to) and all(map(mime.is_plain, (kind, key, unsubscribe)))):
        # Unusual values (non-ASCII, encoded words): the stdlib decides, as it always did.
        message = build_message(notification, mail_from)
        if message.is_multipart():
            message.set_boundary(boundary)
        return message.as_bytes()
    lines = [
        _folded("From", mail_from),
        f"To: {to}\r\n",
        _subject(_one_line(content.get("subject") or "")),
        f"Date: {format_datetime(notification.created_at)}\r\n",
        f"Message-ID: {message_id_for(notification.idempotency_key)}\r\n",
        "Auto-Submitted: auto-generated\r\n",
        f"X-Aftersale-Kind: {kind}\r\n",
        f"X-Aftersale-Key: {key}\r\n",
    ]
    if unsubscribe:
        lines.append(f"List-Unsubscribe: {unsubscribe}\r\n")
        lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    return mime.assemble("".join(lines), str(text or ""), str(html) if html else None, boundary)


def _subject(subject: str) -> str:
    line = f"Subject: {subject}"
    if subject and len(line) <= mime.MAX_UNFOLDED and mime.is_plain(subject):
        return line + "\r\n"
    return _fold("Subject", subject)


@lru_cache(maxsize=8)
def _folded(name: str, value: str) -> str:
    """A header folded by the stdlib, remembered: the From setting is the same every time."""
    return _fold(name, value)


def _fold(name: str, value: str) -> str:
    return str(MESSAGE_POLICY.header_factory(name, value).fold(policy=MESSAGE_POLICY))
