"""The scheduler fires due timers into dramatiq: on time, once, and not at all
when cancelled — also with two schedulers on one PostgreSQL store."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store import timers
from services.runtime.store.models import Timer
from services.runtime.workers import ActorRef
from services.scheduler.scheduler import Scheduler
from tests.support.ingest import get_all, queue_depth
from tests.support.polling import wait_until

QUEUE = "aftersale-test.timers"
ROUTES = {"test_kind": ActorRef(QUEUE, "test.on_timer")}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@contextmanager
def running(scheduler: Scheduler) -> Iterator[threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,), daemon=True)
    thread.start()
    assert scheduler.ready.wait(15), "the scheduler did not start"
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)


def fired_messages(amqp_url: str) -> list[dict[str, object]]:
    return [json.loads(body) for _props, body in get_all(amqp_url, QUEUE)]


def test_due_timers_fire_once_and_others_wait(
    amqp_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        for subject, offset in (("due", -5), ("later", 3600), ("cancelled", -5), ("moved", -5)):
            timers.schedule(session, shop_id="s", kind="test_kind", subject_id=subject,
                            due_at=T0 + timedelta(seconds=offset), now=T0)  # fmt: skip
        timers.cancel(session, shop_id="s", kind="test_kind", subject_id="cancelled")
        # Re-scheduled: the firing must carry the new version.
        timers.schedule(session, shop_id="s", kind="test_kind", subject_id="moved",
                        due_at=T0 - timedelta(seconds=1), now=T0)  # fmt: skip
    scheduler = Scheduler(amqp_url, sessions, tick=timedelta(milliseconds=50),
                          routes=ROUTES, clock=lambda: T0)  # fmt: skip
    with running(scheduler):
        wait_until(lambda: queue_depth(amqp_url, QUEUE) >= 2, what="two firings")
        wait_until(lambda: scheduler.stats.ticks >= 5, what="a few more ticks")
    messages = fired_messages(amqp_url)
    with sessions() as session:
        rows = {t.subject_id: t for t in session.scalars(select(Timer))}
    by_id = {rows[s].id: s for s in rows}
    fired = sorted((by_id[m["args"][0]], m["args"][1]) for m in messages)  # type: ignore[index]
    assert fired == [("due", 1), ("moved", 2)]
    assert all(m["actor_name"] == "test.on_timer" for m in messages)
    assert rows["due"].state == "fired" and rows["due"].fired_at == T0
    assert rows["later"].state == "pending" and rows["cancelled"].state == "cancelled"


@pytest.mark.slow
def test_two_schedulers_on_postgresql_fire_ten_thousand_timers_once_each(
    amqp_url: str, pg_sessions: sessionmaker[Session]
) -> None:
    total = 10_000
    with pg_sessions.begin() as session:
        session.execute(
            insert(Timer),
            [
                {"shop_id": "s", "kind": "test_kind", "subject_id": f"t-{n}",
                 "due_at": T0 - timedelta(seconds=n % 600), "state": "pending", "version": 1,
                 "created_at": T0}
                for n in range(total)
            ],
        )  # fmt: skip
    first = Scheduler(amqp_url, pg_sessions, tick=timedelta(milliseconds=20), batch_size=200,
                      routes=ROUTES, clock=lambda: T0)  # fmt: skip
    second = Scheduler(amqp_url, pg_sessions, tick=timedelta(milliseconds=20), batch_size=200,
                       routes=ROUTES, clock=lambda: T0)  # fmt: skip
    with running(first), running(second):
        wait_until(lambda: first.stats.fired + second.stats.fired >= total, timeout=120,
                   what="all timers fired")  # fmt: skip
    assert first.stats.fired > 0 and second.stats.fired > 0, "both schedulers took part"
    assert first.stats.fired + second.stats.fired == total
    messages = fired_messages(amqp_url)
    timer_ids = [m["args"][0] for m in messages]  # type: ignore[index]
    assert len(timer_ids) == total and len(set(timer_ids)) == total
    with pg_sessions() as session:
        pending = session.scalar(select(func.count()).where(Timer.state != "fired"))
    assert pending == 0
