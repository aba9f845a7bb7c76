"""Durable timers at scale: scheduling rate, firing lateness and scheduler memory, with
dramatiq's own `delay=` measured in the same run for comparison.

In a throwaway RabbitMQ vhost and a throwaway store (PostgreSQL by default):

scheduling  `--pending` timers (default 1,000,000) due uniformly over the next 30 days
            (none within the first hour, so none fires during the run) are inserted with
            SQLAlchemy core `insert(Timer)` in chunks; result: timers/s. The store is
            then ANALYZEd, as autovacuum would do within a minute.
firing      The real `Scheduler` (tick 100 ms, batch 500) runs in a child process
            routing to the queue `bench.timers`; meanwhile `--near` timers (default
            2,000), each due 1–10 s after its insert, are inserted one per transaction,
            one every 5 ms. A plain pika consumer here reads the dramatiq messages
            ({"args": [timer_id, version]}); lateness = receive time − due_at. Reported:
            p50/p99/max lateness, received/duplicates/missing, and the scheduler's peak
            RSS (VmHWM of its own process, read as it exits). "Fire lag" is the
            scheduler's tick stamp in the message − due_at: waiting for a tick, without
            the delivery. Done with `--small` (10,000) pending and then with
            `--pending`, `--runs` times each, to show that lateness and memory are flat
            in the number pending. At the end every far-future timer must still be
            pending.
dramatiq    A `dramatiq.Worker` in a child process (8 threads); 20,000 messages sent
            with `delay=` 1 h, then 200 with 1–5 s. Lateness of the short ones (actor
            start − intended time) within a 120 s cap, and the worker's peak RSS. Once
            with dramatiq's defaults (delay prefetch = 1,000 per thread) and once with
            the delay prefetch raised above the backlog (everything held in memory).

Target (issue 4): p99 lateness under 1 s plus the tick with a million pending; memory
flat in the number pending.
Usage: python bench/timers.py [--pending 1000000] [--near 2000] [--store postgresql|sqlite]
                              [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import pika
import sqlalchemy
from _support import (
    Management,
    median,
    percentile,
    postgres_version,
    throwaway_store,
    throwaway_vhost,
)
from _timers_support import ChildFailed, dramatiq_child, scheduler_child
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from sqlalchemy import Engine, func, insert, select, text

from services.runtime import topology
from services.runtime.logging import configure_logging
from services.runtime.store.engine import build_engine
from services.runtime.store.migrate import upgrade
from services.runtime.store.models import Timer

KIND = "bench"
SHOP = "bench-shop"
TIMER_QUEUE = "bench.timers"
TIMER_ACTOR = "bench.on_timer"
TICK_MS = 100
BATCH_SIZE = 500
CHUNK = 20_000
HORIZON = timedelta(days=30)
#: Pending timers are due no earlier than this, so none fires during the run.
PENDING_NOT_BEFORE = timedelta(hours=1)
NEAR_DUE_S = (1.0, 10.0)
NEAR_EVERY_S = 0.005
#: The issue's target: p99 lateness under 1 s plus the tick.
TARGET_P99_MS = 1000 + TICK_MS
#: Time the consumer keeps listening after the last near timer arrived, for duplicates.
DUPLICATE_GRACE_S = 1.0

DELAY_QUEUE = "bench.delay"
DELAY_ACTOR = "bench.delayed"
DRAMATIQ_THREADS = 8
LONG_DELAY_MS = 3_600_000
SHORT_DELAY_MS = (1_000, 5_000)
DRAMATIQ_CAP_S = 120.0


def mib(kib: float) -> float:
    return kib / 1024


# --------------------------------------------------------------------------- scheduling


def schedule_pending(engine: Engine, first: int, count: int, seed: int) -> float:
    """Insert timers `first`…`first+count-1`, due uniformly over the horizon; seconds taken.

    Row building is inside the clock: it is part of scheduling from Python.
    """
    rng = random.Random(seed)
    span = (HORIZON - PENDING_NOT_BEFORE).total_seconds()
    start = time.perf_counter()
    now = datetime.now(UTC)
    base = now + PENDING_NOT_BEFORE
    for offset in range(first, first + count, CHUNK):
        rows = [
            {
                "shop_id": f"shop-{i % 97}",
                "kind": KIND,
                "subject_id": f"pending-{i}",
                "due_at": base + timedelta(seconds=rng.uniform(0, span)),
                "state": "pending",
                "version": 1,
                "payload": {"ticket_id": f"T-{i}", "level": 1 + i % 3},
                "created_at": now,
            }
            for i in range(offset, min(offset + CHUNK, first + count))
        ]
        with engine.begin() as connection:
            connection.execute(insert(Timer), rows)
    return time.perf_counter() - start


def analyze(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("ANALYZE timers"))


def claim_plan(engine: Engine) -> str:
    """How the store runs the query of `timers.claim_due` (EXPLAIN, condensed to one line)."""
    where = "state = 'pending' AND due_at <= :now ORDER BY due_at, id LIMIT :limit"
    params = {"now": datetime.now(UTC).isoformat(sep=" "), "limit": BATCH_SIZE}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = f"EXPLAIN QUERY PLAN SELECT * FROM timers WHERE {where}"
            return " > ".join(row[-1] for row in connection.execute(text(query), params))
        query = f"EXPLAIN SELECT * FROM timers WHERE {where} FOR UPDATE SKIP LOCKED"
        lines = [row[0] for row in connection.execute(text(query), params)]
    nodes = [line.strip().lstrip("-> ").split("  (")[0] for line in lines]
    return " > ".join(n for n in nodes if n and not n.startswith(("Sort Key", "Presorted")))


def count_by_state(engine: Engine, prefix: str) -> dict[str, int]:
    query = (
        select(Timer.state, func.count())
        .where(Timer.subject_id.startswith(prefix))
        .group_by(Timer.state)
    )
    with engine.connect() as connection:
        return {state: n for state, n in connection.execute(query).all()}


# --------------------------------------------------------------------------- firing


class TimerConsumer:
    """Plain pika on `bench.timers`: (timer_id, version, fired_ms, received_s) per message."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[tuple[int, int, int, float]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.consuming = threading.Event()
        self.thread = threading.Thread(target=self._run, name="timer-consumer", daemon=True)

    def __enter__(self) -> TimerConsumer:
        self.thread.start()
        if not self.consuming.wait(30):
            raise RuntimeError(f"consumer did not start: {self.error!r}")
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)

    def _on_message(self, channel: Any, method: Any, _props: Any, body: bytes) -> None:
        at = time.time()
        message = json.loads(body)
        timer_id, version = message["args"]
        self.received.append((timer_id, version, message["message_timestamp"], at))
        channel.basic_ack(method.delivery_tag)

    def _run(self) -> None:
        try:
            with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
                channel = connection.channel()
                topology.declare(channel, (TIMER_QUEUE,))
                channel.basic_qos(prefetch_count=1000)
                channel.basic_consume(TIMER_QUEUE, self._on_message)
                self.consuming.set()
                while not self.stop.is_set():
                    connection.process_data_events(time_limit=0.05)
        except BaseException as exc:
            self.error = exc
            raise


