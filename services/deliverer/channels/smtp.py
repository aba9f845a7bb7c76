"""Sending one message over SMTP, with the server's answer sorted into
temporary and permanent failures.

``smtp://host:port`` is plain SMTP; ``smtp://user:pass@host:port`` logs in
after STARTTLS (in clear only to a loopback server, which offers no TLS in
tests); ``smtps://user:pass@host:port`` is TLS from the first byte.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from services.deliverer.channels.base import PermanentFailure, TemporaryFailure

#: Seconds for connecting and for every answer of the server.
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand over mail, parsed from ``AFTERSALE_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"AFTERSALE_SMTP_URL must start with smtp:// or smtps://: {url!r}")
        if not parts.hostname:
            raise ValueError("AFTERSALE_SMTP_URL names no host")
        implicit_tls = parts.scheme == "smtps"
        port = parts.port or (465 if implicit_tls else 25)
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def send_over_smtp(
    server: SmtpServer,
    message: EmailMessage,
    sender: str,
    recipient: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Hand ``message`` to ``server`` for ``recipient``; raise a DeliveryFailure if not taken."""
    context = ssl_context or ssl.create_default_context()
    where = f"{server.host}:{server.port}"
    try:
        client = _connect(server, timeout, context)
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"cannot reach the SMTP server {where}: {_describe(exc)}") from None
    try:
        _log_in(client, server, context)
        client.send_message(message, from_addr=sender, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()), (0, b""))
        _raise_for(code, f"recipient refused: {code} {_text(answer)}")
    except smtplib.SMTPDataError as exc:
        _raise_for(exc.smtp_code, f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}")
    except smtplib.SMTPSenderRefused as exc:
        # The sender is a setting of ours, not this recipient's fault: retry.
        raise TemporaryFailure(
            f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)} (AFTERSALE_MAIL_FROM)"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentFailure(f"the SMTP server cannot take this message: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise TemporaryFailure(
            f"SMTP server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"SMTP server {where}: {_describe(exc)}") from None
    finally:
        _close(client)


def _connect(server: SmtpServer, timeout: float, context: ssl.SSLContext) -> smtplib.SMTP:
    if server.implicit_tls:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=timeout)


def _log_in(client: smtplib.SMTP, server: SmtpServer, context: ssl.SSLContext) -> None:
    if server.username is None:
        return
    client.ehlo()
    if not server.implicit_tls:
        if client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        elif not server.is_loopback:
            raise TemporaryFailure(
                f"the SMTP server {server.host} offers no STARTTLS;"
                " the password is not sent in clear (use smtps://)"
            )
    client.login(server.username, server.password or "")


def _raise_for(code: int, reason: str) -> None:
    if 500 <= code < 600:
        raise PermanentFailure(reason) from None
    raise TemporaryFailure(reason) from None


def _close(client: smtplib.SMTP) -> None:
    # The message may already be accepted: a failing QUIT must not turn that
    # into a failure (and a second copy).
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError | smtplib.SMTPServerDisconnected) and not str(exc):
        return "timed out" if isinstance(exc, TimeoutError) else "disconnected"
    return " ".join(text.split())
