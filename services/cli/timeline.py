"""`aftersale timeline ORDER_ID`: what support staff look at when a customer calls."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from services.cli.store_access import existing_store
from services.runtime.logging import mask_personal_data
from services.runtime.settings import load_settings
from services.runtime.store.engine import read_session_factory
from services.runtime.store.timeline import order_timeline


@click.command()
@click.argument("order_id")
@click.option("--shop", "shop_id", help="The shop, when several shops use the same order ids.")
@click.option("--json", "as_json", is_flag=True, help="JSON, contacts in full.")
def timeline(order_id: str, shop_id: str | None, as_json: bool) -> None:
    """An order's story in time order: events, notifications sent or suppressed
    (with reasons), delivery attempts, timers set, fired and cancelled."""
    settings = load_settings()
    engine = existing_store(settings)
    with read_session_factory(engine)() as session:
        entries = order_timeline(session, order_id, shop_id)
    engine.dispose()
    if as_json:
        click.echo(json.dumps([{"at": e.at.isoformat(), "source": e.source, "what": e.what,
                                "detail": e.detail} for e in entries], indent=2,
                              ensure_ascii=False))  # fmt: skip
    if not entries:  # the same exit status with --json (which still prints its empty list)
        raise click.ClickException(f"nothing is known about order {order_id!r}")
    if as_json:
        return
    table = Table(title=f"order {order_id}")
    for column in ("when (UTC)", "source", "what", "detail"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.at.isoformat(timespec="seconds"), e.source, e.what,
                      mask_personal_data(e.detail))  # fmt: skip
    Console().print(table)
