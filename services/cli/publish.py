"""`aftersale publish FILE.jsonl|-`: confirmed publishing with a progress bar."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.publishing.publisher import EventPublisher, NotAnEnvelope, read_envelope
from services.runtime.amqp import BrokerUnreachable
from services.runtime.settings import load_settings


@dataclass
class PublishReport:
    confirmed: int = 0
    rejected: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(stream, start=1):
        line = raw.strip()
        if line:
            yield number, line


def _json_document(stream: IO[bytes]) -> list[tuple[int, bytes]]:
    """A `.json` file: one event, or an array of events (numbered from 1)."""
    try:
        document = json.loads(stream.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [(1, str(exc).encode())]
    items = document if isinstance(document, list) else [document]
    return [
        (number, json.dumps(item, ensure_ascii=False).encode())
        for number, item in enumerate(items, start=1)
    ]


@click.command()
@click.argument("source", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the final counts as JSON.")
def publish(source: IO[bytes], as_json: bool) -> None:
    """Publish one event per line of SOURCE (a .jsonl file, or - for standard input).

    A SOURCE ending in .json holds one event or a JSON array of them. Each
    event is published to the aftersale.events exchange with its type as
    routing key and waits for the broker's confirm. A malformed line is
    reported with its number and the rest still go out.
    """
    settings = load_settings()
    console = Console(stderr=True)
    total: int | None = None
    items: Iterable[tuple[int, bytes]]
    if str(getattr(source, "name", "")).endswith(".json"):
        items = _json_document(source)
        total = len(items)
    else:
        items = _lines(source)
        if source is not sys.stdin.buffer and source.seekable():
            total = sum(1 for raw in source if raw.strip())
            source.seek(0)
    report = PublishReport()
    try:
        with (
            EventPublisher(settings.amqp_url) as publisher,
            Progress(
                TextColumn("publishing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=as_json,
            ) as progress,
        ):
            task = progress.add_task("publish", total=total)
            for number, line in items:
                outcome: str
                try:
                    outcome = publisher.publish(read_envelope(line))
                except NotAnEnvelope as exc:
                    outcome, reason = "malformed", str(exc)
                else:
                    reason = {
                        "unroutable": "unroutable: no queue is bound to aftersale.events",
                        "nacked": "nacked by the broker",
                    }.get(outcome, "")
                if outcome == "confirmed":
                    report.confirmed += 1
                else:
                    report.rejected += 1
                    report.problems.append((number, reason))
                    progress.console.print(f"[red]line {number}[/red]: {reason}")
                progress.advance(task)
    except BrokerUnreachable as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "confirmed": report.confirmed,
                    "rejected": report.rejected,
                    "problems": [{"line": n, "reason": r} for n, r in report.problems],
                }
            )
        )
    else:
        click.echo(f"confirmed: {report.confirmed}  rejected: {report.rejected}")
    sys.exit(1 if report.rejected else 0)