@dataclass
class FiringRun:
    pending: int
    near: int
    lateness_ms: list[float]  # receive − due_at, first receipt of each near timer
    fire_lag_ms: list[float]  # the scheduler's tick stamp − due_at (ms resolution)
    received: int
    duplicates: int
    missing: int
    unexpected: int  # messages for timers that are not near ones of this run
    rss_ready_mib: float
    rss_peak_mib: float
    cpu_s: float
    ticks: int

    def p(self, q: float) -> float:
        return percentile(self.lateness_ms, q) if self.lateness_ms else float("nan")


def insert_near(engine: Engine, count: int, tag: str, seed: int) -> dict[int, float]:
    """`count` timers, each due 1–10 s after its insert, one per transaction every 5 ms."""
    rng = random.Random(seed)
    due: dict[int, float] = {}
    statement = insert(Timer).returning(Timer.id)
    start = time.monotonic()
    with engine.connect() as connection:
        for index in range(count):
            wait = start + index * NEAR_EVERY_S - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            now = datetime.now(UTC)
            due_at = now + timedelta(seconds=rng.uniform(*NEAR_DUE_S))
            with connection.begin():
                timer_id = connection.execute(
                    statement,
                    {
                        "shop_id": SHOP,
                        "kind": KIND,
                        "subject_id": f"near-{tag}-{index}",
                        "due_at": due_at,
                        "state": "pending",
                        "version": 1,
                        "payload": {"ticket_id": f"N-{index}"},
                        "created_at": now,
                    },
                ).scalar_one()
            due[timer_id] = due_at.timestamp()
    return due


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def measure_firing(
    args: argparse.Namespace,
    store_url: str,
    amqp_url: str,
    engine: Engine,
    pending: int,
    tag: str,
    seed: int,
) -> FiringRun:
    """One scheduler process, one stream of near timers, lateness as the consumer sees it."""
    child = scheduler_child(
        store_url,
        amqp_url,
        kind=KIND,
        queue=TIMER_QUEUE,
        actor=TIMER_ACTOR,
        tick_ms=TICK_MS,
        batch_size=BATCH_SIZE,
    )
    try:
        ready = child.expect("ready", 60)
        with TimerConsumer(amqp_url) as consumer:
            due = insert_near(engine, args.near, tag, seed)
            deadline = time.monotonic() + NEAR_DUE_S[1] + 60
            wait_until(
                lambda: (
                    len({r[0] for r in consumer.received} & due.keys()) == len(due)
                    or child.process.poll() is not None
                ),
                deadline,
                "the near timers",
            )
            time.sleep(DUPLICATE_GRACE_S)
        if child.process.poll() is not None:
            raise ChildFailed(f"the scheduler exited with {child.process.returncode}")
        final = child.stop()
    finally:
        child.close()
    if consumer.error is not None:
        raise RuntimeError(f"consumer failed: {consumer.error!r}")
    first: dict[int, tuple[int, float]] = {}
    duplicates = unexpected = 0
    for timer_id, _version, fired_ms, at in consumer.received:
        if timer_id not in due:
            unexpected += 1
        elif timer_id in first:
            duplicates += 1
        else:
            first[timer_id] = (fired_ms, at)
    return FiringRun(
        pending=pending,
        near=len(due),
        lateness_ms=[(at - due[i]) * 1000 for i, (_f, at) in first.items()],
        fire_lag_ms=[fired - due[i] * 1000 for i, (fired, _a) in first.items()],
        received=len(first),
        duplicates=duplicates,
        missing=len(due) - len(first),
        unexpected=unexpected,
        rss_ready_mib=mib(ready["rss_kib"]),
        rss_peak_mib=mib(final["peak_rss_kib"]),
        cpu_s=final["cpu_s"],
        ticks=final["ticks"],
    )


