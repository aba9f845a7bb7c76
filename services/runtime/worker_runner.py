"""Run the dramatiq actors of some workers in this process until a stop signal."""

from __future__ import annotations

import importlib
import threading

import dramatiq
import structlog
from sqlalchemy import Engine

from services.runtime.heartbeat import BEAT_EVERY_SECONDS, Heartbeat
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.workers import WorkerContext, build_broker

log = structlog.get_logger("aftersale.worker")

#: Worker threads when none are asked for. On SQLite one: the store has one
#: write lock, and more threads only contend for it and the GIL. On PostgreSQL
#: a batch spends most of its time waiting for round trips, which release the
#: GIL, so several threads keep the worker busy.
SQLITE_THREADS = 1
SERVER_STORE_THREADS = 4


def default_threads(engine: Engine) -> int:
    return SQLITE_THREADS if engine.dialect.name == "sqlite" else SERVER_STORE_THREADS


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
    threads = threads or default_threads(engine)
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    log.info("workers running", workers=names, threads=threads, actors=sorted(broker.actors))
    heartbeat = Heartbeat("worker", settings.health_dir)
    while not stop.wait(BEAT_EVERY_SECONDS):
        heartbeat.beat(ready=threads_alive(worker))
    log.info("workers stopping")
    worker.stop(timeout=30_000)
    broker.close()
