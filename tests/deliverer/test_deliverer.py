"""The deliverer's loop: attempts, give-up, leases after a crash, stopping, store outages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer.channels import EmailChannel, TemporaryFailure
from services.deliverer.deliverer import DEFAULT_LEASE, Deliverer
from services.runtime.clock import utcnow
from services.runtime.policies import PolicyBook, parse_policies
from services.runtime.store.models import Notification
from tests.deliverer.conftest import ManualClock, add_notification, load
from tests.support.polling import wait_until


class Recording:
    """A channel that records what it was given and fails as told."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def send(self, notification: Notification) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(notification.idempotency_key)


def test_gives_up_after_the_policys_max_attempts(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    policies = parse_policies('[shop."shop-42".delivery]\nmax_attempts = 3\n')
    channel = Recording(TemporaryFailure("HTTP 503 from http://sms.example"))
    deliverer = Deliverer(sessions, {"sms": channel}, policies, clock)
    limited = add_notification(sessions, clock(), channel="sms", content={"text": "x"})
    default = add_notification(
        sessions, clock(), channel="sms", content={"text": "x"}, shop_id="shop-1"
    )
    for _ in range(5):
        deliverer.deliver_due()
        clock.advance(minutes=11)

    row = load(sessions, limited)
    assert (row.status, row.attempts, row.outcomes) == ("failed", 3, ["retry", "retry", "failed"])
    assert row.failure_reason == "HTTP 503 from http://sms.example (gave up after 3 attempts)"
    assert row.next_attempt_at is None
    row = load(sessions, default)  # the global default of 12
    assert (row.status, row.attempts) == ("pending", 5)


def test_retries_follow_the_back_off(sessions: sessionmaker[Session], clock: ManualClock) -> None:
    deliverer = Deliverer(
        sessions, {"sms": Recording(TemporaryFailure("down"))}, PolicyBook(), clock
    )
    notification_id = add_notification(sessions, clock(), channel="sms", content={"text": "x"})
    start = clock()
    deliverer.deliver_due()
    first = load(sessions, notification_id).next_attempt_at
    assert first is not None and 2 <= (first - start).total_seconds() <= 2.5
    clock.now = first
    deliverer.deliver_due()
    second = load(sessions, notification_id).next_attempt_at
    assert second is not None and 4 <= (second - first).total_seconds() <= 5


def test_an_unknown_channel_fails(sessions: sessionmaker[Session], clock: ManualClock) -> None:
    notification_id = add_notification(sessions, clock(), channel="pigeon")
    assert Deliverer(sessions, {}, PolicyBook(), clock).deliver_due() == 1
    row = load(sessions, notification_id)
    assert (row.status, row.failure_reason) == ("failed", "no 'pigeon' channel is configured")


def test_a_bug_in_a_channel_is_retried_not_lost(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    deliverer = Deliverer(sessions, {"email": Recording(KeyError("oops"))}, PolicyBook(), clock)
    notification_id = add_notification(sessions, clock())
    deliverer.deliver_due()
    row = load(sessions, notification_id)
    assert (row.status, row.outcomes) == ("pending", ["retry"])
    assert row.failure_reason == "unexpected error: KeyError: 'oops'"


def test_only_due_rows_are_sent_in_order(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    channel = Recording()
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), clock)
    keys = [f"k-{n}" for n in range(5)]
    for key in keys:
        add_notification(sessions, clock(), key=key)
        clock.advance(seconds=1)
    later = add_notification(sessions, clock() + DEFAULT_LEASE, key="later")
    assert deliverer.deliver_due(limit=2) == 2
    assert deliverer.deliver_due(limit=10) == 3
    assert channel.sent == keys
    assert load(sessions, later).status == "pending"


def test_a_crash_after_the_claim_delays_until_the_lease_ends(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    class Crash(BaseException):
        pass

    notification_id = add_notification(sessions, clock())
    crashing = Deliverer(sessions, {"email": Recording(Crash())}, PolicyBook(), clock)  # type: ignore[arg-type]
    with pytest.raises(Crash):
        crashing.deliver_due()

    survivor_channel = Recording()
    survivor = Deliverer(sessions, {"email": survivor_channel}, PolicyBook(), clock)
    assert survivor.deliver_due() == 0  # still leased to the crashed one
    clock.advance(seconds=DEFAULT_LEASE.total_seconds())
    assert survivor.deliver_due() == 1
    assert load(sessions, notification_id).status == "sent"
    assert len(survivor_channel.sent) == 1


def test_stopping_hands_unsent_rows_back(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    stop = threading.Event()
    stop.set()
    ids = [add_notification(sessions, clock()) for _ in range(3)]
    channel = Recording()
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), clock)
    assert deliverer.deliver_due(stop=stop) == 0
    assert all(load(sessions, i).next_attempt_at == clock() for i in ids)
    assert deliverer.deliver_due() == 3  # due again at once, no lease to wait out


def test_a_row_decided_elsewhere_meanwhile_keeps_that_decision(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    notification_id = add_notification(sessions, clock())

    class Operator:
        def send(self, notification: Notification) -> None:
            with sessions.begin() as session:
                session.execute(
                    update(Notification)
                    .where(Notification.id == notification.id)
                    .values(status="suppressed")
                )

    Deliverer(sessions, {"email": Operator()}, PolicyBook(), clock).deliver_due()
    row = load(sessions, notification_id)
    assert (row.status, row.attempts, row.outcomes) == ("suppressed", 0, ["sent"])


def test_logs_carry_no_full_address(sessions: sessionmaker[Session], clock: ManualClock) -> None:
    add_notification(sessions, clock(), recipient="jan.kowalski@example.com")
    add_notification(sessions, clock(), channel="sms", recipient="+48 600 100 200")
    channels = {"email": Recording(), "sms": Recording(TemporaryFailure("+48 600 100 200 busy"))}
    with structlog.testing.capture_logs() as logs:
        Deliverer(sessions, channels, PolicyBook(), clock).deliver_due()
    text = repr(logs)
    assert "j***@example.com" in text and "***00" in text
    assert "jan.kowalski@example.com" not in text
    assert "600 100 200" not in text


class FlakySessions:
    """Sessions whose first transactions fail as if the database were down."""

    def __init__(self, sessions: sessionmaker[Session], failures: int) -> None:
        self._sessions = sessions
        self.failures = failures

    @contextmanager
    def begin(self) -> Iterator[Session]:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        with self._sessions.begin() as session:
            yield session

    def __call__(self, **options: Any) -> Session:
        return self._sessions(**options)


def test_run_waits_out_a_store_outage_and_stops_on_request(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    flaky = FlakySessions(sessions, failures=1)
    channel = EmailChannel(None, tmp_path)
    deliverer = Deliverer(flaky, {"email": channel}, PolicyBook())  # type: ignore[arg-type]
    notification_id = add_notification(sessions, utcnow())
    stop = threading.Event()
    worker = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_interval": 0.05})
    worker.start()
    try:
        wait_until(lambda: load(sessions, notification_id).status == "sent", what="sent")
        assert flaky.failures == 0
        assert worker.is_alive()
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