# --------------------------------------------------------------------------- dramatiq delay=


@dataclass
class DelayRun:
    label: str
    delay_prefetch: int
    long: int
    short: int
    send_s: float  # seconds to send the long ones
    lateness_ms: list[float] = field(default_factory=list)  # short ones that arrived
    early_long: int = 0  # long ones that ran (must be 0)
    rss_ready_mib: float = 0.0
    rss_peak_mib: float = 0.0
    waited_s: float = 0.0

    @property
    def on_time(self) -> int:
        return sum(1 for ms in self.lateness_ms if ms <= TARGET_P99_MS)


def consumers_on(url: str, queues: Sequence[str]) -> bool:
    """True when every queue exists and has a consumer (passive declares)."""
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        for name in queues:
            try:
                channel = connection.channel()
                if channel.queue_declare(name, passive=True).method.consumer_count < 1:
                    return False
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                return False
    return True


def measure_delay(
    args: argparse.Namespace, amqp_url: str, label: str, delay_prefetch: int | None
) -> DelayRun:
    """dramatiq's `delay=`: long delays first, then short ones behind them."""
    child = dramatiq_child(
        amqp_url,
        queue=DELAY_QUEUE,
        actor=DELAY_ACTOR,
        threads=DRAMATIQ_THREADS,
        delay_prefetch=delay_prefetch,
    )
    # No publisher confirms here: sending is not what is measured, and one channel keeps
    # the order, so the short ones still queue up behind the long ones.
    broker = RabbitmqBroker(url=amqp_url, confirm_delivery=False)
    try:
        ready = child.expect("ready", 60)
        wait_until(
            lambda: consumers_on(amqp_url, (DELAY_QUEUE, f"{DELAY_QUEUE}.DQ")),
            time.monotonic() + 60,
            "the dramatiq worker's consumers",
        )

        def delayed(index: int, intended_ms: float) -> None:  # runs in the worker only
            raise AssertionError("not called here")

        actor = dramatiq.actor(
            delayed, broker=broker, actor_name=DELAY_ACTOR, queue_name=DELAY_QUEUE
        )
        start = time.perf_counter()
        for index in range(args.dramatiq_long):
            intended = time.time() * 1000 + LONG_DELAY_MS
            actor.send_with_options(args=(index, intended), delay=LONG_DELAY_MS)
        run = DelayRun(
            label,
            ready["delay_prefetch"],
            args.dramatiq_long,
            args.dramatiq_short,
            time.perf_counter() - start,
            rss_ready_mib=mib(ready["rss_kib"]),
        )
        rng = random.Random(7)
        intended_at: dict[int, float] = {}
        for index in range(args.dramatiq_long, args.dramatiq_long + args.dramatiq_short):
            delay = rng.randint(*SHORT_DELAY_MS)
            intended_at[index] = time.time() * 1000 + delay
            actor.send_with_options(args=(index, intended_at[index]), delay=delay)
        waited = time.monotonic()
        cap = waited + DRAMATIQ_CAP_S
        got: dict[int, float] = {}
        other: list[dict[str, Any]] = []
        while len(got) < len(intended_at) and time.monotonic() < cap:
            try:
                message = child.expect("got", cap - time.monotonic())
            except ChildFailed:
                if child.process.poll() is not None:
                    raise
                break
            if message["got"] in intended_at:
                got.setdefault(message["got"], message["at_ms"])
            else:
                run.early_long += 1
        run.waited_s = time.monotonic() - waited
        final = child.stop(other=other)
        run.early_long += sum(1 for m in other if "got" in m and m["got"] not in intended_at)
        run.rss_peak_mib = mib(final["peak_rss_kib"])
        run.lateness_ms = [at - intended_at[i] for i, at in got.items()]
        return run
    finally:
        broker.close()
        child.close()


