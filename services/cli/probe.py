"""`aftersale probe PART [--ready]`: the exec probe of a part without an HTTP port."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from services.runtime.heartbeat import (
    ALIVE_WITHIN_SECONDS,
    PARTS,
    READY_WITHIN_SECONDS,
    heartbeat_age,
)


def fail(message: str) -> NoReturn:
    click.echo(f"aftersale: {message}", err=True)
    sys.exit(1)


@click.command()
@click.argument("part", type=click.Choice(PARTS))
@click.option("--ready", is_flag=True, help="Readiness: is it doing its work (else: is it alive).")
@click.option(
    "--within", type=float, default=None,
    help=f"Oldest heartbeat accepted, seconds ({ALIVE_WITHIN_SECONDS:g} alive, "
    f"{READY_WITHIN_SECONDS:g} ready).",
)  # fmt: skip
def probe(part: str, ready: bool, within: float | None) -> None:
    """Exit 0 when PART's heartbeat in AFTERSALE_HEALTH_DIR is fresh, 1 with one line if not.

    For Kubernetes liveness and readiness probes and compose health checks; the
    gateway answers GET /healthz instead.
    """
    # Only this variable, straight from the environment: a probe runs every few
    # seconds and must not pay for (or fail on) loading every other setting.
    folder = os.environ.get("AFTERSALE_HEALTH_DIR")
    if not folder:
        fail("AFTERSALE_HEALTH_DIR is not set: the parts write no heartbeats to probe")
    what = "ready" if ready else "alive"
    default = READY_WITHIN_SECONDS if ready else ALIVE_WITHIN_SECONDS
    limit = within if within is not None else default
    age = heartbeat_age(Path(folder), part, what)
    if age is None:
        fail(f"{part}: no heartbeat in {folder} yet (not {what})")
    if age > limit:
        fail(f"{part}: last {what} heartbeat {age:.0f} s ago (more than {limit:g} s)")
    click.echo(f"{part}: {what} ({age:.1f} s ago)")
