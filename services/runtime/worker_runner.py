"""Run the dramatiq actors of some workers in this process until a stop signal."""

from __future__ import annotations

import importlib
import threading

import dramatiq
import structlog

from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.workers import WorkerContext, build_broker

log = structlog.get_logger("aftersale.worker")

#: Worker name → module with a `register(broker, context)` function.
WORKERS: dict[str, str] = {
    "notifier": "services.notifier.actors",
    "escalator": "services.escalator.actors",
    "checkins": "services.checkins.actors",
    "feedback": "services.feedback.actors",
}


def run_workers(
    settings: Settings, names: list[str], stop: threading.Event, *, threads: int = 1
) -> None:
    broker = build_broker(settings)
    context = WorkerContext(
        settings=settings,
        sessions=session_factory(build_engine(settings.database_url)),
        policies=load_policies(settings.policies),
    )
    for name in names:
        importlib.import_module(WORKERS[name]).register(broker, context)
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    log.info("workers running", workers=names, actors=sorted(broker.actors))
    stop.wait()
    log.info("workers stopping")
    worker.stop(timeout=30_000)
    broker.close()
