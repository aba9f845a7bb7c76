"""What a start checks before it runs anything, failing with one clear line each.

A configuration error exits with :data:`~services.cli.supervisor.EX_CONFIG`,
which `aftersale up`'s supervisor takes as final: it stops everything instead
of restarting a process that can only fail the same way again. Anything that
may pass on a second try (RabbitMQ not up yet) exits with status 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import NoReturn
from urllib.parse import urlsplit

import click
import pika
import pika.exceptions
import structlog
from pydantic import ValidationError

from services.cli.supervisor import EX_CONFIG
from services.domain.durations import parse_duration
from services.runtime.amqp import BrokerUnreachable, connect, shown
from services.runtime.policies import PolicyError, load_policies
from services.runtime.settings import Settings, load_settings, redact_url
from services.runtime.topology import INGEST_QUEUE

log = structlog.get_logger("aftersale.preflight")


class ConfigurationError(ValueError):
    """A setting cannot work as given; the message names it and what to do."""


#: One check of the settings; raises :class:`ConfigurationError`.
Check = Callable[[Settings], None]


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"aftersale: {message}", err=True)
    sys.exit(code)


def settings_or_fail() -> Settings:
    """The settings from the environment, or one line naming the variable that is wrong."""
    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = "AFTERSALE_" + "_".join(str(part) for part in first["loc"]).upper()
        fail(f"{variable}: {first['msg']}", EX_CONFIG)


def check_policies(settings: Settings) -> None:
    try:
        load_policies(settings.policies)
    except PolicyError as exc:
        raise ConfigurationError(f"bad policies file: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the policies file {settings.policies}: {exc.strerror}"
        ) from exc


def check_durations(settings: Settings) -> None:
    for name in ("scheduler_tick", "scheduler_lease", "deliverer_lease"):
        try:
            parse_duration(getattr(settings, name))
        except ValueError as exc:
            raise ConfigurationError(f"AFTERSALE_{name.upper()}: {exc}") from exc


def check_amqp_url(settings: Settings) -> None:
    # Several comma-separated URLs name a cluster's nodes (SPEC section 3).
    for url in settings.amqp_url.split(","):
        parts = urlsplit(url.strip())
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname or not port_ok:
            raise ConfigurationError(
                f"AFTERSALE_AMQP_URL {redact_url(url.strip())!r} is not an AMQP URL, "
                "e.g. amqp://guest:guest@localhost:5672/%2F"
            )


def check_database_url(settings: Settings) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(settings.database_url).get_backend_name()
    except ArgumentError:
        backend = ""
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"AFTERSALE_DATABASE_URL {redact_url(settings.database_url)!r} is neither "
            "sqlite:///FILE nor postgresql://USER@HOST/DATABASE"
        )


def check_smtp_url(settings: Settings) -> None:
    from services.deliverer.channels.smtp import SmtpServer

    if not settings.smtp_url:
        return
    try:
        SmtpServer.from_url(settings.smtp_url)
    except ValueError as exc:
        reason = str(exc).replace(settings.smtp_url, redact_url(settings.smtp_url))
        if not reason.startswith("AFTERSALE_SMTP_URL"):
            reason = f"AFTERSALE_SMTP_URL: {reason}"
        raise ConfigurationError(f"{reason} (e.g. smtp://localhost:25)") from exc


def check_shop_secrets(settings: Settings) -> None:
    from services.runtime.shop_secrets import ShopSecretsError, load_shop_secrets

    try:
        load_shop_secrets(settings.shop_secrets)
    except ShopSecretsError as exc:
        raise ConfigurationError(f"AFTERSALE_SHOP_SECRETS: {exc}") from exc


def check_http_addr(settings: Settings) -> None:
    from services.gateway.server import AddressError, parse_addr

    try:
        parse_addr(settings.http_addr)
    except AddressError as exc:
        raise ConfigurationError(str(exc)) from exc


def check_http_port_free(settings: Settings) -> None:
    """Bind and release the gateway's address: a port in use fails before anything starts."""
    from services.gateway.server import AddressError, listen

    try:
        listen(settings.http_addr).close()
    except AddressError as exc:
        raise ConfigurationError(str(exc)) from exc


#: What every process checks.
COMMON_CHECKS: tuple[Check, ...] = (
    check_amqp_url,
    check_database_url,
    check_durations,
    check_policies,
)
DELIVERER_CHECKS: tuple[Check, ...] = (*COMMON_CHECKS, check_smtp_url, check_shop_secrets)
GATEWAY_CHECKS: tuple[Check, ...] = (*COMMON_CHECKS, check_http_addr, check_shop_secrets)
#: `aftersale up` runs all of them, so it checks everything once before starting any
#: (and, once RabbitMQ answered, :func:`check_http_port_free`).
UP_CHECKS: tuple[Check, ...] = (
    *COMMON_CHECKS,
    check_smtp_url,
    check_shop_secrets,
    check_http_addr,
)


def warn_of_other_ingests(connection: pika.BlockingConnection) -> None:
    """One warning when the ingest queue of this virtual host already has consumers.

    Not a refusal: several ingests on one PostgreSQL store are scale-out. But two
    `aftersale up` on separate SQLite files would each record a part of the events.
    """
    try:
        channel = connection.channel()
        declared = channel.queue_declare(INGEST_QUEUE, passive=True)
    except pika.exceptions.AMQPError:
        return  # not declared yet: nobody consumes it
    consumers = declared.method.consumer_count
    if consumers:
        log.warning(
            "ingest.queue_has_consumers",
            queue=INGEST_QUEUE,
            consumers=consumers,
            hint="another aftersale up or ingest uses this virtual host; each event goes to "
            "one of them, so they must share one store (PostgreSQL)",
        )
    if channel.is_open:
        channel.close()


def declare_topology(connection: pika.BlockingConnection, settings: Settings) -> None:
    """Declare the queues as this installation wants them, before any part starts:
    queues of the other type (AFTERSALE_QUEUE_TYPE) end the process with one line."""
    from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
    from services.runtime.topology import QueueTypeMismatch, declare

    try:
        declare(connection.channel(), worker_queue_names(SUBSCRIPTIONS), settings.queue_type)
    except QueueTypeMismatch as exc:
        fail(str(exc), EX_CONFIG)


def require(settings: Settings, checks: Iterable[Check]) -> None:
    """Run `checks`; the first configuration error ends the process with one line."""
    for check in checks:
        try:
            check(settings)
        except ConfigurationError as exc:
            fail(str(exc), EX_CONFIG)


def preflight(settings: Settings, checks: Iterable[Check], *, watch_ingest: bool = False) -> None:
    """Run `checks`, then reach RabbitMQ; with `watch_ingest`, warn of other ingests."""
    require(settings, checks)
    try:
        connection = connect(settings.amqp_url)
    except BrokerUnreachable as exc:
        fail(str(exc))
    except ValueError as exc:  # pika's parsing of what check_amqp_url let through
        fail(f"AFTERSALE_AMQP_URL {shown(settings.amqp_url)!r}: {exc}", EX_CONFIG)
    try:
        declare_topology(connection, settings)
        if watch_ingest:
            warn_of_other_ingests(connection)
    finally:
        if connection.is_open:
            connection.close()


def prepare_store(settings: Settings) -> None:
    """Migrate the store to the latest schema (an empty one is created)."""
    from sqlalchemy.exc import SQLAlchemyError

    from services.runtime.store.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        fail(
            f"cannot prepare the store at {redact_url(settings.database_url)}: "
            f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip().splitlines()[0]}"
        )
