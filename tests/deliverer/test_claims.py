"""Claims, the idle look, results under a lease, and the NOTIFY wake-up, on both stores."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, text, update
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer import claims, records
from services.deliverer.channels import EmailChannel
from services.deliverer.deliverer import Deliverer
from services.deliverer.outcomes import Result
from services.deliverer.peek import _ANY_DUE_SQL, DuePeek
from services.runtime.clock import utcnow
from services.runtime.policies import PolicyBook
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.migrate import upgrade
from services.runtime.store.models import Notification
from services.runtime.store.outbox_signal import notify_outbox
from tests.deliverer.conftest import START, ManualClock, add_notification, load
from tests.support.polling import wait_until
from tests.support.services import Postgres

INDEX = "ix_notifications_status_next_attempt_at"


def _rows(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [
        {"idempotency_key": f"bulk-{fields.get('status', 'pending')}-{n}", "shop_id": "shop-42",
         "kind": "order_shipped", "channel": "email", "recipient": f"c{n}@example.com",
         "status": "pending", "content": {"text": "t"}, "created_at": START,
         "next_attempt_at": START, "attempts": 0, **fields}
        for n in range(count)
    ]  # fmt: skip


def _plan(engine: Engine, sql: str, params: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE notifications")
        return "\n".join(str(row[-1]) for row in connection.exec_driver_sql(prefix + sql, params))


def test_the_claim_and_the_idle_look_are_served_by_the_index(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:  # mostly rows that are done, some due, some later
        session.execute(insert(Notification), _rows(20000, status="sent", next_attempt_at=None))
        session.execute(insert(Notification), _rows(50))
        session.execute(insert(Notification), _rows(500, status="failed", next_attempt_at=START))
    for statement in claims.claim_statements(START, 100):
        compiled = statement.compile(dialect=engine.dialect)
        params = compiled.params
        if engine.dialect.name == "sqlite":
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            params = tuple(p.replace(tzinfo=None) if hasattr(p, "tzinfo") else p for p in params)
        plan = _plan(engine, str(compiled), params)
        assert INDEX in plan, plan
        assert "Seq Scan" not in plan and "SCAN notifications" not in plan, plan
    sql = _ANY_DUE_SQL if engine.dialect.name == "sqlite" else _ANY_DUE_SQL.replace("?", "%s")
    plan = _plan(engine, sql, (START.replace(tzinfo=None),) if engine.dialect.name == "sqlite"
                 else (START,))  # fmt: skip
    assert INDEX in plan and "Seq Scan" not in plan and "SCAN notifications" not in plan, plan


def test_rows_without_a_time_are_due_and_claimed(
    engine: Engine, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    peek = DuePeek(sessions, engine)
    try:
        assert not peek.due(clock())
        later = add_notification(sessions, clock() + timedelta(hours=1))
        assert not peek.due(clock())
        timeless = add_notification(sessions, clock())
        with sessions.begin() as session:
            session.execute(
                update(Notification).where(Notification.id == timeless).values(next_attempt_at=None)
            )
        assert peek.due(clock())
        lease_until = clock() + timedelta(minutes=5)
        with sessions.begin() as session:
            claimed = claims.claim(session, clock(), lease_until, 10)
        assert [row.id for row in claimed] == [timeless]
        assert load(sessions, timeless).next_attempt_at == lease_until
        assert not peek.due(clock())
        clock.advance(hours=2)
        assert peek.due(clock())
        with sessions.begin() as session:
            assert {r.id for r in claims.claim(session, clock(), clock(), 10)} == {
                later,
                timeless,
            }
    finally:
        peek.close()


@pytest.mark.parametrize("writer", ["session", "sends on a connection"])
def test_a_result_applies_only_under_its_own_lease(
    engine: Engine, sessions: sessionmaker[Session], clock: ManualClock, writer: str
) -> None:
    first, second, third = (add_notification(sessions, clock()) for _ in range(3))
    lease_until = clock() + timedelta(minutes=5)
    with sessions.begin() as session:
        rows = claims.claim(session, clock(), lease_until, 10)
    with sessions.begin() as session:  # the lease ran out; another deliverer took `second`
        session.execute(
            update(Notification)
            .where(Notification.id == second)
            .values(next_attempt_at=lease_until + timedelta(minutes=1))
        )
        session.execute(delete(Notification).where(Notification.id == third))  # an operator
    results = [Result(row, "sent", clock(), lease_until, 1) for row in rows]
    assert records.only_sends(results)
    if writer == "session":
        with sessions.begin() as session:
            applied, vanished = records.record(session, results, clock())
    else:
        with engine.connect() as connection, connection.begin():
            applied, vanished = records.record_sends(connection, results, clock())
    assert (applied, vanished) == ({first}, {third})
    row = load(sessions, first)
    assert (row.status, row.attempts, row.outcomes) == ("sent", 1, ["sent"])
    assert row.sent_at == clock() and row.next_attempt_at is None
    row = load(sessions, second)
    assert (row.status, row.attempts, row.outcomes) == ("pending", 0, ["sent"])


@pytest.fixture
def pg_url(postgres: Postgres) -> Iterator[str]:
    """LISTEN/NOTIFY is PostgreSQL's (SQLite is polled): a PostgreSQL store only."""
    url = postgres.create_database()
    upgrade(url)
    yield url
    postgres.drop_database(url)


