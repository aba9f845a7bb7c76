"""Fixtures of the store tests beyond the shared ones in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.migrate import upgrade
from tests.support.services import Postgres


@pytest.fixture
def postgres_sessions(postgres: Postgres) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated PostgreSQL database, for PostgreSQL-only behaviour."""
    url = postgres.create_database()
    engine = None
    try:
        upgrade(url)
        engine = build_engine(url)
        yield session_factory(engine)
    finally:
        if engine is not None:
            engine.dispose()
        postgres.drop_database(url)
