"""Sender lanes: a few threads, each with its own queue and its own channel sessions.

Every row goes to the lane of its recipient (a hash of the address), so one
recipient's messages are handed over one after another, in claim order, while
other recipients' go out beside them and a slow server holds up one lane
only. A lane keeps its sessions (an SMTP connection) open between messages
and closes them after ``IDLE_CLOSE`` seconds without work.

After a message is accepted, its lane completes the next one only once that
result is written down: at most one accepted-but-unrecorded message per lane,
which bounds what a crash can make the deliverer send again. With SMTP all of
the next hand-over but its final "." goes out meanwhile, so recording and
sending overlap.

A message handed back unsent (stopping, or half its lease used up waiting)
holds back the shop's later messages to that recipient queued behind it:
they are handed back too, and come back after it.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.deliverer.channels.base import (
    AddressRejected,
    Channel,
    ChannelSession,
    PermanentFailure,
    TemporaryFailure,
)
from services.deliverer.outcomes import Answer, Result, log_fields, released
from services.runtime.clock import Clock
from services.runtime.logging import get_logger
from services.runtime.store.models import Notification

log = get_logger("aftersale.deliverer")

#: Seconds without work after which a lane closes its connections.
IDLE_CLOSE = 10.0


@dataclass
class Job:
    """A claimed row for a lane; handed back unsent once ``release_after`` has passed."""

    notification: Notification
    lease_until: datetime
    release_after: datetime
    recorded: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Done:
    """A job and what became of it."""

    job: Job
    result: Result


@dataclass(frozen=True)
class Crash:
    """Handling a job raised: the deliverer re-raises it, and the job's row waits out
    its lease. If it is no Exception (a crash), the lanes also stop sending at once."""

    error: BaseException


#: Turns a channel's answer into a result: (job, answer, reason, now).
Decide = Callable[[Job, Answer, str | None, datetime], Result]
Report = Callable[[Done | Crash], None]


def lane_key(recipient: str) -> str:
    value = recipient.strip().lower()
    return value.removeprefix("mailto:")


class Lanes:
    """``count`` sender threads; ``submit`` routes a job by its recipient.

    Parameters
    ----------
    count:
        Messages in flight at once.
    channels:
        By ``Notification.channel``; channels with ``open_session`` get one per lane.
    decide:
        Makes the result of an attempt (back-off, give-up).
    clock:
        The current time (aware).
    stopping:
        Once set, jobs not yet sent are handed back.
    report:
        Receives every result (and crashes), from the lanes' threads.
    """

    def __init__(
        self,
        count: int,
        channels: Mapping[str, Channel],
        decide: Decide,
        clock: Clock,
        stopping: threading.Event,
        report: Report,
    ) -> None:
        self._abort = threading.Event()
        self._lanes = [
            _Lane(n, channels, decide, clock, stopping, report, self._abort) for n in range(count)
        ]

    def start(self) -> Lanes:
        for lane in self._lanes:
            lane.start()
        return self

    def submit(self, job: Job) -> None:
        key = lane_key(job.notification.recipient).encode("utf-8", "replace")
        self._lanes[zlib.crc32(key) % len(self._lanes)].jobs.put(job)

    def close(self, *, abort: bool = False) -> None:
        """Finish (or, with ``abort``, drop) the queued jobs, close sessions, end the threads."""
        if abort:
            self._abort.set()
        for lane in self._lanes:
            lane.jobs.put(None)
        for lane in self._lanes:
            lane.join()


class _Lane(threading.Thread):
    def __init__(
        self,
        index: int,
        channels: Mapping[str, Channel],
        decide: Decide,
        clock: Clock,
        stopping: threading.Event,
        report: Report,
        abort: threading.Event,
    ) -> None:
        super().__init__(name=f"deliverer-lane-{index}", daemon=True)
        self.jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._channels = channels
        self._decide = decide
        self._clock = clock
        self._stopping = stopping
        self._report = report
        self._abort = abort
        self._sessions: dict[str, ChannelSession] = {}
        #: (shop, recipient) of messages handed back unsent, until the queue is empty.
        self._held: set[str] = set()

    def run(self) -> None:
        #: The last message this lane got accepted: the next one is completed
        #: only once its result is written down.
        last: Job | None = None
        try:
            while (job := self._next()) is not None:
                if self._abort.is_set():
                    continue
                try:
                    result = self._handle(job, last)
                except Exception as exc:  # a bug outside the channel: reported, lane goes on
                    self._report(Crash(exc))
                    continue
                except BaseException as exc:  # a crash, as if the process died here
                    self._abort.set()
                    self._report(Crash(exc))
                    continue
                self._report(Done(job, result))
                if result.outcome == "sent":
                    last = job
        finally:
            self._close_sessions()

    def _await_record(self, last: Job | None) -> None:
        while last is not None and not last.recorded.wait(1.0) and not self._abort.is_set():
            pass

    def _next(self) -> Job | None:
        while True:
            if self.jobs.empty():
                self._held.clear()
            try:
                return self.jobs.get(timeout=IDLE_CLOSE if self._sessions else None)
            except queue.Empty:
                self._close_sessions()

    def _handle(self, job: Job, last: Job | None) -> Result:
        notification, now = job.notification, self._clock()
        # Order matters within a shop: one shop's messages to a customer.
        key = f"{notification.shop_id}\n{lane_key(notification.recipient)}"
        why = None
        if key in self._held:
            why = "held behind an earlier message handed back"
        elif self._stopping.is_set():
            why = "stopping"
        elif now >= job.release_after:
            why = "half the lease used"
        if why is not None:
            self._held.add(key)
            return released(
                notification, now=now, lease_until=job.lease_until, due_at=now, reason=why
            )
        answer, reason = self._send(notification, last)
        return self._decide(job, answer, reason, self._clock())

    def _send(self, notification: Notification, last: Job | None) -> tuple[Answer, str | None]:
        """Hand the message over; with a staged session, everything but the last
        step goes out while ``last``'s result is still being written down."""
        channel = self._channels.get(notification.channel)
        if channel is None:
            return "permanent", f"no {notification.channel!r} channel is configured"
        try:
            sender = self._sender_for(notification.channel, channel)
            begin = getattr(sender, "begin", None)
            if begin is None:
                self._await_record(last)
                sender.send(notification)
            else:
                finish = begin(notification)
                self._await_record(last)
                finish()
        except TemporaryFailure as exc:
            return "temporary", exc.reason
        except AddressRejected as exc:
            return "rejected", exc.reason
        except PermanentFailure as exc:
            return "permanent", exc.reason
        except Exception as exc:
            # A bug in a channel: retried (and in the end failed) rather than lost.
            log.exception("channel raised an unexpected error", **log_fields(notification))
            self._close_session(notification.channel)
            return "temporary", f"unexpected error: {type(exc).__name__}: {exc}"
        return "sent", None

    def _sender_for(self, name: str, channel: Channel) -> Channel | ChannelSession:
        session = self._sessions.get(name)
        if session is None:
            open_session = getattr(channel, "open_session", None)
            if open_session is None:
                return channel
            session = self._sessions[name] = open_session()
        return session

    def _close_session(self, name: str) -> None:
        session = self._sessions.pop(name, None)
        if session is not None:
            try:
                session.close()
            except Exception:
                log.exception("closing a channel session failed", channel=name)

    def _close_sessions(self) -> None:
        for name in list(self._sessions):
            self._close_session(name)