# --------------------------------------------------------------------------- report


def table_row(name: str, cells: Sequence[str], first: int = 36, width: int = 20) -> str:
    return f"{name:<{first}}" + "".join(f"{cell:>{width}}" for cell in cells)


def ms_or_dash(values: Sequence[float], q: float) -> str:
    return f"{percentile(values, q):.0f}" if values else "-"


def report_firing(
    args: argparse.Namespace,
    rates: dict[int, float],
    plans: dict[int, str],
    firing: dict[int, list[FiringRun]],
) -> None:
    sizes = sorted(firing)
    runs = ", ".join(f"{len(firing[n])} with {n:,} pending" for n in sizes)
    print(f"\n== timers on {args.store}: medians over runs ({runs}) ==")
    print(table_row("", [f"{n:,} pending" for n in sizes]))
    print(table_row("scheduling rate timers/s", [f"{rates[n]:,.0f}" for n in sizes]))
    figures: list[tuple[str, str, Callable[[FiringRun], float]]] = [
        ("lateness p50 ms", ".0f", lambda r: r.p(50)),
        ("lateness p99 ms", ".0f", lambda r: r.p(99)),
        ("lateness max ms", ".0f", lambda r: r.p(100)),
        ("fire lag p99 ms (tick stamp - due)", ".0f", lambda r: percentile(r.fire_lag_ms, 99)),
        ("scheduler RSS at start MiB", ".1f", lambda r: r.rss_ready_mib),
        ("scheduler peak RSS MiB", ".1f", lambda r: r.rss_peak_mib),
        ("scheduler CPU s per run, with start", ".1f", lambda r: r.cpu_s),
    ]
    for name, spec, value in figures:
        print(table_row(name, [format(median([value(r) for r in firing[n]]), spec) for n in sizes]))

    def total(n: int, attribute: str) -> int:
        return sum(getattr(r, attribute) for r in firing[n])

    print(
        table_row(
            "received / near, all runs",
            [f"{total(n, 'received')}/{total(n, 'near')}" for n in sizes],
        )
    )
    print(
        table_row(
            "duplicates / missing / unexpected",
            [
                f"{total(n, 'duplicates')}/{total(n, 'missing')}/{total(n, 'unexpected')}"
                for n in sizes
            ],
        )
    )
    p99 = median([r.p(99) for r in firing[sizes[-1]]])
    clean = all(r.duplicates == r.missing == r.unexpected == 0 for n in sizes for r in firing[n])
    print(
        f"target p99 < {TARGET_P99_MS} ms with {sizes[-1]:,} pending: "
        f"{'met' if p99 < TARGET_P99_MS else 'NOT met'}; every near timer exactly once: "
        f"{'yes' if clean else 'NO'}"
    )
    print(f"claim query plan with {sizes[-1]:,} pending: {plans[sizes[-1]]}")
    print("per run:")
    for n in sizes:
        for index, r in enumerate(firing[n], 1):
            print(
                f"  {n:>9,} pending, run {index}: lateness p50/p99/max "
                f"{r.p(50):.0f}/{r.p(99):.0f}/{r.p(100):.0f} ms, received {r.received}/"
                f"{r.near}, dup {r.duplicates}, RSS {r.rss_ready_mib:.1f} -> "
                f"{r.rss_peak_mib:.1f} MiB, cpu {r.cpu_s:.1f} s, {r.ticks} ticks"
            )


