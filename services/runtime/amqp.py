"""Connecting to RabbitMQ with pika, with errors a person can act on."""

from __future__ import annotations

import pika
import pika.exceptions

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


def connect(url: str, *, heartbeat: int = 30, name: str | None = None) -> pika.BlockingConnection:
    """A blocking connection to `url`, or :class:`BrokerUnreachable` saying why."""
    try:
        return pika.BlockingConnection(connection_parameters(url, heartbeat=heartbeat, name=name))
    except pika.exceptions.ProbableAuthenticationError as exc:
        raise BrokerUnreachable(
            f"RabbitMQ at {redact_url(url)} refused the user name or password"
        ) from exc
    except pika.exceptions.ProbableAccessDeniedError as exc:
        raise BrokerUnreachable(
            f"RabbitMQ at {redact_url(url)} denied access to the virtual host"
        ) from exc
    except pika.exceptions.AMQPConnectionError as exc:
        raise BrokerUnreachable(
            f"cannot reach RabbitMQ at {redact_url(url)} ({type(exc).__name__}); "
            "start one with `rabbitmq-server -detached` or "
            "`docker run -d -p 5672:5672 rabbitmq:3-management`, "
            "or point AFTERSALE_AMQP_URL at yours"
        ) from exc
