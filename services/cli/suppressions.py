"""`aftersale suppressions list|add|remove`: the addresses no email goes to.

Bounces, complaints and unsubscribes reported by the mail providers, and the
addresses a mail server refused, land here by themselves; an operator adds
(`manual`) and removes entries by hand, e.g. after a customer fixed a mailbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from services.cli.store_access import existing_store
from services.runtime.clock import utcnow
from services.runtime.settings import load_settings, redact_url
from services.runtime.store import suppressions
from services.runtime.store.engine import session_factory


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


@contextmanager
def _store(*, write: bool) -> Iterator[Session]:
    settings = load_settings()
    try:
        engine = existing_store(settings)
    except click.ClickException as exc:
        _fail(exc.message)
    where = redact_url(settings.database_url)
    try:
        sessions = session_factory(engine)
        with sessions.begin() if write else sessions() as session:
            yield session
    except SQLAlchemyError as exc:
        _fail(f"cannot use the store at {where}: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()


@click.group("suppressions")
def suppressions_group() -> None:
    """The suppression list: addresses no (or only transactional) email goes to."""


@suppressions_group.command("list")
@click.option(
    "--reason", type=click.Choice(suppressions.REASONS), help="Only entries of this reason."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, every field.")
def list_command(reason: str | None, as_json: bool) -> None:
    """Every suppressed address, newest first, with why and who said so."""
    with _store(write=False) as session:
        entries = suppressions.entries(session, reason=reason)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False))
        return
    title = f"{len(entries)} suppressed address{'' if len(entries) == 1 else 'es'}"
    table = Table(title=title)
    for column in ("address", "reason", "source", "since", "stops"):
        table.add_column(column, overflow="fold")
    for e in entries:
        stops = "all email" if e.stops_transactional else "non-transactional"
        since = e.created_at.isoformat(timespec="seconds")
        table.add_row(e.address, e.reason, e.source, since, stops)
    Console().print(table)


@suppressions_group.command("add")
@click.argument("address")
@click.option(
    "--reason",
    type=click.Choice(suppressions.REASONS),
    default="manual",
    show_default=True,
)
@click.option("--note", help="Why, in words (shown in the timeline).")
@click.option("--json", "as_json", is_flag=True)
def add_command(address: str, reason: str, note: str | None, as_json: bool) -> None:
    """Stop email to ADDRESS (all of it; `--reason unsubscribe`: non-transactional only)."""
    if "@" not in address:
        _fail(f"{address!r} is not an email address")
    report = suppressions.Report(address, reason, "operator", note)  # type: ignore[arg-type]
    with _store(write=True) as session:
        new = suppressions.record(session, [report], utcnow())
        [entry] = suppressions.find(session, [address]).values()
    if as_json:
        click.echo(json.dumps({"added": bool(new), **entry.as_json()}, ensure_ascii=False))
        return
    said = "added" if new else "already listed"
    click.echo(f"{entry.address}: {said} ({entry.reason}, {entry.source})")


@suppressions_group.command("remove")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True)
def remove_command(address: str, as_json: bool) -> None:
    """Send email to ADDRESS again (exit status 1 when it was not listed)."""
    with _store(write=True) as session:
        removed = suppressions.remove(session, address)
    normal = suppressions.normalise(address)
    if as_json:
        click.echo(json.dumps({"address": normal, "removed": removed}))
    else:
        click.echo(f"{normal}: {'removed' if removed else 'not on the list'}")
    if not removed:
        raise SystemExit(1)
