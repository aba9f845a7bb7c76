"""The deliverer's flow: claimed rows into the sender lanes, their results into the store.

One thread (the deliverer's) drives it: :meth:`Pipeline.claim` takes a batch
and hands it to the lanes; :meth:`Pipeline.step` collects what the lanes
reported and writes it down in one transaction as soon as there is any
(after a few ms for the other lanes' results; what arrives during a commit
goes into the next one). Senders wait for their accepted message to be
recorded, so the messages a crash could have sent without a record are at
most one per lane.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer import claims, records
from services.deliverer.channels.base import Channel
from services.deliverer.lanes import Crash, Decide, Done, Job, Lanes
from services.deliverer.outcomes import Result, log_fields
from services.runtime.clock import Clock
from services.runtime.logging import get_logger, mask_personal_data
from services.runtime.store.models import Notification

log = get_logger("aftersale.deliverer")

#: Seconds to wait, after a first result, for the other lanes' before writing them
#: down together: a few ms of latency for about half the transactions.
LINGER = 0.003
#: Longest pause between tries to record results while the store is unreachable.
_MAX_RECORD_PAUSE = 10.0
_WAKE = "wake"

#: (session, claimed rows, now) -> the rows still to send.
Screen = Callable[[Session, Sequence[Notification], datetime], list[Notification]]


class Pipeline:
    """Claims into the lanes, records out of them; a context that runs the lanes.

    Parameters
    ----------
    sessions:
        Sessions on the store.
    channels, decide, clock:
        For the lanes (see :class:`services.deliverer.lanes.Lanes`).
    lease:
        How long a claimed row is kept from other deliverers; rows not sent
        within half of it are handed back.
    concurrency:
        Sender lanes.
    stopping:
        Once set, the lanes hand back what they have not sent yet.
    screen:
        Called in each claim's transaction with the claimed rows; returns those
        to send (the suppression list's check, see `services.deliverer.screening`).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Mapping[str, Channel],
        decide: Decide,
        clock: Clock,
        *,
        lease: timedelta,
        concurrency: int,
        stopping: threading.Event,
        screen: Screen | None = None,
    ) -> None:
        self._sessions = sessions
        self._screen = screen
        self._clock = clock
        self._lease = lease
        self._inbox: queue.SimpleQueue[Done | Crash | str] = queue.SimpleQueue()
        self._concurrency = concurrency
        self._lanes = Lanes(concurrency, channels, decide, clock, stopping, self._inbox.put)
        #: Jobs handed to the lanes whose result has not been taken yet.
        self.outstanding = 0
        #: Results taken that were attempts (not hand-backs).
        self.tried = 0
        #: Set by :meth:`wake` (a NOTIFY), cleared by whoever acts on it.
        self.woken = False
        #: Sends are recorded on a connection kept for it (see :meth:`_write`).
        self._engine = getattr(sessions, "kw", {}).get("bind")
        self._connection: Connection | None = None

    def __enter__(self) -> Pipeline:
        self._lanes.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Nothing is left in flight unless something failed; then nothing more is
        # sent, as if the process had stopped here.
        try:
            self._lanes.close(abort=True)
        finally:
            self._release_connection(broken=False)

    def wake(self) -> None:
        """New rows may be due (called from the listener's thread)."""
        self._inbox.put(_WAKE)

    def claim(self, limit: int) -> int:
        """Claim up to ``limit`` due rows into the lanes; how many."""
        now = self._clock()
        lease_until = now + self._lease
        with self._sessions.begin() as session:
            claimed = claims.claim(session, now, lease_until, limit)
            rows = self._screen(session, claimed, now) if claimed and self._screen else claimed
        release_after = lease_until - self._lease / 2
        for row in rows:
            self._lanes.submit(Job(row, lease_until, release_after))
        self.outstanding += len(rows)
        return len(claimed)

    def step(self, timeout: float) -> None:
        """Record what the lanes reported, waiting up to ``timeout`` seconds for it;
        then raise what a lane failed with, if one did."""
        done, failure = self._take(timeout)
        self.record(done)
        if failure is not None:
            raise failure

    def _take(self, timeout: float) -> tuple[list[Done], BaseException | None]:
        """What the lanes reported, waiting up to ``timeout`` seconds for a first item,
        then up to ``LINGER`` more for the other busy lanes' (fewer, larger commits).
        A wake-up sets :attr:`woken`."""
        items: list[Done | Crash | str] = []
        try:
            first = self._inbox.get(timeout=timeout) if timeout > 0 else self._inbox.get_nowait()
            items.append(first)
            enough = min(self._concurrency, self.outstanding)
            until = time.monotonic() + LINGER
            while len(items) < enough:
                left = until - time.monotonic()
                items.append(
                    self._inbox.get(timeout=left) if left > 0 else self._inbox.get_nowait()
                )
        except queue.Empty:
            pass
        done: list[Done] = []
        failure: BaseException | None = None
        for item in items:
            if isinstance(item, Crash):
                self.outstanding -= 1  # its row waits out its lease
                failure = failure or item.error
            elif isinstance(item, Done):
                done.append(item)
            else:
                self.woken = True
        self.outstanding -= len(done)
        self.tried += sum(1 for item in done if item.result.outcome != "released")
        return done, failure

    def record(self, done: Sequence[Done]) -> None:
        """Write the results down in one transaction, waiting out a short store outage
        while the earliest lease lasts: the messages have gone out."""
        if not done:
            return
        results = [item.result for item in done]
        try:
            applied, vanished = self._with_patience(results)
        finally:
            for item in done:
                item.job.recorded.set()
        for result in results:
            _log(result, result.notification.id in applied, result.notification.id in vanished)

    def _write(self, results: Sequence[Result]) -> tuple[set[int], set[int]]:
        """One transaction. Sends alone (nearly always) go on the kept connection, in
        statements written for the driver: a session, a pooled connection and
        compiled statements per record were most of a record's CPU, and with one
        sender lane each record holds up the next message."""
        if self._engine is None or not records.only_sends(results):
            with self._sessions.begin() as session:
                return records.record(session, results, self._clock())
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            with self._connection.begin():
                return records.record_sends(self._connection, results, self._clock())
        except DBAPIError:
            self._release_connection(broken=True)  # the server may have restarted
            raise

    def _release_connection(self, *, broken: bool) -> None:
        """Give the kept connection back to the pool; a ``broken`` one is discarded,
        so the next record opens a new one."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if broken:
                connection.invalidate()
            connection.close()
        except Exception:
            log.debug("closing the record connection failed", exc_info=True)

    def _with_patience(self, results: Sequence[Result]) -> tuple[set[int], set[int]]:
        pause = 0.5
        earliest = min(result.lease_until for result in results)
        budget = time.monotonic() + max(0.0, (earliest - self._clock()).total_seconds())
        while True:
            try:
                return self._write(results)
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + pause >= budget:
                    raise
                log.warning("store unavailable while recording sends; retrying",
                            error=str(exc).splitlines()[0][:200], retry_in=pause)  # fmt: skip
                time.sleep(pause)
                pause = min(pause * 2, _MAX_RECORD_PAUSE)


def _log(result: Result, applied: bool, vanished: bool) -> None:
    fields = log_fields(result.notification)
    if result.outcome == "released":
        log.debug("notification handed back unsent", why=result.reason, **fields)
    elif vanished:
        log.warning("notification vanished while being sent", outcome=result.outcome, **fields)
    elif not applied:
        # Decided elsewhere meanwhile (an operator; a deliverer after our lease ran out).
        log.warning("notification no longer pending; result not applied",
                    outcome=result.outcome, **fields)  # fmt: skip
    elif result.outcome == "sent":
        log.info("notification sent", attempts=result.attempts, **fields)
    elif result.outcome == "retry":
        assert result.due_at is not None
        log.warning(
            "delivery failed, will retry",
            reason=mask_personal_data(result.reason or ""),
            attempts=result.attempts,
            next_attempt_at=result.due_at.isoformat(),
            **fields,
        )
    else:
        log.error("notification failed", reason=mask_personal_data(result.reason or ""),
                  attempts=result.attempts, **fields)  # fmt: skip
