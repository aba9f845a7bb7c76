"""`aftersale tickets overdue`: tickets past their reply target, latest first."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from rich.console import Console
from rich.table import Table

from services.cli.store_access import existing_store
from services.runtime.clock import utcnow
from services.runtime.settings import load_settings
from services.runtime.store.engine import read_session_factory
from services.runtime.store.reports import overdue_tickets


def human(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or not parts else []
    return " ".join(parts)


@click.group()
def tickets() -> None:
    """Support tickets and their SLA clocks."""


@tickets.command("overdue")
@click.option("--json", "as_json", is_flag=True)
def overdue(as_json: bool) -> None:
    """Tickets waiting for a reply past their target: how late, level reached."""
    settings = load_settings()
    engine = existing_store(settings)
    now = utcnow()
    with read_session_factory(engine)() as session:
        rows = overdue_tickets(session, now)
    engine.dispose()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "shop_id": r.shop_id,
                        "ticket_id": r.ticket_id,
                        "channel": r.channel,
                        "priority": r.priority,
                        "subject": r.subject,
                        "due_at": r.due_at.isoformat(),
                        "late_by_seconds": int(r.late_by.total_seconds()),
                        "level": r.level,
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"{len(rows)} overdue tickets")
    for column in ("shop", "ticket", "channel", "priority", "due", "late by", "level"):
        table.add_column(column)
    for r in rows:
        due = r.due_at.isoformat(timespec="minutes")
        table.add_row(
            r.shop_id, r.ticket_id, r.channel, r.priority, due, human(r.late_by), str(r.level)
        )
    Console().print(table)
