"""`aftersale notifications list`: what was sent, to whom, and what failed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from services.cli.store_access import existing_store
from services.domain.kinds import KINDS
from services.runtime.logging import mask_recipient
from services.runtime.settings import load_settings
from services.runtime.store.engine import read_session_factory
from services.runtime.store.models import Notification
from services.runtime.store.notifications import (
    NotificationFilter,
    count_notifications,
    list_notifications,
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def as_record(row: Notification) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "channel": row.channel,
        "recipient": row.recipient,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "shop_id": row.shop_id,
        "order_id": row.order_id,
        "ticket_id": row.ticket_id,
        "locale": row.locale,
        "attempts": row.attempts,
        "created_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at),
        "failure_reason": row.failure_reason,
    }


@click.group()
def notifications() -> None:
    """The outbox: every message to customers and staff."""


#: The channels and statuses a notification row can have.
CHANNELS = ("email", "sms", "webhook", "http", "none")
STATUSES = ("pending", "sent", "failed", "suppressed")


@notifications.command("list")
@click.option("--order", "order_id", help="Only this order's notifications.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind, e.g. order_shipped.")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this channel.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1),
              help="Show the newest N.")  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="Show every one (no --limit).")
@click.option("--json", "as_json", is_flag=True, help="JSON: recipients in full.")
def list_command(
    order_id: str | None,
    kind: str | None,
    channel: str | None,
    status: str | None,
    limit: int,
    show_all: bool,
    as_json: bool,
) -> None:
    """List the newest notifications, oldest of them first; says how many more there are."""
    settings = load_settings()
    engine = existing_store(settings)
    filters = NotificationFilter(order_id, kind, channel, status)
    with read_session_factory(engine)() as session:
        rows = list_notifications(session, order_id=order_id, kind=kind, channel=channel,
                                  status=status, limit=None if show_all else limit)  # fmt: skip
        records = [as_record(row) for row in rows]
        total = len(records) if show_all else count_notifications(session, filters)
    engine.dispose()
    more = total - len(records)
    hint = f"{more} older not shown: --limit {total} or --all to see them" if more else None
    if as_json:
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        if hint:
            click.echo(hint, err=True)
        return
    title = (
        f"the newest {len(records)} of {total} notifications"
        if more
        else (f"{len(records)} notification{'' if len(records) == 1 else 's'}")
    )
    table = Table(title=title)
    for column in (
        "created",
        "kind",
        "channel",
        "recipient",
        "status",
        "order",
        "ticket",
        "sent",
        "key",
        "reason",
    ):
        table.add_column(column)
    for record in records:
        table.add_row(
            (record["created_at"] or "")[:19],
            record["kind"],
            record["channel"],
            mask_recipient(record["channel"], record["recipient"]),
            record["status"],
            record["order_id"] or "",
            record["ticket_id"] or "",
            (record["sent_at"] or "")[:19],
            record["idempotency_key"],
            record["failure_reason"] or "",
        )
    Console().print(table)
    if hint:
        click.echo(hint)
