"""Connecting to RabbitMQ with pika, with errors a person can act on.

`AFTERSALE_AMQP_URL` may name several nodes of a cluster, separated by
commas: every connect tries them in order and takes the first that answers,
so a process whose node went away reconnects to another one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pika
import pika.exceptions
import structlog

from services.runtime.settings import redact_url


class BrokerUnreachable(RuntimeError):
    """RabbitMQ did not answer; the message says where we tried and what to do."""


def connection_parameters(
    url: str, *, heartbeat: int = 30, name: str | None = None
) -> pika.URLParameters:
    parameters = pika.URLParameters(url)
    if name:
        # Shown in the management UI and `rabbitmqctl list_connections`.
        parameters.client_properties = {"connection_name": name}
    parameters.heartbeat = heartbeat
    parameters.blocked_connection_timeout = 60
    parameters.connection_attempts = 1
    parameters.socket_timeout = 5
    return parameters


def broker_urls(url: str) -> list[str]:
    """The node URLs in `url` (one URL, or several separated by commas)."""
    urls = [part.strip() for part in url.split(",") if part.strip()]
    if not urls:
        raise ValueError("no AMQP URL given")
    return urls


def shown(url: str) -> str:
    """`url` for a message: passwords hidden, every node named."""
    return ", ".join(redact_url(node) for node in broker_urls(url))


def connect(url: str, *, heartbeat: int = 30, name: str | None = None) -> pika.BlockingConnection:
    """A blocking connection to the first node of `url` that answers, or
    :class:`BrokerUnreachable` saying why."""
    nodes = [
        connection_parameters(node, heartbeat=heartbeat, name=name) for node in broker_urls(url)
    ]
    try:
        # pika tries each node's parameters in turn (connection_attempts=1 each).
        return pika.BlockingConnection(nodes if len(nodes) > 1 else nodes[0])
    except pika.exceptions.ProbableAuthenticationError as exc:
        raise BrokerUnreachable(
            f"RabbitMQ at {shown(url)} refused the user name or password"
        ) from exc
    except pika.exceptions.ProbableAccessDeniedError as exc:
        raise BrokerUnreachable(
            f"RabbitMQ at {shown(url)} denied access to the virtual host"
        ) from exc
    except pika.exceptions.AMQPConnectionError as exc:
        raise BrokerUnreachable(
            f"cannot reach RabbitMQ at {shown(url)} ({type(exc).__name__}); "
            "start one with `rabbitmq-server -detached` or "
            "`docker run -d -p 5672:5672 rabbitmq:3-management`, "
            "or point AFTERSALE_AMQP_URL at yours"
        ) from exc


def serve_with_reconnects(
    url: str,
    name: str,
    serve: Callable[[pika.BlockingConnection, threading.Event], None],
    stop: threading.Event,
    *,
    fail_fast: bool = False,
    lost: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError,),
    on_lost: Callable[[], None] | None = None,
) -> None:
    """Run `serve` on a connection until `stop`; reconnect with back-off after losses.

    With `fail_fast`, a broker that cannot be reached at the very start raises
    :class:`BrokerUnreachable` instead of being waited for.
    """
    log = structlog.get_logger(f"aftersale.{name.removeprefix('aftersale-')}")
    backoff, connected_once = 0.5, False
    while not stop.is_set():
        try:
            connection = connect(url, name=name)
        except BrokerUnreachable as exc:
            if fail_fast and not connected_once:
                raise
            log.warning("broker unreachable; retrying", error=str(exc), retry_in=backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 15.0)
            continue
        connected_once, backoff = True, 0.5
        try:
            serve(connection, stop)
        except lost as exc:
            if on_lost is not None:
                on_lost()
            log.warning("broker connection lost; reconnecting", error=repr(exc))
            stop.wait(backoff)
        finally:
            if connection.is_open:
                with contextlib.suppress(pika.exceptions.AMQPError):
                    connection.close()
