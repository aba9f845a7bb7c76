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


def _schedule(session: Session, subject_id: str, due_at: datetime = DUE) -> Timer:
    return timers.schedule(session, shop_id="shop-42", kind="first_response_due",
                           subject_id=subject_id, due_at=due_at, now=NOW)  # fmt: skip


def test_timers_prefetched_for_a_batch_are_scheduled_as_one_by_one_would(
    sessions: sessionmaker[Session],
) -> None:
    existing = set_timer(sessions, "T-1")
    later = DUE + timedelta(hours=2)
    with sessions.begin() as session:
        keys = [("shop-42", "first_response_due", s) for s in ("T-1", "T-2", "T-3")]
        timers.prefetch(session, keys)
        moved = _schedule(session, "T-1", later)  # found in memory: the same row
        new = _schedule(session, "T-2")
        again = _schedule(session, "T-2", later)  # twice in one batch: one row
        _schedule(session, "T-4")  # not prefetched: looked up as before
        assert again is new
        assert moved.id == existing
    with sessions() as session:
        rows = {t.subject_id: (t.version, t.due_at) for t in session.scalars(select(Timer))}
    assert rows == {"T-1": (2, later), "T-2": (2, later), "T-4": (1, DUE)}


def test_a_prefix_cancel_after_a_prefetch_is_seen_by_a_later_schedule(
    sessions: sessionmaker[Session],
) -> None:
    set_timer(sessions, "O-1:delay")
    with sessions.begin() as session:
        timers.prefetch(session, [("shop-42", "first_response_due", "O-1:delay")])
        cancelled = timers.cancel_prefix(session, shop_id="shop-42", kind="first_response_due",
                                         subject_prefix="O-1:", at=NOW)  # fmt: skip
        assert cancelled == 1
        timer = _schedule(session, "O-1:delay")
    # The cancel moved it to version 2; scheduling again is version 3, pending.
    with sessions() as session:
        row = session.get_one(Timer, timer.id)
        assert (row.version, row.state) == (3, timers.PENDING)


def test_a_timer_added_in_a_rolled_back_savepoint_is_added_again(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        timers.prefetch(session, [("shop-42", "first_response_due", "T-9")])
        try:
            with session.begin_nested():
                _schedule(session, "T-9")
                session.flush()
                raise RuntimeError("the earlier event failed")
        except RuntimeError:
            pass
        _schedule(session, "T-9")
    with sessions() as session:
        assert [t.subject_id for t in session.scalars(select(Timer))] == ["T-9"]


def _cancel(session: Session, subject_id: str) -> bool:
    return timers.cancel(session, shop_id="shop-42", kind="first_response_due",
                         subject_id=subject_id, at=NOW)  # fmt: skip


def test_prefetched_timers_are_cancelled_as_one_by_one_would(
    sessions: sessionmaker[Session],
) -> None:
    set_timer(sessions, "T-1")
    set_timer(sessions, "T-2")
    with sessions.begin() as session:
        _cancel(session, "T-2")  # already cancelled before the batch
    with sessions.begin() as session:
        keys = [("shop-42", "first_response_due", s) for s in ("T-1", "T-2", "T-3", "T-4")]
        timers.prefetch(session, keys)
        assert _cancel(session, "T-1") is True
        assert _cancel(session, "T-1") is False  # cancelled once
        assert _cancel(session, "T-2") is False  # not pending
        assert _cancel(session, "T-3") is False  # none
        _schedule(session, "T-4")
        assert _cancel(session, "T-4") is True  # scheduled and cancelled in one batch
    with sessions() as session:
        rows = {
            t.subject_id: (t.state, t.version, t.cancelled_at)
            for t in session.scalars(select(Timer))
        }
    assert rows == {
        "T-1": (timers.CANCELLED, 2, NOW),
        "T-2": (timers.CANCELLED, 2, NOW),
        "T-4": (timers.CANCELLED, 2, NOW),
    }