def report_delays(delays: list[DelayRun]) -> None:
    first = delays[0]
    print(
        f"\n== dramatiq delay=: {first.long:,} x {LONG_DELAY_MS // 60_000} min, then "
        f"{first.short} x {SHORT_DELAY_MS[0] // 1000}-{SHORT_DELAY_MS[1] // 1000} s; worker "
        f"{DRAMATIQ_THREADS} threads; cap {DRAMATIQ_CAP_S:.0f} s; one run each =="
    )
    print(table_row("", [d.label for d in delays], width=30))
    rows: list[tuple[str, Callable[[DelayRun], str]]] = [
        ("delay-queue prefetch", lambda d: f"{d.delay_prefetch:,}"),
        ("short ones arrived", lambda d: f"{len(d.lateness_ms)}/{d.short}"),
        (f"on time (<= {TARGET_P99_MS} ms late)", lambda d: f"{d.on_time}/{d.short}"),
        ("lateness p50 ms", lambda d: ms_or_dash(d.lateness_ms, 50)),
        ("lateness p99 ms", lambda d: ms_or_dash(d.lateness_ms, 99)),
        ("lateness max ms", lambda d: ms_or_dash(d.lateness_ms, 100)),
        ("worker RSS at start MiB", lambda d: f"{d.rss_ready_mib:.1f}"),
        ("worker peak RSS MiB", lambda d: f"{d.rss_peak_mib:.1f}"),
        ("long ones sent, msg/s", lambda d: f"{d.long / d.send_s:,.0f}"),
        ("waited for the short ones, s", lambda d: f"{d.waited_s:.1f}"),
        ("long ones run early (must be 0)", lambda d: str(d.early_long)),
    ]
    for name, value in rows:
        print(table_row(name, [value(d) for d in delays], width=30))


# --------------------------------------------------------------------------- main


