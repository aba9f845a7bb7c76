"""The deliverer's store connections go without a ping per checkout: a connection
the server dropped fails one claim or record, which is retried on a new one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from services.deliverer.channels import EmailChannel
from services.deliverer.deliverer import Deliverer
from services.runtime.clock import utcnow
from services.runtime.policies import PolicyBook
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.migrate import upgrade
from tests.deliverer.conftest import add_notification, load
from tests.support.polling import wait_until
from tests.support.services import Postgres


@pytest.fixture
def store_url(postgres: Postgres) -> Iterator[str]:
    url = postgres.create_database()
    upgrade(url)
    yield url
    postgres.drop_database(url)


DROP_OTHERS = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def drop_connections(url: str) -> int:
    """Terminate every other backend of this database, as a server restart would."""
    killer = build_engine(url, pooled=False)
    with killer.connect() as connection:
        dropped = connection.execute(DROP_OTHERS).scalar_one()
    killer.dispose()
    return int(dropped)


def test_messages_go_out_after_the_store_dropped_every_connection(
    store_url: str, tmp_path: Path
) -> None:
    unpinged = build_engine(store_url, pre_ping=False)  # as `aftersale deliverer` builds it
    helper = build_engine(store_url, pooled=False)  # the test's own reads and writes
    sessions = session_factory(helper)
    deliverer = Deliverer(session_factory(unpinged), {"email": EmailChannel(None, tmp_path)},
                          PolicyBook(), engine=unpinged)  # fmt: skip
    stop = threading.Event()
    worker = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_interval": 0.05})
    worker.start()
    try:
        first = add_notification(sessions, utcnow())
        wait_until(lambda: load(sessions, first).status == "sent", what="the first sent")
        assert drop_connections(store_url) >= 1
        second = add_notification(sessions, utcnow())
        wait_until(lambda: load(sessions, second).status == "sent", what="the second sent",
                   timeout=30)  # fmt: skip
        assert worker.is_alive()
    finally:
        stop.set()
        worker.join(timeout=10)
        unpinged.dispose()
        helper.dispose()
    assert len(list(tmp_path.glob("*.eml"))) == 2
