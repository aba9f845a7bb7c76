"""Losing the database for a while loses no event and records none twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.publishing.publisher import EventPublisher, read_envelope
from services.runtime.store.migrate import upgrade
from services.runtime.topology import DEAD_LETTER_QUEUE, DELIVERY_LIMIT, INGEST_QUEUE
from tests.support import factories
from tests.support.ingest import queue_depth, running_ingest
from tests.support.polling import wait_until
from tests.support.services import Postgres


@pytest.fixture
def pg_url(postgres: Postgres) -> Iterator[str]:
    url = postgres.create_database()
    upgrade(url)
    yield url
    postgres.drop_database(url)


def set_connections(postgres: Postgres, database_url: str, *, allowed: bool) -> None:
    """Open or shut the database: shutting also drops every open session."""
    name = make_url(database_url).database
    admin = make_url(postgres.admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {allowed}'))
        if not allowed:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
    engine.dispose()


def test_events_wait_in_the_queue_while_the_store_is_away(
    amqp_url: str, pg_url: str, postgres: Postgres
) -> None:
    bodies = [factories.to_bytes(factories.order_placed()) for _ in range(300)]
    with running_ingest(amqp_url, pg_url) as ingest:
        with EventPublisher(amqp_url) as publisher:
            publisher.publish(read_envelope(bodies[0]))
        wait_until(lambda: ingest.recorded() == 1, what="the first event")
        set_connections(postgres, pg_url, allowed=False)
        try:
            with EventPublisher(amqp_url) as publisher:
                for body in bodies[1:]:
                    assert publisher.publish(read_envelope(body)) == "confirmed"
            wait_until(lambda: ingest.service.stats.store_outages >= 2, what="the outage")
            assert ingest.alive
        finally:
            set_connections(postgres, pg_url, allowed=True)
        wait_until(lambda: ingest.recorded() == len(bodies), timeout=30, what="all events")
        wait_until(lambda: queue_depth(amqp_url, INGEST_QUEUE) == 0, what="an empty queue")
        assert ingest.service.stats.duplicates == 0
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0


def test_an_outage_longer_than_the_delivery_limit_dead_letters_nothing(
    amqp_url: str, pg_url: str, postgres: Postgres
) -> None:
    """The batch in hand is held while the store is away, not returned: a quorum
    queue would dead-letter a message returned more than its delivery limit."""
    bodies = [factories.to_bytes(factories.order_placed()) for _ in range(20)]
    with running_ingest(amqp_url, pg_url, outage_pause_cap_seconds=0.02) as ingest:
        set_connections(postgres, pg_url, allowed=False)
        try:
            with EventPublisher(amqp_url) as publisher:
                for body in bodies:
                    assert publisher.publish(read_envelope(body)) == "confirmed"
            wait_until(
                lambda: ingest.service.stats.store_outages > 2 * DELIVERY_LIMIT,
                timeout=60,
                what="more failed tries than the delivery limit",
            )
            assert ingest.alive
        finally:
            set_connections(postgres, pg_url, allowed=True)
        wait_until(lambda: ingest.recorded() == len(bodies), timeout=30, what="all events")
        wait_until(lambda: queue_depth(amqp_url, INGEST_QUEUE) == 0, what="an empty queue")
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