@contextmanager
def store(args: argparse.Namespace) -> Iterator[tuple[str, Engine]]:
    with throwaway_store(args.store, args.pg_url) as url:
        upgrade(url)
        engine = build_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def run_timers(
    args: argparse.Namespace,
) -> tuple[dict[int, float], dict[int, str], dict[int, list[FiringRun]]]:
    rates: dict[int, float] = {}
    plans: dict[int, str] = {}
    firing: dict[int, list[FiringRun]] = {}
    with store(args) as (store_url, engine), throwaway_vhost(args.management) as amqp_url:
        scheduled = 0
        for size, runs in ((args.small, args.runs), (args.pending, args.big_runs)):
            seconds = schedule_pending(engine, scheduled, size - scheduled, seed=size)
            rates[size] = (size - scheduled) / seconds
            print(
                f"scheduled {size - scheduled:,} timers in {seconds:.1f} s "
                f"({rates[size]:,.0f}/s); {size:,} pending",
                flush=True,
            )
            scheduled = size
            analyze(engine)
            plans[size] = claim_plan(engine)
            firing[size] = []
            for run in range(runs):
                result = measure_firing(
                    args, store_url, amqp_url, engine, size, f"{size}-{run}", seed=run
                )
                firing[size].append(result)
                print(
                    f"  {size:,} pending, run {run + 1}: p50/p99/max "
                    f"{result.p(50):.0f}/{result.p(99):.0f}/{result.p(100):.0f} ms, "
                    f"received {result.received}/{result.near}, peak RSS "
                    f"{result.rss_peak_mib:.1f} MiB",
                    flush=True,
                )
        states = count_by_state(engine, "pending-")
        if states != {"pending": args.pending}:
            raise RuntimeError(f"far-future timers changed state during the run: {states}")
    return rates, plans, firing


def run_delays(args: argparse.Namespace) -> list[DelayRun]:
    delays = []
    variants: list[tuple[str, int | None]] = [
        ("dramatiq defaults", None),
        ("delay prefetch raised", 65_535),
    ]
    for label, prefetch in variants:
        with throwaway_vhost(args.management) as amqp_url:
            run = measure_delay(args, amqp_url, label, prefetch)
        delays.append(run)
        print(
            f"  dramatiq {label}: {len(run.lateness_ms)}/{run.short} short ones arrived, "
            f"peak RSS {run.rss_peak_mib:.1f} MiB",
            flush=True,
        )
    return delays


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pending", type=int, default=1_000_000, help="far-future timers")
    parser.add_argument("--small", type=int, default=10_000, help="the small pending count")
    parser.add_argument("--near", type=int, default=2_000, help="near timers per run")
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--runs", type=int, default=3, help="runs per pending count")
    parser.add_argument(
        "--big-runs", type=int, help="runs with --pending pending (default: --runs)"
    )
    parser.add_argument("--dramatiq-long", type=int, default=20_000)
    parser.add_argument("--dramatiq-short", type=int, default=200)
    parser.add_argument("--no-dramatiq", action="store_true", help="skip the comparison")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "AFTERSALE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    if not 0 < args.small < args.pending:
        parser.error("need 0 < --small < --pending")
    args.big_runs = args.big_runs or args.runs
    args.management = Management()
    return args


def main() -> None:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so every `finally` removes what this run created.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configure_logging("warning")
    print(
        f"cpus {os.cpu_count()} | python {platform.python_version()} | pika {pika.__version__}"
        f" | dramatiq {dramatiq.__version__} | sqlalchemy {sqlalchemy.__version__}"
        f" | rabbitmq {args.management.version()}"
        + (f" | postgresql {postgres_version(args.pg_url)}" if args.store == "postgresql" else "")
    )
    print(
        f"store {args.store}; pending {args.small:,} then {args.pending:,} over 30 days; "
        f"{args.near:,} near timers per run (due in 1-10 s, one every "
        f"{NEAR_EVERY_S * 1000:.0f} ms); tick {TICK_MS} ms, batch {BATCH_SIZE}",
        flush=True,
    )
    started = time.monotonic()
    rates, plans, firing = run_timers(args)
    delays = [] if args.no_dramatiq else run_delays(args)
    report_firing(args, rates, plans, firing)
    if delays:
        report_delays(delays)
    print(f"\ntotal {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
