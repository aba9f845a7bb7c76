"""The deliverer alone: messages/s, CPU per message, idle CPU and first-message latency.

Per store (SQLite, PostgreSQL), in a throwaway store, with the minimal SMTP server
of ``bench/_smtp_sink.py`` in a child process (it accepts everything and reports
each message, so it costs the measured process nothing):

1. the real deliverer (`run_deliverer`, what `aftersale deliverer` runs, without the
   command line's broker check) is started in a child process (this file with
   `--deliverer`) and warmed up with one message;
2. idle: its CPU over `--idle` seconds with nothing to send, as % of one core
   (from /proc, in clock ticks of 10 ms: 0.05 % resolution over 20 s);
3. first message after idle: one row inserted (and signalled, where the store has
   an outbox signal), time until the SMTP server has it, `--probes` times;
4. burst: N pending notifications (a few per recipient) inserted in one transaction;
   from the commit until the SMTP server accepted the N-th and the store shows all
   sent: messages/s and the deliverer's CPU ms per message. Checks: every message
   exactly once, each recipient's messages in creation order. Also the CPU of its
   main thread (claims, records, logs) and of the others (the senders).

Usage: python bench/deliverer.py [--count N] [--store sqlite|postgresql|both] [--runs R]
       [--env AFTERSALE_DELIVERER_CONCURRENCY=1] [--profile PATH]
It needs, for the PostgreSQL part, a server where the user may create databases
(`--pg-url`, default `$AFTERSALE_TEST_DATABASE_URL` or postgres@127.0.0.1/test).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Give up on any wait after this many seconds.
TIMEOUT = 600.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# --------------------------------------------------------------------------- SMTP sink


@dataclass
class Sink:
    """The child SMTP server and what it reported."""

    process: subprocess.Popen[str]
    port: int
    received: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def arrival_of(self, key: str) -> float | None:
        with self.lock:
            return next((at for at, _r, k in self.received if k == key), None)


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    """``bench/_smtp_sink.py`` in a child process, its JSON lines read from its stdout."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_smtp_sink.py")), "--out", "/dev/stdout"],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().split()  # "listening <host> <port>"
        sink = Sink(process, int(first[2]))

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                record = json.loads(line)
                with sink.lock:
                    sink.received.append((record["at"], record["to"][0], record["key"]))

        threading.Thread(target=read, daemon=True).start()
        yield sink
    finally:
        process.terminate()
        process.wait(timeout=30)


# --------------------------------------------------------------------------- store


def insert_pending(url: str, keys_and_recipients: list[tuple[str, str]]) -> float:
    """Insert pending email notifications in one transaction; the commit time (time.time())."""
    from sqlalchemy import insert

    from services.runtime.store.engine import build_engine, session_factory
    from services.runtime.store.models import Notification

    now = datetime.now(UTC)
    rows = [
        {
            "idempotency_key": key, "shop_id": "shop-42", "kind": "order_confirmation",
            "channel": "email", "recipient": recipient, "status": "pending",
            "content": _content(n), "created_at": now, "next_attempt_at": now,
            "attempts": 0, "locale": "pl", "order_id": f"ORD-{n}",
        }
        for n, (key, recipient) in enumerate(keys_and_recipients)
    ]  # fmt: skip
    engine = build_engine(url, pooled=False)
    try:
        with session_factory(engine).begin() as session:
            for start in range(0, len(rows), 1000):
                session.execute(insert(Notification), rows[start : start + 1000])
            _signal(session)
        return time.time()
    finally:
        engine.dispose()


def _signal(session: Any) -> None:
    """Wake the deliverers, where the store has a signal for that (after this commit).

    Older trees have none: the benchmark also measures those, for comparison.
    """
    try:
        from services.runtime.store import outbox_signal
    except ImportError:
        return
    outbox_signal.notify_outbox(session)


