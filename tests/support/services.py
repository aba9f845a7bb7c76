"""Real services for the tests: a testcontainers container where a Docker
engine answers, else the broker and database on this machine (SPEC section 7).

Each test gets its own RabbitMQ virtual host and its own database, removed
afterwards, so tests never see each other's queues or rows. With `CI=true` a
service that cannot be reached fails the run instead of skipping it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pika
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, why: str) -> None:
    message = f"{what} is not reachable: {why}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(message)


def docker_engine_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False


@dataclass
class Broker:
    """A RabbitMQ node: AMQP URL of its default vhost and how to make new vhosts."""

    amqp_url: str
    management_url: str | None
    keeper: AbstractContextManager[Any] | None = None

    def _amqp_parts(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.amqp_url)

    def url_for_vhost(self, vhost: str) -> str:
        parts = self._amqp_parts()
        return urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", "")
        )

    def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        assert self.management_url is not None
        parts = self._amqp_parts()
        token = base64.b64encode(
            f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()
        ).decode()
        request = urllib.request.Request(
            self.management_url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Basic {token}", "content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def create_vhost(self) -> str:
        vhost = f"aftersale-test-{uuid.uuid4().hex[:10]}"
        user = self._amqp_parts().username or "guest"
        if self.management_url:
            quoted = urllib.parse.quote(vhost, safe="")
            self._api("PUT", f"/api/vhosts/{quoted}", {})
            self._api(
                "PUT",
                f"/api/permissions/{quoted}/{user}",
                {"configure": ".*", "write": ".*", "read": ".*"},
            )
        else:
            subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
            subprocess.run(
                ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
                check=True,
            )
        return vhost

    def delete_vhost(self, vhost: str) -> None:
        if self.management_url:
            self._api("DELETE", f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}")
        else:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)


def _management_url_for(amqp_url: str) -> str | None:
    host = urllib.parse.urlsplit(amqp_url).hostname or "127.0.0.1"
    candidate = os.environ.get("AFTERSALE_TEST_MANAGEMENT_URL", f"http://{host}:15672")
    try:
        with urllib.request.urlopen(candidate + "/api/overview", timeout=2):
            return candidate
    except urllib.error.HTTPError as exc:  # 401 still means "it is there"
        return candidate if exc.code == 401 else None
    except OSError:
        return None


def start_broker() -> Broker:
    if docker_engine_answers() and not os.environ.get("AFTERSALE_TEST_AMQP_URL"):
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management")
        container.start()
        host = container.get_container_host_ip()
        port = container.get_exposed_port(5672)
        management = f"http://{host}:{container.get_exposed_port(15672)}"
        return Broker(f"amqp://guest:guest@{host}:{port}/%2F", management, container)
    url = os.environ.get("AFTERSALE_TEST_AMQP_URL", DEFAULT_AMQP)
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except Exception as exc:
        unavailable(f"RabbitMQ at {url}", repr(exc))
    management = _management_url_for(url)
    if management is None and shutil.which("rabbitmqctl") is None:
        unavailable("RabbitMQ management", "neither the HTTP API nor rabbitmqctl is available")
    return Broker(url, management)


@dataclass
class Postgres:
    admin_url: str
    keeper: AbstractContextManager[Any] | None = None

    def create_database(self) -> str:
        name = f"aftersale_test_{uuid.uuid4().hex[:10]}"
        engine = create_engine(_psycopg(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        engine = create_engine(_psycopg(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _psycopg(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def start_postgres() -> Postgres:
    if docker_engine_answers() and not os.environ.get("AFTERSALE_TEST_DATABASE_URL"):
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="psycopg")
        container.start()
        return Postgres(container.get_connection_url(), container)
    url = os.environ.get("AFTERSALE_TEST_DATABASE_URL", DEFAULT_PG)
    try:
        engine = create_engine(_psycopg(url))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        unavailable(f"PostgreSQL at {url}", repr(exc))
    return Postgres(url)
