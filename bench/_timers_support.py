"""Child processes for bench/timers.py: the scheduler and a dramatiq worker.

Each runs alone in its own process, so its peak RSS is its own. Run as
`python bench/_timers_support.py scheduler|dramatiq-worker ...`; it speaks to
the benchmark in JSON lines on stdout (logs go to stderr):

- `{"ready": true, "rss_kib": …}` once it is running;
- `{"got": index, "at_ms": …}` per message the dramatiq actor handles;
- `{"stopped": true, "peak_rss_kib": …, "cpu_s": …, …}` after SIGTERM, just before it exits.

`Child` is the benchmark's side of that conversation. Nothing here measures
lateness; the benchmark does.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

_emit_lock = threading.Lock()


def emit(message: dict[str, Any]) -> None:
    """One JSON line on stdout (thread-safe: the dramatiq actor runs in several threads)."""
    line = json.dumps(message, separators=(",", ":")) + "\n"
    with _emit_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def proc_status_kib(pid: int | str, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), in KiB; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _final_report(**extra: Any) -> dict[str, Any]:
    """Peak RSS and CPU of this process, read just before it exits.

    The peak is VmHWM of this process's own address space: `ru_maxrss` would not do, as
    Linux carries the high-water mark of the pre-exec address space across `execve`, i.e.
    the benchmark's own RSS at the moment it started the child.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "stopped": True,
        "peak_rss_kib": proc_status_kib("self", "VmHWM"),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        **extra,
    }


def _stop_on_sigterm() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


# --------------------------------------------------------------------------- children


def run_scheduler(args: argparse.Namespace) -> None:
    """The real `Scheduler`, routing the one bench kind to the bench queue."""
    from services.runtime.logging import configure_logging
    from services.runtime.store.engine import build_engine, session_factory
    from services.runtime.workers import ActorRef
    from services.scheduler.scheduler import Scheduler

    configure_logging("warning")
    stop = _stop_on_sigterm()
    engine = build_engine(args.store_url)
    scheduler = Scheduler(
        amqp_url=args.amqp_url,
        sessions=session_factory(engine),
        tick=timedelta(milliseconds=args.tick_ms),
        batch_size=args.batch_size,
        routes={args.kind: ActorRef(args.queue, args.actor)},
    )

    def announce() -> None:
        while not scheduler.ready.wait(0.05):
            if stop.is_set():
                return
        emit({"ready": True, "rss_kib": proc_status_kib("self", "VmRSS")})

    threading.Thread(target=announce, daemon=True).start()
    try:
        scheduler.run(stop)
    finally:
        engine.dispose()
    stats = scheduler.stats
    emit(_final_report(fired=stats.fired, ticks=stats.ticks, unroutable=stats.unroutable))


def run_dramatiq_worker(args: argparse.Namespace) -> None:
    """A plain `dramatiq.Worker` with one actor that reports when each message ran.

    The delay-queue prefetch is dramatiq's own (`worker_threads * 1000`) unless the
    environment variable `dramatiq_delay_queue_prefetch` says otherwise.
    """
    import dramatiq
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    from services.runtime.logging import configure_logging

    configure_logging("warning")
    stop = _stop_on_sigterm()
    broker = RabbitmqBroker(url=args.amqp_url, confirm_delivery=True)

    def on_message(index: int, intended_ms: float) -> None:
        emit({"got": index, "at_ms": time.time() * 1000})

    dramatiq.actor(
        on_message, broker=broker, actor_name=args.actor, queue_name=args.queue, max_retries=0
    )
    worker = dramatiq.Worker(broker, worker_threads=args.threads)
    worker.start()
    emit(
        {
            "ready": True,
            "rss_kib": proc_status_kib("self", "VmRSS"),
            "delay_prefetch": worker.delay_prefetch,
            "queue_prefetch": worker.queue_prefetch,
        }
    )
    stop.wait()
    worker.stop(timeout=10_000)
    broker.close()
    emit(_final_report())


# --------------------------------------------------------------------------- parent side


class ChildFailed(RuntimeError):
    """A child process died or did not answer in time."""


class Child:
    """A child process of this file, its JSON lines collected by a reader thread."""

    def __init__(self, role: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.role = role
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), role, *argv],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, name=f"{role}-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.strip()
            if line.startswith("{"):
                self.messages.put(json.loads(line))
        self.messages.put(None)  # end of output

    def expect(
        self, key: str, timeout: float, other: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The next message carrying `key`; earlier ones go to `other` (if given)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildFailed(f"{self.role}: no {key!r} message within {timeout:.0f}s")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise ChildFailed(
                    f"{self.role} exited with {self.process.wait()} before a {key!r} message"
                )
            if key in message:
                return message
            if other is not None:
                other.append(message)

    def stop(
        self, timeout: float = 60.0, other: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """SIGTERM, then its final report (peak RSS, CPU, counters)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            report = self.expect("stopped", timeout, other)
        finally:
            self.close()
        return report

    def close(self) -> None:
        """Make sure the process is gone (kill it if it does not stop)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)


def scheduler_child(
    store_url: str,
    amqp_url: str,
    *,
    kind: str,
    queue: str,
    actor: str,
    tick_ms: int,
    batch_size: int,
) -> Child:
    return Child(
        "scheduler",
        [
            f"--store-url={store_url}",
            f"--amqp-url={amqp_url}",
            f"--kind={kind}",
            f"--queue={queue}",
            f"--actor={actor}",
            f"--tick-ms={tick_ms}",
            f"--batch-size={batch_size}",
        ],
    )


def dramatiq_child(
    amqp_url: str, *, queue: str, actor: str, threads: int, delay_prefetch: int | None
) -> Child:
    env = {} if delay_prefetch is None else {"dramatiq_delay_queue_prefetch": str(delay_prefetch)}
    return Child(
        "dramatiq-worker",
        [f"--amqp-url={amqp_url}", f"--queue={queue}", f"--actor={actor}", f"--threads={threads}"],
        env=env,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="child processes of bench/timers.py")
    roles = parser.add_subparsers(dest="role", required=True)
    scheduler = roles.add_parser("scheduler")
    scheduler.add_argument("--store-url", required=True)
    scheduler.add_argument("--amqp-url", required=True)
    scheduler.add_argument("--kind", required=True)
    scheduler.add_argument("--queue", required=True)
    scheduler.add_argument("--actor", required=True)
    scheduler.add_argument("--tick-ms", type=int, default=100)
    scheduler.add_argument("--batch-size", type=int, default=500)
    worker = roles.add_parser("dramatiq-worker")
    worker.add_argument("--amqp-url", required=True)
    worker.add_argument("--queue", required=True)
    worker.add_argument("--actor", required=True)
    worker.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    if args.role == "scheduler":
        run_scheduler(args)
    else:
        run_dramatiq_worker(args)


if __name__ == "__main__":
    main(sys.argv[1:])
