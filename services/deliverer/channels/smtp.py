"""Messages over SMTP on a connection kept open between them, with the server's
answers sorted into temporary and permanent failures.

``smtp://host:port`` is plain SMTP; ``smtp://user:pass@host:port`` logs in
after STARTTLS (in clear only to a loopback server, which offers no TLS in
tests); ``smtps://user:pass@host:port`` is TLS from the first byte. A TLS
context is built only for those two, once per process (building one loads
the system's certificates: about 50 ms of CPU).
"""

from __future__ import annotations

import contextlib
import functools
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable

from services.deliverer.channels.base import PermanentFailure, TemporaryFailure
from services.deliverer.channels.smtp_answers import (
    answer_text,
    describe,
    failure,
    raise_for,
    refused_recipient,
    sender_refused,
)
from services.deliverer.channels.smtp_server import SmtpServer, default_tls_context

__all__ = ["DEFAULT_TIMEOUT", "SmtpServer", "SmtpSession", "default_tls_context"]

#: Seconds for connecting and for every answer of the server.
DEFAULT_TIMEOUT = 30.0
#: Messages sent over one connection before it is renewed (servers cap it).
MAX_MESSAGES_PER_CONNECTION = 100
#: A connection unused for longer than this (seconds) is closed, not trusted:
#: servers drop idle clients after a minute or a few.
MAX_IDLE = 30.0


class _Stale(Exception):
    """The server dropped the connection before taking anything of this message."""


