"""`aftersale up` (everything, supervised) and `aftersale ingest` (the ingest alone)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import click

from services.runtime.amqp import BrokerUnreachable, connect
from services.runtime.logging import configure_logging
from services.runtime.policies import PolicyError, load_policies
from services.runtime.settings import Settings, load_settings, redact_url, secret_key


def _fail(message: str) -> None:
    click.echo(f"aftersale: {message}", err=True)
    sys.exit(1)


def preflight(settings: Settings) -> None:
    """Check what a start needs, failing with one clear line each."""
    try:
        load_policies(settings.policies)
    except PolicyError as exc:
        _fail(f"bad policies file: {exc}")
    except OSError as exc:
        _fail(f"cannot read the policies file {settings.policies}: {exc.strerror}")
    try:
        connect(settings.amqp_url).close()
    except BrokerUnreachable as exc:
        _fail(str(exc))


def prepare_store(settings: Settings) -> None:
    """Migrate the store to the latest schema (an empty one is created)."""
    from sqlalchemy.exc import SQLAlchemyError

    from services.runtime.store.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        _fail(
            f"cannot prepare the store at {redact_url(settings.database_url)}: "
            f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip().splitlines()[0]}"
        )


@click.command()
def up() -> None:
    """Run everything on this machine: ingest, workers, scheduler, deliverer.

    Migrates the store first. Stops cleanly on Ctrl-C or SIGTERM: batches in
    hand are finished, the rest goes back to the queue.
    """
    from services.cli.supervisor import Supervisor, default_programs

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    preflight(settings)
    prepare_store(settings)
    secret_key(settings)  # made once here, before the processes that share it start
    supervisor = Supervisor(default_programs())
    sys.exit(supervisor.run())


def _run_component(run: Callable[[Settings, threading.Event], None]) -> None:
    from services.ingest.runner import stop_on_signals

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    preflight(settings)
    stop = stop_on_signals()
    try:
        run(settings, stop)
    except BrokerUnreachable as exc:
        _fail(str(exc))


@click.command()
def ingest() -> None:
    """Run the ingest alone (validate, de-duplicate, record, dispatch)."""
    from services.ingest.runner import run_ingest

    _run_component(run_ingest)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--threads", default=4, show_default=True, help="Worker threads.")
def worker(names: tuple[str, ...], threads: int) -> None:
    """Run dramatiq workers (default: all of them): notifier, …"""
    from services.runtime.worker_runner import WORKERS, run_workers

    unknown = [name for name in names if name not in WORKERS]
    if unknown:
        _fail(f"unknown worker {', '.join(unknown)}; known: {', '.join(WORKERS)}")
    chosen = list(names) or list(WORKERS)
    _run_component(lambda settings, stop: run_workers(settings, chosen, stop, threads=threads))


@click.command()
def scheduler() -> None:
    """Run a scheduler alone: fires due timers (several may run on PostgreSQL)."""
    from services.scheduler.runner import run_scheduler

    _run_component(run_scheduler)


@click.command()
def deliverer() -> None:
    """Run a deliverer alone: sends the outbox by email, SMS and webhooks."""
    from services.deliverer.runner import run_deliverer

    _run_component(run_deliverer)


@click.command()
def gateway() -> None:
    """Run the HTTP gateway alone: signed events, unsubscribe and survey links."""
    from services.gateway.server import GatewayError, run_gateway
    from services.gateway.signing import ShopSecretsError

    def _run(settings: Settings, stop: threading.Event) -> None:
        try:
            run_gateway(settings, stop)
        except (GatewayError, ShopSecretsError) as exc:
            _fail(str(exc))

    _run_component(_run)
