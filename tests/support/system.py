"""The whole system in one test process: ingest, workers, scheduler, deliverer,
each on its own thread, against a real broker, store and SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from sqlalchemy.orm import Session, sessionmaker

from services.ingest.consumer import IngestService
from services.runtime.policies import PolicyBook
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.worker_runner import WORKERS
from services.runtime.workers import WorkerContext, build_broker
from services.scheduler.scheduler import Scheduler


@dataclass
class System:
    settings: Settings
    policies: PolicyBook
    sessions: sessionmaker[Session]
    ingest: IngestService
    scheduler: Scheduler
    threads: dict[str, tuple[threading.Thread, threading.Event]] = field(default_factory=dict)
    workers: dict[str, Any] = field(default_factory=dict)

    def start_thread(self, name: str, target: Callable[[threading.Event], None]) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
        thread.start()
        self.threads[name] = (thread, stop)

    def stop_thread(self, name: str) -> None:
        thread, stop = self.threads.pop(name)
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), f"{name} did not stop"

    def start_workers(self, names: tuple[str, ...] = tuple(WORKERS)) -> None:
        import importlib

        broker = build_broker(self.settings)
        context = WorkerContext(self.settings, self.sessions, self.policies)
        for name in names:
            importlib.import_module(WORKERS[name]).register(broker, context)
        worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
        worker.start()
        self.workers["broker"], self.workers["worker"] = broker, worker

    def stop_workers(self) -> None:
        self.workers.pop("worker").stop(timeout=30_000)
        self.workers.pop("broker").close()


@contextmanager
def running_system(
    settings: Settings, policies: PolicyBook, *, gateway: bool = False
) -> Iterator[System]:
    """Everything on threads; with `gateway`, also the HTTP gateway at
    `settings.http_addr` (links in messages point at `settings.public_url`)."""
    from services.deliverer.runner import build_deliverer

    engine = build_engine(settings.database_url)
    sessions = session_factory(engine)
    ingest = IngestService(settings.amqp_url, sessions, policies, prefetch=50)
    scheduler = Scheduler(settings.amqp_url, sessions, tick=_tick(settings))
    system = System(settings, policies, sessions, ingest, scheduler)
    deliverer = build_deliverer(settings, policies)
    with ExitStack() as stack:
        system.start_thread("ingest", ingest.run)
        assert ingest.ready.wait(15), "ingest did not start"
        system.start_thread("scheduler", scheduler.run)
        assert scheduler.ready.wait(15), "scheduler did not start"
        system.start_thread("deliverer", deliverer.run)
        if gateway:
            from services.gateway.server import run_gateway

            system.start_thread("gateway", lambda stop: run_gateway(settings, stop))
            _wait_for_http(settings.public_url + "/healthz")
        system.start_workers()
        stack.callback(engine.dispose)
        try:
            yield system
        finally:
            if "worker" in system.workers:
                system.stop_workers()
            for name in list(system.threads):
                system.stop_thread(name)


def _tick(settings: Settings) -> Any:
    from services.domain.durations import parse_duration

    return parse_duration(settings.scheduler_tick)


def _wait_for_http(url: str) -> None:
    import urllib.request

    from tests.support.polling import wait_until

    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    wait_until(answers, timeout=15, what=url)
