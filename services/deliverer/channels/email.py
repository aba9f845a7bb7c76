"""Email: SMTP when ``AFTERSALE_SMTP_URL`` is set, otherwise ``.eml`` files in the outbox folder.

Every message carries a ``Message-ID`` derived from the notification's
idempotency key, so a resend after a crash is recognisably the same message,
and an ``.eml`` file named after it, so a rewrite replaces the file. The
deliverer's sender threads each hold a session (:meth:`EmailChannel.open_session`)
whose SMTP connection stays open between messages; :meth:`EmailChannel.send`
is one message on a connection of its own.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path

from services.deliverer.channels.base import TemporaryFailure
from services.deliverer.channels.email_message import (
    DEFAULT_MAIL_FROM,
    MESSAGE_POLICY,
    build_message,
    email_address,
    eml_name,
    message_bytes,
    message_id_for,
)
from services.deliverer.channels.smtp import (
    DEFAULT_TIMEOUT,
    SmtpServer,
    SmtpSession,
    default_tls_context,
)
from services.runtime.store.models import Notification

__all__ = [
    "DEFAULT_MAIL_FROM",
    "MESSAGE_POLICY",
    "EmailChannel",
    "EmailSession",
    "build_message",
    "email_address",
    "message_bytes",
    "message_id_for",
]

#: Messages kept built after a temporary failure, for their next attempt.
_RETRY_CACHE = 1000


class EmailChannel:
    """Sends email through ``smtp_url``, or writes ``<outbox_dir>/<created>-<kind>-<id>.eml``
    without one (see :func:`eml_name`).

    Parameters
    ----------
    smtp_url:
        ``smtp://host:port``, ``smtp://user:pass@host:port`` or
        ``smtps://user:pass@host:port``; None writes files instead.
    outbox_dir:
        Where ``.eml`` files go when there is no SMTP server.
    mail_from:
        The ``From`` header; its address is also the envelope sender.
    timeout:
        Seconds for connecting and for every answer of the server.
    ssl_context:
        For smtps:// and STARTTLS; default: the system's trust store, loaded once.
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
        self._built: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def open_session(self) -> EmailSession:
        """A session for one thread: its SMTP connection is opened on first use and kept."""
        smtp = None
        if self._server is not None:
            smtp = SmtpSession(self._server, self._sender, timeout=self._timeout, tls=self._tls)
        return EmailSession(self, smtp)

    def send(self, notification: Notification) -> None:
        session = self.open_session()
        try:
            session.send(notification)
        finally:
            session.close()

    def message_for(self, notification: Notification) -> bytes:
        """The message's bytes: built now, or kept from a temporarily failed attempt."""
        with self._lock:
            built = self._built.pop(notification.idempotency_key, None)
        return built if built is not None else message_bytes(notification, self._mail_from)

    def keep_for_retry(self, notification: Notification, data: bytes) -> None:
        with self._lock:
            self._built[notification.idempotency_key] = data
            while len(self._built) > _RETRY_CACHE:
                self._built.popitem(last=False)

    def path_for(self, notification: Notification) -> Path:
        """Where the message's file goes: named so that ``ls`` shows when and what."""
        return self._outbox_dir / eml_name(notification)

    def write_file(self, notification: Notification, data: bytes) -> Path:
        """Write the message atomically (temporary file, then rename over the final name)."""
        target = self.path_for(notification)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".eml.tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def _tls(self) -> ssl.SSLContext:
        return self._ssl_context or default_tls_context()


class EmailSession:
    """Sends many emails, over one SMTP connection kept open (or into files)."""

    def __init__(self, channel: EmailChannel, smtp: SmtpSession | None) -> None:
        self._channel = channel
        self._smtp = smtp

    def send(self, notification: Notification) -> None:
        self.begin(notification)()

    def begin(self, notification: Notification) -> Callable[[], None]:
        """All of the hand-over but its last step; calling the result completes it
        (see :meth:`SmtpSession.begin`). A file is written at once."""
        data = self._channel.message_for(notification)
        if self._smtp is None:
            self._channel.write_file(notification, data)
            return _nothing
        try:
            finish = self._smtp.begin(data, email_address(notification.recipient))
        except TemporaryFailure:
            self._channel.keep_for_retry(notification, data)
            raise

        def complete() -> None:
            try:
                finish()
            except TemporaryFailure:
                self._channel.keep_for_retry(notification, data)
                raise

        return complete

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.close()


def _nothing() -> None:
    return None
