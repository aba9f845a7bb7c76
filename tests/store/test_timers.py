"""Durable timers: schedule, re-schedule, cancel, claim and fire, on every store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store import timers
from services.runtime.store.models import Timer

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
#: 10:00 in Warsaw in winter is 09:00 UTC.
DUE = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=1)))
SECOND = timedelta(seconds=1)


def set_timer(
    sessions: sessionmaker[Session],
    subject_id: str = "T-30417",
    due_at: datetime = DUE,
    **kw: object,
) -> int:
    with sessions.begin() as session:
        timer = timers.schedule(
            session,
            shop_id="shop-42",
            kind="first_response_due",
            subject_id=subject_id,
            due_at=due_at,
            now=NOW,
            payload=kw or None,
        )
        session.flush()
        return timer.id


def claimed(sessions: sessionmaker[Session], now: datetime, limit: int = 10) -> list[str]:
    with sessions() as session:
        return [timer.subject_id for timer in timers.claim_due(session, now, limit)]


def test_a_timer_is_claimed_only_once_it_is_due(sessions: sessionmaker[Session]) -> None:
    set_timer(sessions)

    assert claimed(sessions, datetime(2026, 11, 25, 9, 0, tzinfo=UTC) - SECOND) == []
    assert claimed(sessions, datetime(2026, 11, 25, 9, 0, tzinfo=UTC)) == ["T-30417"]
    assert claimed(sessions, DUE + timedelta(days=3)) == ["T-30417"]


def test_claim_due_takes_the_earliest_first_up_to_the_limit(
    sessions: sessionmaker[Session],
) -> None:
    for minutes, subject in [(30, "c"), (10, "a"), (20, "b"), (90, "later")]:
        set_timer(sessions, subject, DUE + timedelta(minutes=minutes))

    assert claimed(sessions, DUE + timedelta(hours=1), limit=2) == ["a", "b"]
    assert claimed(sessions, DUE + timedelta(hours=1)) == ["a", "b", "c"]


def test_a_reschedule_bumps_version_and_due_time(sessions: sessionmaker[Session]) -> None:
    first = set_timer(sessions, reason="sla")
    later = DUE + timedelta(hours=4)
    again = set_timer(sessions, due_at=later, reason="moved")

    assert again == first  # the same row, not a second timer
    with sessions() as session:
        timer = session.get_one(Timer, first)
        assert (timer.version, timer.state, timer.due_at) == (2, timers.PENDING, later)
        assert timer.payload == {"reason": "moved"}
        assert timer.created_at == NOW
        assert session.scalar(select(func.count()).select_from(Timer)) == 1
    assert claimed(sessions, DUE + timedelta(hours=1)) == []
    assert claimed(sessions, later) == ["T-30417"]


def test_a_cancelled_timer_is_never_claimed(sessions: sessionmaker[Session]) -> None:
    pk = set_timer(sessions)
    set_timer(sessions, "T-other")

    with sessions.begin() as session:
        args = {"shop_id": "shop-42", "kind": "first_response_due", "subject_id": "T-30417"}
        assert timers.cancel(session, **args) is True
        assert timers.cancel(session, **args) is False
        assert timers.cancel(session, **{**args, "shop_id": "shop-7"}) is False

    assert claimed(sessions, DUE + timedelta(days=1)) == ["T-other"]
    with sessions() as session:
        timer = session.get_one(Timer, pk)
        assert (timer.state, timer.version) == (timers.CANCELLED, 2)

    set_timer(sessions)  # scheduling again revives it
    assert sorted(claimed(sessions, DUE)) == ["T-30417", "T-other"]
    with sessions() as session:
        assert session.get_one(Timer, pk).version == 3


def test_a_fired_timer_is_not_claimed_again(sessions: sessionmaker[Session]) -> None:
    pk = set_timer(sessions)
    fired_at = DUE + SECOND
    with sessions.begin() as session:
        due = timers.claim_due(session, fired_at, 10)
        timers.mark_fired(session, [(t.id, t.version) for t in due], fired_at)

    assert claimed(sessions, DUE + timedelta(days=1)) == []
    with sessions() as session:
        timer = session.get_one(Timer, pk)
        assert (timer.state, timer.fired_at, timer.version) == (timers.FIRED, fired_at, 1)

    set_timer(sessions, due_at=DUE + timedelta(hours=1))
    with sessions() as session:
        timer = session.get_one(Timer, pk)
        assert (timer.state, timer.fired_at, timer.version) == (timers.PENDING, None, 2)


def test_two_schedulers_on_postgresql_claim_disjoint_timers(
    postgres_sessions: sessionmaker[Session],
) -> None:
    with postgres_sessions.begin() as session:
        for number in range(100):
            timers.schedule(
                session,
                shop_id="shop-42",
                kind="check_in",
                subject_id=f"order-{number:03d}",
                due_at=DUE + number * SECOND,
                now=NOW,
            )

    # Each claims inside an open transaction and holds it until both have claimed:
    # without SKIP LOCKED they would take the same rows (or block on each other).
    both_claimed = threading.Barrier(2, timeout=20)
    results: dict[str, set[int]] = {}
    errors: list[BaseException] = []

    def scheduler(name: str) -> None:
        try:
            with postgres_sessions.begin() as session:
                due = timers.claim_due(session, DUE + timedelta(hours=1), 50)
                results[name] = {timer.id for timer in due}
                both_claimed.wait()
                fired = [(t.id, t.version) for t in due]
                timers.mark_fired(session, fired, DUE + timedelta(hours=1))
        except BaseException as exc:
            errors.append(exc)
            both_claimed.abort()

    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results["one"]) == len(results["two"]) == 50
    assert results["one"].isdisjoint(results["two"])
    with postgres_sessions() as session:
        assert timers.claim_due(session, DUE + timedelta(days=1), 500) == []
        fired = select(func.count()).select_from(Timer).where(Timer.state == timers.FIRED)
        assert session.scalar(fired) == 100


def test_a_claim_is_a_lease_that_runs_out_if_the_firing_is_never_confirmed(
    sessions: sessionmaker[Session],
) -> None:
    set_timer(sessions)
    first = DUE + SECOND
    with sessions.begin() as session:
        assert len(timers.claim_due(session, first, 10, timedelta(seconds=60))) == 1
    # Another scheduler looks while the first one publishes: nothing for it.
    assert claimed(sessions, first + timedelta(seconds=30)) == []
    # The first one died before confirming: after the lease the timer fires again.
    assert claimed(sessions, first + timedelta(seconds=61)) == ["T-30417"]


def test_a_firing_confirmed_after_a_re_schedule_leaves_the_new_timer_pending(
    sessions: sessionmaker[Session],
) -> None:
    set_timer(sessions)
    with sessions.begin() as session:
        [timer] = timers.claim_due(session, DUE + SECOND, 10)
        old = (timer.id, timer.version)
    later = DUE + timedelta(hours=2)
    set_timer(sessions, due_at=later)  # the handler re-armed it meanwhile
    with sessions.begin() as session:
        assert timers.mark_fired(session, [old], DUE + SECOND) == 0
    with sessions() as session:
        row = session.get_one(Timer, old[0])
        assert (row.state, row.due_at, row.leased_until) == (timers.PENDING, later, None)
