"""Run the dramatiq actors of some workers in this process until a stop signal."""

from __future__ import annotations

import importlib
import threading

import dramatiq
import structlog

from services.runtime.heartbeat import BEAT_EVERY_SECONDS, Heartbeat
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.workers import WorkerContext, build_broker

log = structlog.get_logger("aftersale.worker")

#: Worker threads when none are asked for: one, on every store. On SQLite more
#: threads only contend for its single write lock and the GIL. On PostgreSQL
#: they fight over the same orders: a batch brings along the earlier events of
#: its orders that another thread's batch holds, and waits for that batch's
#: receipts. A 4,000-event burst (bench/pipeline.py, medians of 2): 4 threads
#: 190 events/s at 2.4 ms of worker CPU per event, 1 thread 258 at 1.55.
#: More worker processes use more cores.
DEFAULT_THREADS = 1


#: Worker name → module with a `register(broker, context)` function.
WORKERS: dict[str, str] = {
    "notifier": "services.notifier.actors",
    "escalator": "services.escalator.actors",
    "checkins": "services.checkins.actors",
    "feedback": "services.feedback.actors",
}


def threads_alive(worker: dramatiq.Worker) -> bool:
    """Every consumer thread (one per queue) and worker thread still runs."""
    threads = [*worker.consumers.values(), *worker.workers]
    return bool(threads) and all(thread.is_alive() for thread in threads)


def run_workers(
    settings: Settings, names: list[str], stop: threading.Event, *, threads: int | None = None
) -> None:
    broker = build_broker(settings)
    engine = build_engine(settings.database_url)
    context = WorkerContext(
        settings=settings,
        sessions=session_factory(engine),
        policies=load_policies(settings.policies),
    )
    for name in names:
        importlib.import_module(WORKERS[name]).register(broker, context)
    threads = threads or DEFAULT_THREADS
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    log.info("workers running", workers=names, threads=threads, actors=sorted(broker.actors))
    heartbeat = Heartbeat("worker", settings.health_dir)
    while not stop.wait(BEAT_EVERY_SECONDS):
        heartbeat.beat(ready=threads_alive(worker))
    log.info("workers stopping")
    worker.stop(timeout=30_000)
    broker.close()