def _content(n: int) -> dict[str, Any]:
    items = "".join(f"<li>Czajnik elektryczny 2200 W × {k + 1} — 189,99 zł</li>" for k in range(3))
    return {
        "subject": f"Potwierdzenie zamówienia ORD-{n} — dziękujemy!",
        "text": (
            f"Dzień dobry,\n\ndziękujemy za zamówienie ORD-{n}. Wyślemy je do 25 listopada"
            " 2026, a dostawa przewidziana jest na 27 listopada 2026.\n\n"
            + "Czajnik elektryczny 2200 W × 1 — 189,99 zł\n" * 3
            + "\nRazem: 569,97 zł\n\nZespół sklepu\n"
        ),
        "html": (
            f"<p>Dzień dobry,</p><p>dziękujemy za zamówienie <b>ORD-{n}</b>.</p><ul>{items}</ul>"
        ),
        "unsubscribe_url": (f"https://shop.example/u?t={'x' * 80}{n}" if n % 3 == 0 else None),
    }


def statuses(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from services.runtime.store.engine import build_engine, session_factory
    from services.runtime.store.models import Notification

    engine = build_engine(url, pooled=False)
    try:
        with session_factory(engine)() as session:
            query = select(Notification.status, func.count()).group_by(Notification.status)
            return {status: int(n) for status, n in session.execute(query).all()}
    finally:
        engine.dispose()


@contextlib.contextmanager
def throwaway_store(kind: str, pg_url: str) -> Iterator[str]:
    """A fresh, empty store URL: a temporary SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="aftersale-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"aftersale_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- deliverer


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the main thread (claims, records, logs) and of the others (senders)."""
    totals: dict[str, float] = defaultdict(float)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = "main" if task.name == str(pid) else "senders"
        totals[name] += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return totals


@contextlib.contextmanager
def running_deliverer(url: str, port: int, log: Path, extra: dict[str, str]) -> Iterator[int]:
    env = {
        **os.environ,
        "AFTERSALE_DATABASE_URL": url,
        "AFTERSALE_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "AFTERSALE_LOG_FORMAT": "json",
        "AFTERSALE_LOG_LEVEL": os.environ.get("AFTERSALE_LOG_LEVEL", "info"),
        **extra,
    }
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, __file__, "--deliverer"],
            cwd=ROOT, env=env, stdout=sink, stderr=sink,
        )  # fmt: skip
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if code != 0:
            tail = log.read_text(errors="replace")[-3000:]
            print(f"deliverer exited with {code}; its log ends:\n{tail}", file=sys.stderr)


def _deliverer_main() -> int:
    """What `aftersale deliverer` runs, without the rest of the command line's imports."""
    from services.deliverer.runner import run_deliverer
    from services.runtime.logging import configure_logging
    from services.runtime.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    run_deliverer(settings, stop)
    return 0


