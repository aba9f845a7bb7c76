"""Shared fixtures: a fresh vhost per test, a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.migrate import upgrade
from tests.support.services import Broker, Postgres, start_broker, start_postgres

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    node = start_broker()
    yield node
    if node.keeper is not None:
        node.keeper.stop()  # type: ignore[attr-defined]


@pytest.fixture
def amqp_url(broker: Broker) -> Iterator[str]:
    """An AMQP URL of a virtual host of this test's own."""
    vhost = broker.create_vhost()
    yield broker.url_for_vhost(vhost)
    broker.delete_vhost(vhost)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = start_postgres()
    yield server
    if server.keeper is not None:
        server.keeper.stop()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'aftersale.db'}"
        upgrade(url)
        yield url
        return
    server: Postgres = request.getfixturevalue("postgres")
    url = server.create_database()
    upgrade(url)
    yield url
    server.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'aftersale.db'}"
    upgrade(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = build_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def pg_sessions(postgres: Postgres) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh, migrated PostgreSQL database only: for races that
    SQLite's single writer cannot have."""
    url = postgres.create_database()
    upgrade(url)
    engine = build_engine(url)
    yield session_factory(engine)
    engine.dispose()
    postgres.drop_database(url)
