"""A real gateway (uvicorn in a thread, on a free loopback port) on a real broker."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika
import pytest
from starlette.applications import Starlette

from services.gateway.app import build_app
from services.gateway.server import run_gateway
from services.runtime.settings import Settings
from services.runtime.store.migrate import upgrade
from services.runtime.topology import declare
from tests.gateway.client import SECRET, SHOP, request
from tests.support.polling import wait_until

SECRET_KEY = "gateway-test-signing-key"


@dataclass
class RunningGateway:
    url: str
    settings: Settings
    app: Starlette
    stop: Callable[[], None]


def declare_topology(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        declare(connection.channel())
    finally:
        connection.close()


def _answers(url: str) -> bool:
    try:
        return request(f"{url}/healthz").status == 200
    except OSError:
        return False


@pytest.fixture
def shop_secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "shops.toml"
    path.write_text(f'{SHOP} = "{SECRET}"\n"shop-7" = "another-secret"\n', encoding="utf-8")
    return path


def _settings(amqp_url: str, database_url: str, shop_secrets: Path, **overrides: Any) -> Settings:
    return Settings(
        amqp_url=amqp_url,
        database_url=database_url,
        http_addr="127.0.0.1:0",
        public_url="http://gateway.test",
        secret_key=SECRET_KEY,
        shop_secrets=shop_secrets,
        **overrides,
    )


@pytest.fixture
def start_gateway(
    tmp_path: Path, shop_secrets_file: Path
) -> Iterator[Callable[..., RunningGateway]]:
    """Start gateways for a given AMQP URL (and store: a migrated SQLite file unless
    told); each is stopped and joined afterwards, or earlier by its `stop`."""
    running: list[Callable[[], None]] = []
    default_store = f"sqlite:///{tmp_path / 'aftersale.db'}"
    upgrade(default_store)

    def _start(
        amqp_url: str, database_url: str = default_store, **overrides: Any
    ) -> RunningGateway:
        settings = _settings(amqp_url, database_url, shop_secrets_file, **overrides)
        app = build_app(settings)
        sock = socket.create_server(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        stop = threading.Event()
        errors: list[BaseException] = []

        def _run() -> None:
            try:
                run_gateway(settings, stop, sock=sock, app=app)
            except BaseException as exc:  # surfaced at teardown
                errors.append(exc)

        def _stop() -> None:
            stop.set()
            thread.join(timeout=30)
            assert not thread.is_alive(), "the gateway did not stop"
            assert not errors, errors

        thread = threading.Thread(target=_run, name="gateway", daemon=True)
        thread.start()
        running.append(_stop)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: errors or _answers(url), what="the gateway to answer")
        assert not errors, errors
        return RunningGateway(url, settings, app, _stop)

    yield _start
    for stop in running:
        stop()


@pytest.fixture
def gateway(amqp_url: str, start_gateway: Callable[..., RunningGateway]) -> RunningGateway:
    """A gateway whose broker has the topology declared (as a running ingest would)."""
    declare_topology(amqp_url)
    return start_gateway(amqp_url)
