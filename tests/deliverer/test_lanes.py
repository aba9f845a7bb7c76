"""Several messages in flight on kept-open SMTP connections, in order per recipient."""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer.channels import EmailChannel
from services.deliverer.deliverer import Deliverer
from services.deliverer.lanes import lane_key
from services.runtime.clock import utcnow
from services.runtime.policies import PolicyBook
from services.runtime.store.models import DeliveryAttempt, Notification
from tests.deliverer.conftest import add_notification, load
from tests.deliverer.sinks import SmtpHandler, smtp_sink
from tests.support.polling import wait_until

SENDERS = 4


@contextmanager
def running(deliverer: Deliverer) -> Iterator[None]:
    stop = threading.Event()
    worker = threading.Thread(target=deliverer.run, args=(stop,), kwargs={"poll_interval": 0.05})
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()


def count_sent(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        query = select(func.count()).where(Notification.status == "sent")
        return int(session.scalar(query) or 0)


def lane_of(address: str) -> int:
    return zlib.crc32(lane_key(address).encode()) % SENDERS


def test_a_burst_arrives_in_creation_order_per_recipient(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    handler = SmtpHandler()
    server = smtp_sink(handler)
    recipients = [f"customer{n}@example.com" for n in range(6)]
    total = 240
    created: dict[str, list[str]] = defaultdict(list)
    now = utcnow()
    for n in range(total):
        recipient = recipients[n % 7 % len(recipients)]  # uneven, interleaved
        key = f"evt-{n:04d}:order_confirmation:{recipient}"
        add_notification(sessions, now, recipient=recipient, key=key)
        created[recipient].append(key)
    channel = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path)
    # Small claims, so that many claims overlap in the lanes.
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), concurrency=SENDERS,
                          batch_size=16)  # fmt: skip
    try:
        with running(deliverer):
            wait_until(lambda: count_sent(sessions) == total, timeout=60, what="all sent")
    finally:
        server.stop()

    arrived: dict[str, list[str]] = defaultdict(list)
    for received in handler.received():
        arrived[received.rcpt_tos[0]].append(str(received.message["X-Aftersale-Key"]))
    assert arrived == created
    # Several connections were used at once, each for many messages.
    peers = {received.peer for received in handler.received()}
    assert 1 < len(peers) <= SENDERS * 2
    assert len({lane_of(r) for r in recipients}) > 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DeliveryAttempt)) == total


def test_a_slow_server_answer_holds_up_only_its_own_lane(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    slow = "slow@example.com"
    others = [f"fast{n}@example.com" for n in range(40)]
    others = [address for address in others if lane_of(address) != lane_of(slow)][:12]
    handler = SmtpHandler(slow={slow: 3.0})
    server = smtp_sink(handler)
    now = utcnow()
    add_notification(sessions, now, recipient=slow, key="evt-slow:x:slow")
    for n, address in enumerate(others):
        add_notification(sessions, now, recipient=address, key=f"evt-{n:03d}:x:{address}")
    channel = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path)
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), concurrency=SENDERS)
    try:
        with running(deliverer):
            wait_until(lambda: count_sent(sessions) == len(others) + 1, timeout=30, what="sent")
    finally:
        server.stop()
    order = [received.rcpt_tos[0] for received in handler.received()]
    assert order[-1] == slow, order  # everyone else went out while it was being answered


def test_one_connection_carries_many_messages(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    handler = SmtpHandler()
    server = smtp_sink(handler)
    now = utcnow()
    for n in range(30):
        add_notification(sessions, now, key=f"evt-{n:03d}:order_confirmation:jan")
    channel = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path)
    try:
        assert Deliverer(sessions, {"email": channel}, PolicyBook()).deliver_due(limit=50) == 30
    finally:
        server.stop()
    # One recipient: one lane, one connection, in order.
    assert len({received.peer for received in handler.received()}) == 1
    keys = [str(received.message["X-Aftersale-Key"]) for received in handler.received()]
    assert keys == [f"evt-{n:03d}:order_confirmation:jan" for n in range(30)]


class Counting:
    """Accepts everything; before each message, checks how many of the messages it
    accepted are not yet recorded as sent in the store (what a crash would resend)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.accepted = 0
        self.most_unrecorded = 0
        self.lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        with self.lock:
            accepted = self.accepted  # read first: the store's count only grows after
        unrecorded = accepted - count_sent(self.sessions)
        with self.lock:
            self.most_unrecorded = max(self.most_unrecorded, unrecorded)
            self.accepted += 1


def test_a_sender_waits_for_its_message_to_be_recorded_before_the_next(
    sessions: sessionmaker[Session],
) -> None:
    channel = Counting(sessions)
    now = utcnow()
    total = 120
    for n in range(total):
        add_notification(sessions, now, channel="sms", recipient=f"+48 600 000 {n:03d}",
                         content={"text": "x"}, key=f"evt-{n:03d}:x")  # fmt: skip
    deliverer = Deliverer(sessions, {"sms": channel}, PolicyBook(), concurrency=SENDERS)
    with running(deliverer):
        wait_until(lambda: count_sent(sessions) == total, timeout=60, what="all sent")
    # The other senders' messages at most: each has one accepted and unrecorded.
    # (How many overlap depends on the scheduler, so no lower bound: a sender
    # that did not wait would show up to a whole claim unrecorded.)
    assert channel.most_unrecorded <= SENDERS - 1


class BrokenFor(PolicyBook):
    """Policies that fail for one shop, as a bug outside the channels would."""

    def __init__(self, shop_id: str) -> None:
        super().__init__()
        self.shop_id = shop_id

    def for_shop(self, shop_id: str) -> Any:
        if shop_id == self.shop_id:
            raise RuntimeError("policy bug")
        return super().for_shop(shop_id)


def test_a_bug_outside_the_channel_leaves_its_row_leased_and_the_rest_flowing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    now = utcnow()
    broken = add_notification(sessions, now, shop_id="broken", key="evt-broken:x")
    fine = [add_notification(sessions, now, key=f"evt-{n}:x") for n in range(5)]
    channel = EmailChannel(None, tmp_path)
    with running(Deliverer(sessions, {"email": channel}, BrokenFor("broken"))):
        wait_until(lambda: count_sent(sessions) == len(fine), timeout=30, what="the rest sent")
    row = load(sessions, broken)
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at is not None and row.next_attempt_at > now  # its lease
