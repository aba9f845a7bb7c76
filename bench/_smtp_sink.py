"""A minimal SMTP server for benchmarks: accepts every message, records a line, keeps nothing.

It speaks just enough SMTP for smtplib and aiosmtplib (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, VRFY, QUIT; commands may be pipelined) and answers 250 to every DATA. It
does not parse MIME: it reads the header block for `X-Aftersale-Key`,
`X-Aftersale-Kind` and `Message-ID`, and, when given a pattern, collects the
identifiers matching it anywhere in the message (after undoing quoted-printable soft
line breaks, so an identifier split across a folded body line is still found).

For each accepted message one JSON line is appended to the output file and flushed:
``{"at": <unix time of acceptance>, "key", "kind", "message_id", "to": [...],
"ids": [...], "size"}``. Run it in its own process so its CPU is not the benchmark's:

    python bench/_smtp_sink.py --out FILE [--port 0] [--ids REGEX]

It prints ``listening <host> <port>`` on stdout once ready and stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

#: Largest message taken (and advertised as SIZE): far above any notification.
MAX_MESSAGE = 32 * 1024 * 1024
#: The headers the benchmark needs, lowercase.
WANTED = {b"x-aftersale-key": "key", b"x-aftersale-kind": "kind", b"message-id": "message_id"}

Record = dict[str, Any]


def headers_of(message: bytes) -> dict[str, str]:
    """The wanted headers of a raw message (unfolded, first occurrence wins)."""
    head = message.split(b"\r\n\r\n", 1)[0]
    # Unfold: a line starting with a space or tab continues the previous one.
    head = re.sub(rb"\r\n[ \t]+", b" ", head)
    found: dict[str, str] = {}
    for line in head.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        field_name = WANTED.get(name.strip().lower()) if sep else None
        if field_name is not None and field_name not in found:
            found[field_name] = value.strip().decode("utf-8", "replace")
    return found


def identifiers_in(message: bytes, pattern: re.Pattern[bytes]) -> list[str]:
    """Distinct matches of `pattern` in the message, in order of first appearance."""
    flat = message.replace(b"=\r\n", b"")  # quoted-printable soft line breaks
    seen: dict[str, None] = {}
    for match in pattern.finditer(flat):
        seen.setdefault(match.group(0).decode("ascii", "replace"), None)
    return list(seen)


def unstuff(data: bytes) -> bytes:
    """Undo SMTP dot-stuffing (RFC 5321 4.5.2) of data that starts with a CRLF."""
    return data.replace(b"\r\n..", b"\r\n.")


@dataclass
class Session:
    """One SMTP transaction's envelope."""

    sender: str | None = None
    recipients: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.sender = None
        self.recipients = []


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=1` → `a@b`."""
    value = argument.split(":", 1)[1] if ":" in argument else argument
    value = value.strip()
    if value.startswith("<"):
        value = value[1 : value.find(">")] if ">" in value else value[1:]
    else:
        value = value.split(" ", 1)[0]
    return value


class Sink:
    """The server's state: one callback per accepted message."""

    def __init__(
        self, on_message: Callable[[Record], None], ids: re.Pattern[bytes] | None = None
    ) -> None:
        self.on_message = on_message
        self.ids = ids
        self.accepted = 0

    def protocol(self) -> asyncio.Protocol:
        return _Conversation(self)

    def accept(self, at: float, recipients: list[str], message: bytes) -> None:
        """Record a message accepted at ``at`` (its 250 may have gone out already)."""
        record: Record = {"at": at, **headers_of(message)}
        record["to"] = recipients
        record["ids"] = identifiers_in(message, self.ids) if self.ids is not None else []
        record["size"] = len(message)
        self.accepted += 1
        self.on_message(record)


_EHLO = (
    b"250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
    b"250-SMTPUTF8\r\n250 SIZE " + str(MAX_MESSAGE).encode() + b"\r\n"
)
_END_OF_DATA = b"\r\n.\r\n"


class _Conversation(asyncio.Protocol):
    """One connection, driven by the bytes that arrive (no coroutine, no stream
    reader: a benchmark's sink should cost as little CPU per message as it can).

    All the replies to what one read brought are written at once, in order, so
    pipelined commands just work. A message's 250 goes out before the message is
    looked at (its headers, the identifiers in it): a sender waiting for it
    does not wait for the benchmark's bookkeeping.
    """

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._session = Session()
        self._buffer = bytearray()
        #: The message being received after DATA, from the CRLF that ended the
        #: DATA line (so an empty message ends at the first ".\r\n"); None outside.
        self._data: bytearray | None = None
        self._transport: asyncio.Transport | None = None
        #: Messages taken in this read, recorded once their replies are out:
        #: (time of acceptance, recipients, the data as sent).
        self._taken: list[tuple[float, list[str], bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        transport.write(b"220 bench-sink ESMTP\r\n")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        replies: list[bytes] = []
        if self._data is not None:
            self._take_data(data, replies)
        else:
            self._buffer += data
        quit_ = False
        while self._data is None and not quit_:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            reply = self._command(line)
            quit_ = reply.startswith(b"221")
            replies.append(reply)
            if self._data is not None and self._buffer:
                rest, self._buffer = bytes(self._buffer), bytearray()
                self._take_data(rest, replies)
        if replies and self._transport is not None:
            self._transport.write(b"".join(replies))
            if quit_:
                self._transport.close()
        taken, self._taken = self._taken, []
        for at, recipients, data in taken:
            self._sink.accept(at, recipients, unstuff(data)[2:])

    def _take_data(self, data: bytes, replies: list[bytes]) -> None:
        assert self._data is not None
        searched_from = max(0, len(self._data) - len(_END_OF_DATA) + 1)
        self._data += data
        end = self._data.find(_END_OF_DATA, searched_from)
        if end < 0:
            return
        self._taken.append((time.time(), self._session.recipients, bytes(self._data[: end + 2])))
        after = bytes(self._data[end + len(_END_OF_DATA) :])
        self._data = None
        self._session.reset()
        replies.append(b"250 2.0.0 OK queued\r\n")
        self._buffer += after

    def _command(self, line: bytes) -> bytes:
        verb, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
        verb = verb.upper()
        session = self._session
        if verb == "EHLO":
            session.reset()
            return _EHLO
        if verb == "HELO":
            session.reset()
            return b"250 bench-sink\r\n"
        if verb == "MAIL":
            session.reset()
            session.sender = _address(argument)
            return b"250 2.1.0 OK\r\n"
        if verb == "RCPT":
            if session.sender is None:
                return b"503 5.5.1 MAIL first\r\n"
            session.recipients.append(_address(argument))
            return b"250 2.1.5 OK\r\n"
        if verb == "DATA":
            if not session.recipients:
                return b"503 5.5.1 RCPT first\r\n"
            self._data = bytearray(b"\r\n")
            return b"354 end with <CRLF>.<CRLF>\r\n"
        if verb == "RSET":
            session.reset()
            return b"250 2.0.0 OK\r\n"
        if verb == "NOOP":
            return b"250 2.0.0 OK\r\n"
        if verb == "VRFY":
            return b"252 2.0.0 cannot verify\r\n"
        if verb == "QUIT":
            return b"221 2.0.0 bye\r\n"
        return b"502 5.5.2 command not implemented\r\n"


def line_writer(out: IO[str]) -> Callable[[Record], None]:
    """Append each record as one JSON line, flushed so a reader sees it at once."""

    def write(record: Record) -> None:
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
        out.flush()

    return write


async def serve(sink: Sink, host: str, port: int, ready: Callable[[int], None]) -> None:
    """Serve until SIGTERM or SIGINT; `ready(port)` once listening."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(sink.protocol, host, port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ready(int(server.sockets[0].getsockname()[1]))
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--out", required=True, help="file the JSON lines are appended to")
    parser.add_argument("--ids", default=None, help="regex of identifiers to collect")
    args = parser.parse_args(argv)
    pattern = re.compile(args.ids.encode()) if args.ids else None
    with open(args.out, "a", encoding="utf-8") as out:
        sink = Sink(line_writer(out), pattern)

        def ready(port: int) -> None:
            print(f"listening {args.host} {port}", flush=True)

        asyncio.run(serve(sink, args.host, args.port, ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