def wait_for(condition: Any, what: str, timeout: float = TIMEOUT, pause: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(pause)


@dataclass
class RunResult:
    rate: float
    cpu_ms: float
    idle_percent: float
    first_ms: list[float]
    duplicates: int
    out_of_order: int
    threads: dict[str, float]


def one_run(store: str, url: str, args: argparse.Namespace, folder: Path) -> RunResult:
    from services.runtime.store.migrate import upgrade

    upgrade(url)
    extra = dict(item.split("=", 1) for item in args.env)
    with smtp_sink() as sink, running_deliverer(url, sink.port, folder / "deliverer.log",
                                                 extra) as pid:  # fmt: skip
        insert_pending(url, [("warmup", "warm@example.com")])
        wait_for(lambda: sink.count() >= 1, "the warm-up message", timeout=60)
        wait_for(lambda: statuses(url).get("pending", 0) == 0, "the warm-up record", pause=0.05)
        time.sleep(1.0)  # let it reach its idle state before the idle measurement starts
        before = cpu_seconds(pid)
        time.sleep(args.idle)
        idle_percent = (cpu_seconds(pid) - before) / args.idle * 100

        first_ms = []
        for probe in range(args.probes):
            key = f"probe-{probe}"
            committed = insert_pending(url, [(key, f"probe{probe}@example.com")])
            wait_for(lambda k=key: sink.arrival_of(k) is not None, "a probe", timeout=60)
            first_ms.append(((sink.arrival_of(key) or 0) - committed) * 1000)
            # A random pause, so probes do not lock onto the deliverer's poll phase.
            time.sleep(args.probe_pause * random.uniform(0.5, 1.5))

        already = sink.count()
        recipients = max(1, args.count // args.per_recipient)
        burst = [(f"bench-{n:06d}:order_confirmation", f"c{n % recipients}@example.com")
                 for n in range(args.count)]  # fmt: skip
        profiler = None
        if args.profile:
            profiler = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid),
                 "-r", "250", "-f", "raw", "-o", f"{args.profile}.{store}.txt"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1.0)  # py-spy attaches
        cpu_before, threads_before = cpu_seconds(pid), thread_cpu(pid)
        start = insert_pending(url, burst)
        wait_for(lambda: sink.count() >= already + args.count, "the burst", pause=0.005)
        wait_for(lambda: statuses(url).get("pending", 0) == 0, "the records", pause=0.01)
        finish = time.time()
        cpu = cpu_seconds(pid) - cpu_before
        threads = {name: seconds - threads_before.get(name, 0.0)
                   for name, seconds in thread_cpu(pid).items()}  # fmt: skip
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        with sink.lock:
            received = list(sink.received[already:])
    keys = [key for _at, _r, key in received]
    duplicates = len(keys) - len(set(keys))
    last: dict[str, int] = defaultdict(lambda: -1)
    out_of_order = 0
    for _at, rcpt, key in received:
        n = int(key.split("-")[1].split(":")[0])
        if n < last[rcpt]:
            out_of_order += 1
        last[rcpt] = max(last[rcpt], n)
    return RunResult(
        rate=args.count / (finish - start),
        cpu_ms=cpu * 1000 / args.count,
        idle_percent=idle_percent,
        first_ms=first_ms,
        duplicates=duplicates,
        out_of_order=out_of_order,
        threads={name: seconds * 1000 / args.count for name, seconds in threads.items()},
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliverer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=2000, help="messages of the burst")
    parser.add_argument("--per-recipient", type=int, default=4, help="messages per recipient")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle measured")
    parser.add_argument("--probes", type=int, default=5, help="first-after-idle samples")
    parser.add_argument("--probe-pause", type=float, default=2.0, help="idle between probes")
    parser.add_argument("--profile", metavar="PATH",
                        help="py-spy the deliverer during the burst into PATH.<store>.txt "
                        "(raw stacks); slows it down, so its figures are not to quote")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment of the deliverer, e.g. "
                        "AFTERSALE_DELIVERER_CONCURRENCY=1")  # fmt: skip
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "AFTERSALE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    if args.deliverer:
        return _deliverer_main()

    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    print(f"cpus {os.cpu_count()} | N={args.count}, {args.per_recipient} per recipient, "
          f"R={args.runs} | env {' '.join(args.env) or '-'}")  # fmt: skip
    failed = False
    for store in stores:
        results = []
        for run in range(args.runs):
            with throwaway_store(store, args.pg_url) as url, \
                    tempfile.TemporaryDirectory(prefix="aftersale-bench-") as folder:  # fmt: skip
                result = one_run(store, url, args, Path(folder))
            results.append(result)
            firsts = " ".join(f"{ms:.0f}" for ms in result.first_ms)
            print(f"  {store} run {run + 1}: {result.rate:.0f} msg/s, {result.cpu_ms:.2f} ms "
                  f"CPU/msg, idle {result.idle_percent:.2f} % of a core, first after idle "
                  f"[{firsts}] ms, duplicates {result.duplicates}, "
                  f"out of order {result.out_of_order}")  # fmt: skip
            by_thread = ", ".join(f"{name} {ms:.2f}" for name, ms in
                                  sorted(result.threads.items()) if ms >= 0.005)  # fmt: skip
            print(f"    CPU ms/msg by thread: {by_thread}")
            failed |= bool(result.duplicates or result.out_of_order)
        print(f"== {store}: medians over {args.runs} run(s): "
              f"{median([r.rate for r in results]):.0f} msg/s, "
              f"{median([r.cpu_ms for r in results]):.2f} ms CPU/msg, "
              f"idle {median([r.idle_percent for r in results]):.2f} % of a core, "
              f"first after idle p50 "
              f"{median([median(r.first_ms) for r in results]):.0f} ms, max "
              f"{max(max(r.first_ms) for r in results):.0f} ms")  # fmt: skip
    if failed:
        print("FAILED: a message was sent twice or out of order", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
