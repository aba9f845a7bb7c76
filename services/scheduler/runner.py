"""Build the scheduler from settings."""

from __future__ import annotations

import threading

from services.domain.durations import parse_duration
from services.runtime.heartbeat import Heartbeat
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.scheduler.scheduler import Scheduler


def build_scheduler(settings: Settings) -> Scheduler:
    return Scheduler(
        amqp_url=settings.amqp_url,
        sessions=session_factory(build_engine(settings.database_url)),
        tick=parse_duration(settings.scheduler_tick),
        lease=parse_duration(settings.scheduler_lease),
        queue_type=settings.queue_type,
        heartbeat=Heartbeat("scheduler", settings.health_dir),
    )


def run_scheduler(settings: Settings, stop: threading.Event) -> None:
    build_scheduler(settings).run(stop)
