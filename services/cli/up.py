"""`aftersale up` (everything, supervised) and the commands that run one part alone.

A configuration error ends a start with one line on stderr and exit status
:data:`~services.cli.supervisor.EX_CONFIG` (see :mod:`services.cli.preflight`).
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterable

import click

from services.cli.preflight import (
    COMMON_CHECKS,
    DELIVERER_CHECKS,
    GATEWAY_CHECKS,
    UP_CHECKS,
    Check,
    check_http_port_free,
    fail,
    preflight,
    prepare_store,
    require,
    settings_or_fail,
)
from services.cli.supervisor import EX_CONFIG
from services.runtime.amqp import BrokerUnreachable
from services.runtime.logging import configure_logging
from services.runtime.settings import Settings, secret_key


def board_url(http_addr: str) -> str:
    """Where a person on this machine opens the board served on `http_addr`."""
    host, _, port = http_addr.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/board"


def _answers(http_addr: str) -> Callable[[], bool]:
    from services.gateway.server import parse_addr

    host, port = parse_addr(http_addr)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)

    def probe() -> bool:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return probe


@click.command()
@click.option(
    "--processes", type=click.IntRange(1, 16), default=1, show_default=True,
    help="Processes of each part (ingest, worker, scheduler, deliverer); more than "
    "one needs PostgreSQL.",
)  # fmt: skip
def up(processes: int) -> None:
    """Run everything on this machine: ingest, workers, scheduler, deliverer, gateway.

    Migrates the store first. A crashed part is restarted; a configuration
    error (a port in use, a bad URL) stops everything with one line. One `up`
    per SQLite file. Stops cleanly on Ctrl-C or SIGTERM: batches in hand are
    finished, the rest goes back to the queue.
    """
    from services.cli.supervisor import Supervisor, default_programs
    from services.runtime.instance_lock import InstanceLocked, acquire, sqlite_file

    settings = settings_or_fail()
    configure_logging(settings.log_level, settings.log_format)
    if processes > 1 and sqlite_file(settings.database_url) is not None:
        fail(
            f"--processes {processes} needs PostgreSQL (AFTERSALE_DATABASE_URL): several "
            "schedulers and deliverers share their work through its row locks",
            EX_CONFIG,
        )
    try:
        lock = acquire(settings.database_url)
    except InstanceLocked as exc:
        fail(str(exc))
    except OSError as exc:
        fail(
            f"cannot lock the store {sqlite_file(settings.database_url)}: {exc.strerror}",
            EX_CONFIG,
        )
    preflight(settings, UP_CHECKS, watch_ingest=True)
    # After RabbitMQ answered: without a broker, that is the first thing to fix.
    require(settings, [check_http_port_free])
    prepare_store(settings)
    secret_key(settings)  # made once here, before the processes that share it start

    def announce() -> None:
        if sys.stdout.isatty():
            click.echo(f"ready: board at {board_url(settings.http_addr)}, Ctrl-C to stop")

    supervisor = Supervisor(
        default_programs(processes), ready_probe=_answers(settings.http_addr), on_ready=announce
    )
    code = supervisor.run()
    if lock is not None:
        lock.release()
    sys.exit(code)


def _run_component(
    run: Callable[[Settings, threading.Event], None],
    checks: Iterable[Check] = COMMON_CHECKS,
    *,
    watch_ingest: bool = False,
) -> None:
    from services.runtime.signals import stop_on_signals

    settings = settings_or_fail()
    configure_logging(settings.log_level, settings.log_format)
    preflight(settings, checks, watch_ingest=watch_ingest)
    stop = stop_on_signals()
    try:
        run(settings, stop)
    except BrokerUnreachable as exc:
        fail(str(exc))


@click.command()
@click.option("--supervised", is_flag=True, hidden=True, help="Started by `aftersale up`.")
def ingest(supervised: bool) -> None:
    """Run the ingest alone (validate, de-duplicate, record, dispatch)."""
    from services.ingest.runner import run_ingest

    # Under `up`, the supervisor looked for other ingests already.
    _run_component(run_ingest, watch_ingest=not supervised)


@click.command()
@click.argument("names", nargs=-1)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Worker threads (default 1: more only contend for the store's locks "
    "and the GIL). Run more worker processes to use more cores.",
)
def worker(names: tuple[str, ...], threads: int | None) -> None:
    """Run dramatiq workers (default: all of them): notifier, escalator, checkins, feedback."""
    from services.runtime.worker_runner import WORKERS, run_workers

    unknown = [name for name in names if name not in WORKERS]
    if unknown:
        fail(f"unknown worker {', '.join(unknown)}; known: {', '.join(WORKERS)}", EX_CONFIG)
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

    _run_component(run_deliverer, DELIVERER_CHECKS)


@click.command()
def gateway() -> None:
    """Run the HTTP gateway alone: signed events, unsubscribe and survey links."""
    from services.gateway.server import AddressError, GatewayError, run_gateway
    from services.gateway.signing import ShopSecretsError

    def _run(settings: Settings, stop: threading.Event) -> None:
        try:
            run_gateway(settings, stop)
        except (AddressError, ShopSecretsError) as exc:
            fail(str(exc), EX_CONFIG)
        except GatewayError as exc:
            fail(str(exc))

    _run_component(_run, GATEWAY_CHECKS)
