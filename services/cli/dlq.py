"""`aftersale dlq`: see, replay and purge dead letters (ingest and dramatiq `.XQ`).

Exit status: 0 done, 1 a user error (unknown id, missing --yes) or a replay
the broker did not confirm, 2 the broker is unreachable.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, cast

import click
import pika.exceptions
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.operator.dlq import (
    UnknownDeadLetter,
    Which,
    list_dead_letters,
    purge_dead_letters,
    replay_dead_letters,
    show_dead_letter,
)
from services.runtime.amqp import BrokerUnreachable
from services.runtime.settings import load_settings

QUEUE_OPTION = click.option(
    "--queue",
    "which",
    type=click.Choice(["all", "events", "workers"]),
    default="all",
    show_default=True,
    help="events: aftersale.dead-letter (bad input); workers: the dramatiq .XQ queues.",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")


@contextmanager
def _operator_errors() -> Iterator[None]:
    """One clear line instead of a traceback: 1 for a user error, 2 for the broker."""
    try:
        yield
    except UnknownDeadLetter as exc:
        click.echo(f"error: {exc.args[0]}", err=True)
        sys.exit(1)
    except BrokerUnreachable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except pika.exceptions.AMQPConnectionError as exc:
        click.echo(f"error: lost the connection to RabbitMQ ({type(exc).__name__})", err=True)
        sys.exit(2)


def _url() -> str:
    return load_settings().amqp_url


@click.group()
def dlq() -> None:
    """Dead letters: bad input from the ingest, and worker messages out of retries."""


@dlq.command("list")
@QUEUE_OPTION
@JSON_OPTION
def list_command(which: str, as_json: bool) -> None:
    """Every dead letter, oldest first per queue (nothing is taken off the queues)."""
    with _operator_errors():
        records = list_dead_letters(_url(), cast(Which, which))
    if as_json:
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo("no dead letters")
        return
    table = Table(title=f"{len(records)} dead letters", show_lines=True)
    table.add_column("dead letter", overflow="fold")
    table.add_column("reason", overflow="fold", min_width=24)
    for r in records:
        kind = r["type"] if r["type"] != r["routing_key"] else None
        event = " · ".join(str(x) for x in (r["event_id"], kind, r["shop_id"]) if x)
        when = (r["when"] or "")[:19].replace("T", " ")
        where = f"[bold]{escape(r['id'])}[/bold]\n" + escape(
            f"{r['queue']}\n{r['routing_key']}\n{event or 'no event id'}\n{when}  {r['size']} bytes"
        )
        table.add_row(where, escape(r["reason"] or ""))
    Console().print(table)


@dlq.command("show")
@click.argument("dead_letter_id", metavar="ID")
@QUEUE_OPTION
@JSON_OPTION
def show_command(dead_letter_id: str, which: str, as_json: bool) -> None:
    """One dead letter: every header, its properties and its body."""
    with _operator_errors():
        record = show_dead_letter(_url(), dead_letter_id, cast(Which, which))
    if as_json:
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    console = Console()
    for key in ("id", "queue", "routing_key", "type", "event_id", "shop_id", "reason", "when",
                "size"):  # fmt: skip
        console.print(f"[bold]{key.replace('_', ' ')}:[/bold] {escape(str(record[key]))}")
    _print_mapping(console, "headers", record["headers"])
    _print_mapping(console, "properties", record["properties"])
    console.print(f"[bold]body ({record['body_encoding']}, {record['size']} bytes):[/bold]")
    click.echo(record["body"])


def _print_mapping(console: Console, title: str, mapping: dict[str, Any]) -> None:
    if not mapping:
        console.print(f"[bold]{title}:[/bold] none")
        return
    table = Table(title=title, show_header=False)
    table.add_column("name")
    table.add_column("value", overflow="fold")
    for name, value in mapping.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        table.add_row(escape(name), escape(shown))
    console.print(table)


@dlq.command("replay")
@click.argument("dead_letter_id", metavar="ID", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@click.option("--yes", is_flag=True, help="Do not ask before replaying everything.")
@QUEUE_OPTION
@JSON_OPTION
def replay_command(
    dead_letter_id: str | None, replay_all: bool, yes: bool, which: str, as_json: bool
) -> None:
    """Send dead letters back where they came from, removing each one once confirmed.

    Bad input goes back to the events exchange with its routing key and is
    validated again (if still bad it returns to the dead letters with its
    reason); a dramatiq message goes back to its queue with fresh retries.
    """
    if bool(dead_letter_id) == replay_all:
        _refuse("give one dead letter ID, or --all")
    if replay_all and not yes and not click.confirm(f"replay every dead letter ({which})?"):
        _refuse("nothing replayed")
    with _operator_errors():
        report = replay_dead_letters(_url(), dead_letter_id, cast(Which, which))
    if as_json:
        click.echo(json.dumps({"replayed": report.replayed, "failed": report.failed}, indent=2,
                              ensure_ascii=False))  # fmt: skip
    else:
        for r in report.replayed:
            click.echo(f"replayed {r['id']} from {r['queue']} ({r['routing_key']})")
        for r in report.failed:
            click.echo(f"NOT replayed {r['id']} from {r['queue']}: {r['problem']}", err=True)
        click.echo(f"replayed: {len(report.replayed)}  failed: {len(report.failed)}")
    if report.failed:
        sys.exit(1)


@dlq.command("purge")
@click.option("--yes", is_flag=True, help="Really delete them.")
@QUEUE_OPTION
@JSON_OPTION
def purge_command(yes: bool, which: str, as_json: bool) -> None:
    """Delete every dead letter (for good: look at them with `dlq list` first)."""
    if not yes:
        _refuse("purge deletes dead letters for good: add --yes to go ahead")
    with _operator_errors():
        purged = purge_dead_letters(_url(), cast(Which, which))
    total = sum(purged.values())
    if as_json:
        click.echo(json.dumps({"purged": total, "queues": purged}, indent=2))
        return
    for queue, count in purged.items():
        click.echo(f"{queue}: {count}")
    click.echo(f"purged {total} dead letters")


def _refuse(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)
