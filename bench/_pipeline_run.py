"""One measured run of bench/pipeline.py against a ready System: publish, watch the
sink, sample the processes and the queues, check exactly once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions
from _pipeline_events import Planned
from _pipeline_inbox import Inbox, Tally, percentile
from _pipeline_procs import CpuLedger, Watched, self_cpu
from _pipeline_publish import Publisher
from _pipeline_system import DEAD_LETTER_QUEUE, INGEST_QUEUE, BenchFailure, QueueProbe, System

#: Seconds between samples of /proc and of the queue depths.
SAMPLE_EVERY = 0.5
#: Seconds between reads of the management API: its statistics change every 5 s.
HELD_EVERY = 5.0
#: After the last expected email, how long to keep listening for duplicates.
GRACE = 2.0


class Monitor:
    """A thread sampling CPU, the `up` tree's RSS and the queue depths."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.watched = Watched(
            system.up.pid,
            pg_database=system.pg_database,
            extra={"smtp sink": system.sink.process.pid},
        )
        self.ledger = CpuLedger()
        self.peak_rss_kib = 0
        self.depths: list[tuple[float, int, int]] = []  # (unix time, ingest, workers)
        self.held: list[tuple[float, int, int]] = []  # the same, ready + unacknowledged
        self.bench_cpu = self_cpu()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def sample(self) -> None:
        self.peak_rss_kib = max(self.peak_rss_kib, self.watched.sample(self.ledger))
        self.ledger.see("benchmark (publisher, watcher)", 0, self.bench_cpu())

    def _run(self) -> None:
        queues = self.system.worker_queues
        try:
            connection = pika.BlockingConnection(pika.URLParameters(self.system.amqp_url))
        except pika.exceptions.AMQPError as exc:
            self.error = exc
            return
        try:
            probe, next_held = QueueProbe(connection), 0.0
            while not self._stop.wait(SAMPLE_EVERY):
                self.sample()
                state = probe.state((INGEST_QUEUE, *queues))
                workers = sum(state[name][0] for name in queues)
                self.depths.append((time.time(), state[INGEST_QUEUE][0], workers))
                if time.monotonic() >= next_held:
                    next_held = time.monotonic() + HELD_EVERY
                    self._sample_held(queues)
        except pika.exceptions.AMQPError as exc:
            self.error = exc
        finally:
            connection.close()

    def _sample_held(self, queues: tuple[str, ...]) -> None:
        """Ready + unacknowledged per queue, from the management API: what consumers
        have prefetched but not finished is not in a passive declaration's count."""
        try:
            messages = self.system.queue_messages()
        except OSError:
            return  # the management API is slow or away: a gap in the series
        workers = sum(messages.get(name, 0) for name in queues)
        self.held.append((time.time(), messages.get(INGEST_QUEUE, 0), workers))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()


@dataclass
class Outcome:
    """The raw facts of a run; figures are derived in bench/_pipeline_report.py."""

    mode: str
    events: int
    emails: int
    first_publish: float
    last_publish: float
    last_email: float
    latencies: list[tuple[float, float, str]]
    cpu: dict[str, float]
    peak_rss_kib: int
    depths: list[tuple[float, int, int]]
    held: list[tuple[float, int, int]]
    dead_letters: int
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _publish(system: System, stream: list[Planned], rate: float | None) -> dict[str, float]:
    return Publisher(system.amqp_url, stream, rate, check=system.check_alive).run()


def _wait_for_emails(
    system: System, inbox: Inbox, tally: Tally, timeout: float, stall: float
) -> None:
    deadline = time.monotonic() + timeout
    tally.last_progress = max(tally.last_progress, time.time())
    while True:
        tally.add(inbox.read_new())
        if tally.complete:
            return
        system.check_alive()
        waited = time.time() - tally.last_progress
        if time.monotonic() > deadline or waited > stall:
            why = (
                f"after {timeout:.0f}s"
                if time.monotonic() > deadline
                else f"no progress for {waited:.0f}s"
            )
            raise BenchFailure(
                f"emails missing {why}: {len(tally.arrived)} of {len(tally.expected)} arrived;"
                f" {'; '.join(tally.problems())}\n{system.diagnose()}"
            )
        time.sleep(0.1)


def measure(
    system: System, stream: list[Planned], rate: float | None, timeout: float, stall: float
) -> Outcome:
    """Publish `stream` (as fast as confirms allow, or at `rate` events/s), wait for every
    expected email, then check exactly once."""
    inbox, tally = Inbox(system.sink.records), Tally.of(stream)
    monitor = Monitor(system)
    monitor.start()
    try:
        published = _publish(system, stream, rate)
        publish_done = time.time()
        _wait_for_emails(system, inbox, tally, timeout, stall)
    finally:
        monitor.stop()
    # Keep listening a little: a duplicate would come now.
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline:
        tally.add(inbox.read_new())
        time.sleep(0.1)
    dead = _dead_letters(system)
    problems = tally.problems()
    if dead:
        problems.append(f"{dead} messages in {DEAD_LETTER_QUEUE}: see `aftersale dlq list`")
    latencies = tally.latencies(published)
    return Outcome(
        mode="steady" if rate else "burst",
        events=len(stream),
        emails=len(tally.expected),
        first_publish=min(published.values()),
        last_publish=publish_done,
        last_email=max(tally.arrived.values()) if tally.arrived else publish_done,
        latencies=latencies,
        cpu=monitor.ledger.used(),
        peak_rss_kib=monitor.peak_rss_kib,
        depths=monitor.depths,
        held=monitor.held,
        dead_letters=dead,
        problems=problems,
        extra={
            "accepted": tally.accepted,
            "monitor_error": repr(monitor.error) if monitor.error else None,
        },
    )


def _dead_letters(system: System) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(system.amqp_url))
    try:
        return QueueProbe(connection).state((DEAD_LETTER_QUEUE,))[DEAD_LETTER_QUEUE][0]
    finally:
        connection.close()


def measure_idle(
    system: System, warmup: list[Planned], settle: float, seconds: float, timeout: float
) -> dict[str, Any]:
    """With no traffic: % of one core used by the `up` tree over `seconds`, after a few
    events have gone all the way through and `settle` seconds have passed."""
    inbox, tally = Inbox(system.sink.records), Tally.of(warmup)
    _publish(system, warmup, None)
    _wait_for_emails(system, inbox, tally, timeout, timeout)
    time.sleep(settle)  # not a synchronisation: the idle state is what we measure
    system.check_alive()
    watched = Watched(system.up.pid, broker=False)
    ledger = CpuLedger()
    watched.sample(ledger)
    started = time.monotonic()
    end = started + seconds
    while time.monotonic() < end:
        # Sampling every second keeps a restarted component's time from being lost.
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        watched.sample(ledger)
    wall = time.monotonic() - started
    system.check_alive()
    used = ledger.used()
    return {
        "mode": "idle",
        "seconds": wall,
        "tree_percent": 100 * sum(used.values()) / wall,
        "roles_percent": {role: 100 * s / wall for role, s in sorted(used.items())},
        "problems": tally.problems(),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values, default=float("nan")),
    }
