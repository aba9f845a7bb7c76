"""Run a real ingest in a thread of the test, against a real broker and store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pika
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.ingest.consumer import IngestService
from services.runtime.policies import PolicyBook, load_policies
from services.runtime.routing import Subscriptions
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import EventRecord


@dataclass
class RunningIngest:
    service: IngestService
    thread: threading.Thread
    stop: threading.Event
    sessions: sessionmaker[Session]
    errors: list[BaseException]

    def recorded(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(EventRecord)) or 0)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()


@contextmanager
def running_ingest(
    amqp_url: str,
    database_url: str,
    *,
    subscriptions: Subscriptions | None = None,
    policies: PolicyBook | None = None,
    prefetch: int = 200,
    outage_pause_cap_seconds: float | None = None,
) -> Iterator[RunningIngest]:
    engine = build_engine(database_url)
    sessions = session_factory(engine)
    options: dict[str, Any] = {}
    if subscriptions is not None:
        options["subscriptions"] = subscriptions
    if outage_pause_cap_seconds is not None:
        options["outage_pause_cap_seconds"] = outage_pause_cap_seconds
    service = IngestService(
        amqp_url=amqp_url,
        sessions=sessions,
        policies=policies or load_policies(None),
        prefetch=prefetch,
        **options,
    )
    stop = threading.Event()
    errors: list[BaseException] = []

    def _run() -> None:
        try:
            service.run(stop)
        except BaseException as exc:  # surfaced by the test through `errors`
            errors.append(exc)

    thread = threading.Thread(target=_run, name="ingest", daemon=True)
    thread.start()
    if not service.ready.wait(timeout=15):
        stop.set()
        raise AssertionError(f"the ingest did not start consuming: {errors}")
    try:
        yield RunningIngest(service, thread, stop, sessions, errors)
    finally:
        stop.set()
        thread.join(timeout=30)
        engine.dispose()
    assert not errors, errors


def get_all(amqp_url: str, queue: str) -> list[tuple[Any, bytes]]:
    """Take every message of `queue` (properties, body), acking them."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    taken: list[tuple[Any, bytes]] = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        taken.append((properties, body))
    connection.close()
    return taken


def queue_depth(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()