def test_a_notify_wakes_an_idle_deliverer_at_once(pg_url: str, tmp_path: Path) -> None:
    engine = build_engine(pg_url)
    try:
        _wakes_at_once(pg_url, engine, session_factory(engine), tmp_path)
    finally:
        engine.dispose()


def _wakes_at_once(
    url: str, engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    deliverer = Deliverer(sessions, {"email": EmailChannel(None, tmp_path)}, PolicyBook(),
                          listen_url=url)  # fmt: skip
    stop = threading.Event()
    # A poll far longer than the test: only the NOTIFY can make it look.
    worker = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_interval": 600})
    worker.start()
    try:
        wait_until(lambda: _listening(engine), what="the deliverer listening")
        with sessions.begin() as session:
            notification_id = add_row(session)
            notify_outbox(session)
        wait_until(lambda: load(sessions, notification_id).status == "sent", timeout=10,
                   what="sent after the NOTIFY")  # fmt: skip
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert not _listening(engine)


def add_row(session: Session) -> int:
    row = _rows(1, idempotency_key="notified", next_attempt_at=utcnow())[0]
    return int(session.execute(insert(Notification).returning(Notification.id), row).scalar_one())


def _listening(engine: Engine) -> bool:
    with engine.connect() as connection:
        others = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN %'"
            )
        ).scalar()
    return bool(others)


def test_notify_outbox_does_nothing_on_sqlite(sqlite_url: str) -> None:
    engine = build_engine(sqlite_url)
    try:
        with session_factory(engine).begin() as session:
            notify_outbox(session)
    finally:
        engine.dispose()


class Chained:
    """Accepts each message; a moment after, a "worker" writes the next one and
    signals it, so its NOTIFY arrives while the deliverer records the last."""

    def __init__(self, sessions: sessionmaker[Session], total: int) -> None:
        self.sessions, self.total = sessions, total
        self.sent: list[float] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(time.monotonic())
        if len(self.sent) < self.total:
            threading.Timer(0.003, self._write_next, args=(len(self.sent),)).start()

    def _write_next(self, n: int) -> None:
        with self.sessions.begin() as session:
            row = _rows(1, idempotency_key=f"chained-{n}", channel="sms", next_attempt_at=utcnow())
            session.execute(insert(Notification), row)
            notify_outbox(session)


def test_a_notify_that_comes_while_results_are_recorded_is_not_lost(pg_url: str) -> None:
    engine = build_engine(pg_url)
    sessions = session_factory(engine)
    total = 8
    channel = Chained(sessions, total)
    deliverer = Deliverer(sessions, {"sms": channel}, PolicyBook(), listen_url=pg_url)
    stop = threading.Event()
    worker = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_interval": 600})
    worker.start()
    try:
        wait_until(lambda: _listening(engine), what="the deliverer listening")
        channel._write_next(0)
        wait_until(lambda: len(channel.sent) == total, timeout=60, what="the whole chain")
    finally:
        stop.set()
        worker.join(timeout=30)
        engine.dispose()
    gaps = [later - earlier for earlier, later in itertools.pairwise(channel.sent)]
    # Each next message is sent at once, never at the next look (seconds away).
    assert max(gaps) < 1.0, gaps