class SmtpSession:
    """One SMTP connection, opened on the first message and reused for the next.

    Not thread-safe: one per sender thread. A connection that breaks is
    dropped; only the message on it at that moment fails (temporarily). A
    reused connection the server has closed meanwhile is noticed at ``MAIL``,
    before anything of the message was sent, and replaced at once.
    """

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls: Callable[[], ssl.SSLContext] = default_tls_context,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._server = server
        self._sender = sender
        self._timeout = timeout
        self._tls = tls
        self._monotonic = monotonic
        self._client: smtplib.SMTP | None = None
        self._sent = 0
        self._last_used = 0.0

    def send(self, message: bytes, recipient: str) -> None:
        """Hand ``message`` over for ``recipient``; raise a DeliveryFailure if not taken."""
        self.begin(message, recipient)()

    def begin(self, message: bytes, recipient: str) -> Callable[[], None]:
        """All of a hand-over but its last line; the function returned sends that
        line and waits for the answer. The server takes the message only then,
        so a caller may prepare the next message while the last one's result is
        written down, and still have at most one accepted and unrecorded.

        Raises a DeliveryFailure when the server refuses before the last line.
        """
        if self._client is not None and (
            self._sent >= MAX_MESSAGES_PER_CONNECTION
            or self._monotonic() - self._last_used > MAX_IDLE
        ):
            self.close()
        reused = self._client is not None
        try:
            client = self._connected()
            self._open(client, message, recipient)
        except _Stale as exc:
            self._drop()
            if not reused:
                raise TemporaryFailure(f"SMTP server {self._server.where}: {exc}") from None
            try:
                client = self._connected()
                self._open(client, message, recipient)
            except _Stale as again:
                self._drop()
                raise TemporaryFailure(f"SMTP server {self._server.where}: {again}") from None
        return functools.partial(self._finish, client)

    def close(self) -> None:
        """QUIT and close; a failing QUIT is no failure of anything sent before."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _connected(self) -> smtplib.SMTP:
        if self._client is not None:
            return self._client
        server = self._server
        try:
            if server.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self._timeout, context=self._tls()
                )
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(
                f"cannot reach the SMTP server {server.where}: {describe(exc)}"
            ) from None
        try:
            client.ehlo_or_helo_if_needed()
            self._log_in(client)
        except BaseException as exc:
            client.close()
            if isinstance(exc, OSError | smtplib.SMTPException):
                raise failure(exc, server.where) from None
            raise
        # The final "." of a message goes out as a segment of its own, after the
        # rest: without this, Nagle's algorithm holds it for the server's delayed
        # ACK (40 ms a message).
        sock = getattr(client, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client, self._sent = client, 0
        return client

    def _log_in(self, client: smtplib.SMTP) -> None:
        server = self._server
        if server.username is None:
            return
        if not server.implicit_tls:
            if client.has_extn("starttls"):
                client.starttls(context=self._tls())
                client.ehlo()
            elif not server.is_loopback:
                raise TemporaryFailure(
                    f"the SMTP server {server.host} offers no STARTTLS;"
                    " the password is not sent in clear (use smtps://)"
                )
        client.login(server.username, server.password or "")

    def _open(self, client: smtplib.SMTP, message: bytes, recipient: str) -> None:
        """MAIL, RCPT, DATA and the message, all but the final ".": nothing is
        accepted yet, and a refusal so far leaves the connection reset for the next."""
        options = []
        if not (self._sender.isascii() and recipient.isascii()):
            if not client.has_extn("smtputf8"):
                raise PermanentFailure(
                    "the SMTP server cannot take this message: the address needs SMTPUTF8,"
                    " which the server does not offer"
                )
            options += ["SMTPUTF8", "BODY=8BITMIME"]
        if client.has_extn("size"):
            options.append(f"SIZE={len(message)}")
        if client.has_extn("pipelining"):
            self._open_pipelined(client, message, recipient, options)
            return
        try:
            code, answer = client.mail(self._sender, options)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise _Stale(describe(exc)) from None
        if code == 421:
            raise _Stale(f"answered {code} {answer_text(answer)}")
        try:
            if code != 250:
                self._reset(client)
                raise sender_refused(code, answer)
            code, answer = client.rcpt(recipient)
            if code not in (250, 251):
                self._reset(client)
                refused_recipient(code, answer)
            code, answer = client.docmd("data")
            if code != 354:
                self._reset(client)
                raise_for(code, f"message refused: {code} {answer_text(answer)}")
            client.send(_data_lines(message))
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise failure(exc, self._server.where) from None

    def _open_pipelined(
        self, client: smtplib.SMTP, message: bytes, recipient: str, options: list[str]
    ) -> None:
        """MAIL, RCPT and DATA in one write, their answers read in order (RFC 2920):
        one round trip instead of three. A refusal is the first answer that is not
        a success; the server answers DATA without valid recipients with 503/554."""
        mail = f"MAIL FROM:{smtplib.quoteaddr(self._sender)}"
        if options:
            mail += " " + " ".join(options)
        commands = f"{mail}\r\nRCPT TO:{smtplib.quoteaddr(recipient)}\r\nDATA\r\n"
        try:
            client.send(commands.encode("utf-8"))
            mail_code, mail_answer = client.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise _Stale(describe(exc)) from None
        if mail_code == 421:
            raise _Stale(f"answered {mail_code} {answer_text(mail_answer)}")
        try:
            rcpt_code, rcpt_answer = client.getreply()
            data_code, data_answer = client.getreply()
            if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
                # A server that opened DATA for nobody: no clean way back but a new connection.
                self._drop()
            elif data_code != 354:
                self._reset(client)
            if mail_code != 250:
                raise sender_refused(mail_code, mail_answer)
            if rcpt_code not in (250, 251):
                refused_recipient(rcpt_code, rcpt_answer)
            if data_code != 354:
                raise_for(data_code, f"message refused: {data_code} {answer_text(data_answer)}")
            client.send(_data_lines(message))
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise failure(exc, self._server.where) from None

    def _finish(self, client: smtplib.SMTP) -> None:
        """The final "." of the message, and the server's answer to it."""
        try:
            client.send(b".\r\n")
            code, answer = client.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise failure(exc, self._server.where) from None
        if code != 250:
            self._reset(client)
            raise_for(code, f"message refused: {code} {answer_text(answer)}")
        self._sent += 1
        self._last_used = self._monotonic()

    def _reset(self, client: smtplib.SMTP) -> None:
        """RSET after a refusal, so the next message starts clean; drop a broken connection."""
        try:
            code, _answer = client.rset()
        except (OSError, smtplib.SMTPException):
            code = 0
        if code != 250:
            self._drop()


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _data_lines(message: bytes) -> bytes:
    """The message as DATA lines, as smtplib's ``data`` writes bytes: a leading
    "." doubled, ending with a line break (the final "." is sent apart)."""
    lines = _LEADING_DOT.sub(b"..", message)
    return lines if lines.endswith(b"\r\n") else lines + b"\r\n"
