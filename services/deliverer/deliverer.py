"""The deliverer: claims due outbox rows, sends them several at a time, records every attempt.

Several deliverers may run against one PostgreSQL store. A claim takes due
rows with ``FOR UPDATE SKIP LOCKED`` and moves their ``next_attempt_at``
ahead as a lease, in one short transaction; sending happens outside any
transaction, on ``concurrency`` sender lanes (one recipient's messages always
on the same lane, in order), each keeping its SMTP connection open; results
are recorded in one transaction per handful, only while the row is still
pending under the lease. A deliverer that dies leaves its rows to be taken
again when the lease runs out; at most ``concurrency`` of them had been
accepted by the far end without a record, and go out again (same Message-ID).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer.backoff import Random, next_attempt
from services.deliverer.channels.base import Channel
from services.deliverer.lanes import Job
from services.deliverer.outcomes import Answer, Result, decide
from services.deliverer.peek import DuePeek
from services.deliverer.pipeline import Pipeline
from services.deliverer.screening import Screen
from services.deliverer.wakeup import OutboxListener, libpq_url
from services.runtime.clock import Clock, utcnow
from services.runtime.heartbeat import Heartbeat
from services.runtime.logging import get_logger
from services.runtime.policies import PolicyBook

__all__ = ["DEFAULT_BATCH", "DEFAULT_CONCURRENCY", "DEFAULT_LEASE", "Deliverer", "next_attempt"]

log = get_logger("aftersale.deliverer")

#: How long claimed rows are kept from other deliverers while this one sends them.
DEFAULT_LEASE = timedelta(minutes=5)
#: Messages in flight at once (sender lanes, each with its own SMTP connection).
DEFAULT_CONCURRENCY = 4
#: Most rows claimed and not yet recorded; a claim tops up when half are done.
DEFAULT_BATCH = 100
#: Longest pause between rounds while the store is unreachable (seconds).
MAX_STORE_PAUSE = 30.0
#: Longest wait for results before looking again (seconds); stopping wakes it at once.
_MAX_WAIT = 5.0
#: How often to look anyway once writers' NOTIFYs are seen to arrive (seconds):
#: a lost signal (only while the listener reconnects) costs this much latency.
SIGNALLED_POLL = 5.0


class Deliverer:
    """Sends pending notifications through their channels, with retries and back-off.

    Parameters
    ----------
    sessions:
        Sessions on the store.
    channels:
        The channel for each ``Notification.channel`` value ("email", "sms", …).
    policies:
        ``delivery.max_attempts`` per shop: temporary failures after that many
        attempts make the notification failed.
    clock:
        The current time (aware).
    rng:
        Jitter of the back-off; a seeded ``random.Random`` in tests.
    lease:
        How long a claimed row is kept from other deliverers.
    concurrency:
        Messages in flight at once.
    batch_size:
        Most rows held (claimed, not yet recorded) by :meth:`run`.
    listen_url:
        A PostgreSQL store's URL: :meth:`run` then also wakes on ``NOTIFY
        aftersale_outbox`` (see ``services.runtime.store.outbox_signal``).
    engine:
        The store's engine, for the idle look (default: the sessions' bind).
    sms_available:
        Whether an SMS provider is configured: a transactional message to a
        suppressed address may then go by SMS.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Mapping[str, Channel],
        policies: PolicyBook,
        clock: Clock = utcnow,
        *,
        rng: Random | None = None,
        lease: timedelta = DEFAULT_LEASE,
        concurrency: int = DEFAULT_CONCURRENCY,
        batch_size: int = DEFAULT_BATCH,
        listen_url: str | None = None,
        engine: Engine | None = None,
        heartbeat: Heartbeat | None = None,
        sms_available: bool = False,
    ) -> None:
        self._sessions = sessions
        self._screen = Screen(policies, sms_available=sms_available)
        self._channels = dict(channels)
        self._policies = policies
        self._clock = clock
        self._rng: Random = rng or random.Random()
        self._lease = lease
        self._concurrency = max(1, concurrency)
        self._batch = max(1, batch_size)
        self._listen_url = libpq_url(listen_url) if listen_url else None
        self._engine = engine
        self._heartbeat = heartbeat or Heartbeat("deliverer")

    def deliver_due(self, limit: int = 50, stop: threading.Event | None = None) -> int:
        """One round: send up to ``limit`` due notifications; how many were tried.

        Rows left unsent (``stop`` set, or half the lease used up by slow
        channels) are handed back at once rather than left to their lease.
        """
        with self._pipeline(stop or threading.Event()) as pipeline:
            pipeline.claim(limit)
            while pipeline.outstanding:
                pipeline.step(_MAX_WAIT)
            return pipeline.tried

    def run(
        self, stop: threading.Event, poll_interval: float = 0.2, *, limit: int | None = None
    ) -> None:
        """Deliver until ``stop`` is set; an unreachable store is waited out, never fatal.

        Busy, it claims again whenever half of what it holds is done. Idle, it
        looks every ``poll_interval`` seconds with one cheap query, and claims
        only when something is due; on PostgreSQL a NOTIFY wakes it at once,
        and once those are seen to come it looks only every ``SIGNALLED_POLL``.
        """
        batch = limit or self._batch
        log.info("deliverer started", channels=sorted(self._channels),
                 concurrency=self._concurrency)  # fmt: skip
        peek = DuePeek(self._sessions, self._engine)
        listener: OutboxListener | None = None
        finished = threading.Event()

        def interval() -> float:
            if listener is not None and listener.signalled():
                return max(poll_interval, SIGNALLED_POLL)
            return poll_interval

        try:
            with self._pipeline(stop) as pipeline:
                threading.Thread(
                    target=_wake_on_stop, args=(stop, finished, pipeline), daemon=True
                ).start()
                if self._listen_url is not None:
                    listener = OutboxListener(self._listen_url, pipeline.wake)
                    listener.start()
                self._loop(pipeline, peek, stop, batch, interval)
                _drain(pipeline)
        finally:
            finished.set()
            peek.close()
            if listener is not None:
                listener.close()
        log.info("deliverer stopped")

    def _loop(
        self,
        pipeline: Pipeline,
        peek: DuePeek,
        stop: threading.Event,
        batch: int,
        interval: Callable[[], float],
    ) -> None:
        may_be_due, next_look, pause = True, 0.0, 0.0
        while not stop.is_set():
            self._heartbeat.beat(ready=pause == 0.0)
            try:
                pipeline.step(0)
                # A wake-up taken here (it came while results were recorded)
                # counts, or the wait below would sleep through it.
                if pipeline.woken:
                    pipeline.woken, may_be_due = False, True
                if may_be_due and pipeline.outstanding <= batch // 2:
                    wanted = batch - pipeline.outstanding
                    may_be_due = pipeline.claim(wanted) == wanted
                    next_look = time.monotonic() + interval()
                    pause = 0.0
                    continue
                wait = _MAX_WAIT if may_be_due else next_look - time.monotonic()
                pipeline.step(min(max(wait, 0.0), _MAX_WAIT))
                if pipeline.woken:
                    pipeline.woken, may_be_due = False, True
                elif not may_be_due and time.monotonic() >= next_look:
                    may_be_due = pipeline.outstanding > 0 or peek.due(self._clock())
                    next_look = time.monotonic() + interval()
            except Exception as exc:
                pause = min(max(pause * 2, 1.0), MAX_STORE_PAUSE)
                if isinstance(exc, SQLAlchemyError | OSError):
                    log.warning("store unavailable, retrying", error=str(exc), retry_in=pause)
                else:
                    log.exception("delivery round failed, retrying", retry_in=pause)
                stop.wait(pause)
                may_be_due = True
                continue
            pause = 0.0

    def _pipeline(self, stopping: threading.Event) -> Pipeline:
        return Pipeline(
            self._sessions,
            self._channels,
            self._decide,
            self._clock,
            lease=self._lease,
            concurrency=self._concurrency,
            stopping=stopping,
            screen=self._screen,
        )

    def _decide(self, job: Job, answer: Answer, reason: str | None, now: datetime) -> Result:
        notification = job.notification
        return decide(
            notification,
            answer,
            reason,
            now=now,
            lease_until=job.lease_until,
            max_attempts=self._policies.for_shop(notification.shop_id).delivery.max_attempts,
            rng=self._rng,
        )


def _drain(pipeline: Pipeline) -> None:
    """Stopping: the lanes hand back what they have not sent; write it all down."""
    try:
        while pipeline.outstanding:
            pipeline.step(_MAX_WAIT)
    except Exception:
        log.exception("could not record the last results; their rows return after the lease")


def _wake_on_stop(stop: threading.Event, finished: threading.Event, pipeline: Pipeline) -> None:
    """Wake the deliverer's wait as soon as ``stop`` is set (it waits for seconds)."""
    while not finished.is_set():
        if stop.wait(_MAX_WAIT):
            pipeline.wake()
            return
