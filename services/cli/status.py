"""`aftersale status`: is the system healthy, and what is waiting where."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from services.operator.status import collect
from services.runtime.settings import load_settings

EXIT_CODES = {"ok": 0, "degraded": 1, "down": 2}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def status(as_json: bool) -> None:
    """Health (ok / degraded / down), queues, dead letters, SLA and delivery figures.

    Exits 0 when ok, 1 when degraded, 2 when down: usable as a health check.
    """
    settings = load_settings()
    report = collect(settings)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        _print(report)
    sys.exit(EXIT_CODES[report["health"]])


def _print(report: dict[str, Any]) -> None:
    console = Console()
    colour = {"ok": "green", "degraded": "yellow", "down": "red"}[report["health"]]
    console.print(f"health: [{colour}]{report['health']}[/{colour}]")
    for reason in report["reasons"]:
        console.print(f"  - {reason}")
    table = Table(title="queues")
    for column in ("queue", "ready", "unacked", "consumers"):
        table.add_column(column)
    for q in report["queues"]:
        unacked = "n/a" if q["unacked"] is None else str(q["unacked"])
        ready = str(q["ready"]) if q["exists"] else "missing"
        table.add_row(q["name"], ready, unacked, str(q["consumers"]))
    console.print(table)
    for key in ("dead_letters", "overdue_tickets", "timers_due_next_hour", "timers_late",
                "failed_deliveries_24h", "pending_deliveries"):  # fmt: skip
        console.print(f"{key.replace('_', ' ')}: {_figure(report, key)}")
    for row in report.get("sla_first_reply", []):
        share = "n/a" if row["share"] is None else f"{row['share']:.0%}"
        console.print(
            f"first replies within target, {row['channel']}: {share} "
            f"({row['within_target']}/{row['measured']})"
        )


def _figure(report: dict[str, Any], key: str) -> str:
    """A figure for people: what it is, or why it is not known."""
    value = report.get(key)
    if value is not None:
        return str(value)
    if key == "dead_letters":
        return "unknown (the broker is unreachable)" if not report["queues"] else "unknown"
    return "unknown (the store is unreachable)"
