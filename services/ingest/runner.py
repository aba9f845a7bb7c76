"""Build the ingest from settings and run it until a stop signal."""

from __future__ import annotations

import threading

from services.ingest.consumer import IngestService
from services.runtime.heartbeat import Heartbeat
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory


def build_ingest(settings: Settings) -> IngestService:
    engine = build_engine(settings.database_url)
    return IngestService(
        amqp_url=settings.amqp_url,
        sessions=session_factory(engine),
        policies=load_policies(settings.policies),
        prefetch=settings.ingest_prefetch,
        queue_type=settings.queue_type,
        heartbeat=Heartbeat("ingest", settings.health_dir),
    )


def run_ingest(settings: Settings, stop: threading.Event) -> None:
    build_ingest(settings).run(stop)
