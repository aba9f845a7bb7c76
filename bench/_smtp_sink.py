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
import contextlib
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
    """The server: one coroutine per connection, one callback per accepted message."""

    def __init__(
        self, on_message: Callable[[Record], None], ids: re.Pattern[bytes] | None = None
    ) -> None:
        self.on_message = on_message
        self.ids = ids
        self.accepted = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 bench-sink ESMTP\r\n")
        session = Session()
        while True:
            # Each reply is written at once, in order, so pipelined commands just work;
            # drain() only applies flow control.
            await writer.drain()
            line = await reader.readline()
            if not line:
                return
            verb, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                writer.write(
                    b"250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                    b"250-SMTPUTF8\r\n250 SIZE " + str(MAX_MESSAGE).encode() + b"\r\n"
                )
                session.reset()
            elif verb == "HELO":
                writer.write(b"250 bench-sink\r\n")
                session.reset()
            elif verb == "MAIL":
                session.reset()
                session.sender = _address(argument)
                writer.write(b"250 2.1.0 OK\r\n")
            elif verb == "RCPT":
                if session.sender is None:
                    writer.write(b"503 5.5.1 MAIL first\r\n")
                    continue
                session.recipients.append(_address(argument))
                writer.write(b"250 2.1.5 OK\r\n")
            elif verb == "DATA":
                if not session.recipients:
                    writer.write(b"503 5.5.1 RCPT first\r\n")
                    continue
                writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
                await writer.drain()
                message = await self._read_data(reader)
                self._accept(session, message)
                writer.write(b"250 2.0.0 OK queued\r\n")
                session.reset()
            elif verb == "RSET":
                session.reset()
                writer.write(b"250 2.0.0 OK\r\n")
            elif verb == "NOOP":
                writer.write(b"250 2.0.0 OK\r\n")
            elif verb == "VRFY":
                writer.write(b"252 2.0.0 cannot verify\r\n")
            elif verb == "QUIT":
                writer.write(b"221 2.0.0 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"502 5.5.2 command not implemented\r\n")

    async def _read_data(self, reader: asyncio.StreamReader) -> bytes:
        # The CRLF that ended the DATA line belongs to the terminator <CRLF>.<CRLF>
        # of an empty message: start from it, read up to each ".<CRLF>" (cheap,
        # searched in C) until the data ends with the whole terminator.
        data = bytearray(b"\r\n")
        while not data.endswith(b"\r\n.\r\n"):
            data += await reader.readuntil(b".\r\n")
        return unstuff(bytes(data[:-3]))[2:]

    def _accept(self, session: Session, message: bytes) -> None:
        record: Record = {"at": time.time(), **headers_of(message)}
        record["to"] = list(session.recipients)
        record["ids"] = identifiers_in(message, self.ids) if self.ids is not None else []
        record["size"] = len(message)
        self.accepted += 1
        self.on_message(record)


def line_writer(out: IO[str]) -> Callable[[Record], None]:
    """Append each record as one JSON line, flushed so a reader sees it at once."""

    def write(record: Record) -> None:
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
        out.flush()

    return write


async def serve(sink: Sink, host: str, port: int, ready: Callable[[int], None]) -> None:
    """Serve until SIGTERM or SIGINT; `ready(port)` once listening."""
    server = await asyncio.start_server(sink.handle, host, port, limit=MAX_MESSAGE)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
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
