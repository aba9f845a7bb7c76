"""`aftersale notifications list`: what was sent, to whom, and what failed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from services.runtime.logging import mask_recipient
from services.runtime.settings import load_settings
from services.runtime.store.engine import build_engine, read_session_factory
from services.runtime.store.models import Notification
from services.runtime.store.notifications import list_notifications


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


@notifications.command("list")
@click.option("--order", "order_id", help="Only this order's notifications.")
@click.option("--kind", help="Only this kind, e.g. order_shipped.")
@click.option("--limit", default=500, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON: recipients in full.")
def list_command(order_id: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """List notifications, oldest first."""
    settings = load_settings()
    engine = build_engine(settings.database_url, pooled=False)
    with read_session_factory(engine)() as session:
        rows = list_notifications(session, order_id=order_id, kind=kind, limit=limit)
        records = [as_record(row) for row in rows]
    engine.dispose()
    if as_json:
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(records)} notifications")
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
