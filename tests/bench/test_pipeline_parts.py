"""The parts of bench/pipeline.py that need no `aftersale up`: the SMTP sink (a real
process spoken to by smtplib, aiosmtplib and a raw pipelining client), the event mix
and the exactly-once tally."""

from __future__ import annotations

import json
import re
import smtplib
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from _pipeline_events import (
    encode,
    expected_emails,
    id_pattern,
    identifier_of,
    make_mix,
    type_mix,
)
from _pipeline_inbox import Inbox, Tally

from events.parsing import parse_event
from tests.support.polling import wait_until

SINK = Path(__file__).resolve().parents[2] / "bench" / "_smtp_sink.py"
TAG = "BXabc123"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    out = tmp_path / "sink.jsonl"
    process = subprocess.Popen(
        [sys.executable, str(SINK), "--out", str(out), "--ids", id_pattern(TAG)],
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert line.startswith("listening "), line
        yield int(line.split()[2]), out
    finally:
        process.terminate()
        process.wait(timeout=10)


def records(out: Path, count: int) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        lines = out.read_text().splitlines()
        return [json.loads(line) for line in lines] if len(lines) >= count else []

    return wait_until(read, timeout=10, what=f"{count} records")


def message(kind: str, key: str, order_id: str, to: str) -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "aftersale <no-reply@localhost>"
    mail["To"] = to
    mail["Subject"] = "Potwierdzenie zamówienia"  # encoded: not plain ASCII
    mail["Message-ID"] = f"<{abs(hash(key))}@aftersale>"
    mail["X-Aftersale-Kind"] = kind
    mail["X-Aftersale-Key"] = key
    # A long line, folded by quoted-printable with a soft break inside the id (the
    # HTML part does not name it), and a line the client must dot-stuff.
    text = "Dziękujemy! " + "x" * 57 + f"{order_id} ok\n.a line starting with a dot\n"
    mail.set_content(text, cte="quoted-printable")
    mail.add_alternative("<p>Dziękujemy!</p>", subtype="html")
    assert order_id.encode() not in mail.as_bytes()
    return mail


def test_the_sink_records_what_smtplib_sends_over_one_connection(sink: tuple[int, Path]) -> None:
    port, out = sink
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        assert client.ehlo()[0] == 250 and client.has_extn("pipelining")
        for n in range(3):
            mail = message(
                "order_confirmation", f"order_confirmation:k{n}", f"{TAG}-O{n}", f"c{n}@example.pl"
            )
            client.send_message(mail)
        client.rset()
        assert client.noop()[0] == 250
    got = records(out, 3)
    assert [r["kind"] for r in got] == ["order_confirmation"] * 3
    assert [r["key"] for r in got] == [f"order_confirmation:k{n}" for n in range(3)]
    assert [r["to"] for r in got] == [[f"c{n}@example.pl"] for n in range(3)]
    assert [r["ids"] for r in got] == [[f"{TAG}-O{n}"] for n in range(3)]
    assert all(r["message_id"].endswith("@aftersale>") and r["at"] > 0 for r in got), got


def test_the_sink_answers_pipelined_commands_in_order(sink: tuple[int, Path]) -> None:
    port, out = sink
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        reader = raw.makefile("rb")

        def replies(count: int) -> list[int]:
            codes: list[int] = []
            while len(codes) < count:
                line = reader.readline()
                if line[3:4] == b" ":
                    codes.append(int(line[:3]))
            return codes

        assert replies(1) == [220]
        raw.sendall(
            b"EHLO me\r\nMAIL FROM:<a@b.example> SIZE=10\r\nRCPT TO:<c@d.example>\r\n"
            b"RCPT TO:<e@f.example>\r\nDATA\r\n"
        )
        assert replies(5) == [250, 250, 250, 250, 354]
        body = (
            b"X-Aftersale-Kind: order_shipped\r\nX-Aftersale-Key:\r\n order_shipped:1\r\n\r\n"
            b"..dot-stuffed " + f"{TAG}-O7".encode() + b"\r\n.\r\n"
        )
        raw.sendall(body + b"RSET\r\nNOOP\r\nBDAT 1\r\nQUIT\r\n")
        assert replies(5) == [250, 250, 250, 502, 221]
    (got,) = records(out, 1)
    assert got["kind"] == "order_shipped" and got["key"] == "order_shipped:1"  # unfolded
    assert got["to"] == ["c@d.example", "e@f.example"] and got["ids"] == [f"{TAG}-O7"]


def test_the_sink_takes_aiosmtplib(sink: tuple[int, Path]) -> None:
    aiosmtplib = pytest.importorskip("aiosmtplib")
    import asyncio

    port, out = sink

    async def send() -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
            for n in range(2):
                await client.send_message(
                    message("order_shipped", f"k{n}", f"{TAG}-O{n}", "x@y.pl")
                )

    asyncio.run(send())
    assert [r["ids"] for r in records(out, 2)] == [[f"{TAG}-O0"], [f"{TAG}-O1"]]


def test_the_mix_is_valid_ordered_and_names_every_email_once() -> None:
    stream = make_mix(2000, TAG, seed=3)
    assert len(stream) == 2000
    assert [p.envelope for p in make_mix(2000, TAG, seed=3)] == [p.envelope for p in stream]
    counts = type_mix(stream)
    assert counts["order.placed"] + counts["order.shipped"] > 0.6 * 2000
    for kind in ("ticket.opened", "return.requested", "feedback.received"):
        assert 0.03 * 2000 < counts[kind] < 0.2 * 2000, counts
    now = datetime.now(UTC)
    placed: set[str] = set()
    for planned in stream:
        event = parse_event(encode(planned, now))  # the contract's own validation
        assert event.event_id == planned.event_id and event.occurred_at == now
        data = planned.envelope["data"]
        if planned.type == "order.placed":
            placed.add(data["order_id"])
        elif planned.type in ("order.shipped", "return.requested"):
            assert data["order_id"] in placed, "a child event before its order"
        elif planned.type == "ticket.opened":
            assert data["channel"] != "chat"  # its 2-minute SLA would alert during a run
    names = [(e.kind, e.subject) for e, _ in expected_emails(stream)]
    assert len(names) == len(set(names)) > 1500
    pattern = re.compile(id_pattern(TAG))
    for email, _ in expected_emails(stream):
        assert pattern.fullmatch(email.subject)
        assert identifier_of(email.kind, [f"{TAG}-F999999", email.subject]) == email.subject


def _record(kind: str, subject: str, to: str, key: str, at: float = 1.0) -> dict[str, Any]:
    return {
        "at": at,
        "kind": kind,
        "key": key,
        "message_id": f"<{key}>",
        "to": [to],
        "ids": [subject],
    }


def test_the_tally_fails_on_missing_duplicate_unexpected_and_misaddressed_emails() -> None:
    stream = make_mix(50, TAG, seed=1)
    tally = Tally.of(stream)
    expected = [email for email, _ in expected_emails(stream)]
    first, second, *rest = expected
    tally.add([_record(e.kind, e.subject, e.recipient, f"k{i}") for i, e in enumerate(expected)])
    assert tally.complete and tally.problems() == []

    tally = Tally.of(stream)
    tally.add([_record(e.kind, e.subject, e.recipient, f"k{i}") for i, e in enumerate(rest)])
    tally.add(
        [
            _record(first.kind, first.subject, first.recipient, "same"),
            _record(first.kind, first.subject, first.recipient, "same"),
            _record(second.kind, second.subject, "someone@else.pl", "other"),
            _record("sla_warning", f"{TAG}-T999", "lead@shop.example", "alert"),
        ]
    )
    problems = " | ".join(tally.problems())
    assert tally.complete
    assert "X-Aftersale-Key values accepted more than once" in problems
    assert "arrived twice for the same fact" in problems
    assert "wrong recipient" in problems and "1 unexpected emails" in problems

    tally = Tally.of(stream)
    tally.add([_record(e.kind, e.subject, e.recipient, f"k{i}") for i, e in enumerate(rest)])
    assert not tally.complete and "2 of" in tally.problems()[0]


def test_the_inbox_reads_only_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "sink.jsonl"
    path.write_text('{"a": 1}\n{"b"')
    inbox = Inbox(path)
    assert inbox.read_new() == [{"a": 1}]
    with path.open("a") as file:
        file.write(": 2}\n")
    assert inbox.read_new() == [{"b": 2}] and inbox.read_new() == []
