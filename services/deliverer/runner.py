"""Build the deliverer from settings and run it until a stop signal."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from services.deliverer.channels.base import Channel
from services.deliverer.channels.email import EmailChannel
from services.deliverer.channels.sms import SmsChannel
from services.deliverer.channels.staff_http import HttpChannel
from services.deliverer.channels.webhook import WebhookChannel
from services.deliverer.deliverer import Deliverer
from services.domain.durations import parse_duration
from services.runtime.clock import Clock, utcnow
from services.runtime.heartbeat import Heartbeat
from services.runtime.policies import PolicyBook, load_policies
from services.runtime.settings import Settings
from services.runtime.shop_secrets import load_shop_secrets
from services.runtime.store.engine import build_engine, session_factory


def build_channels(settings: Settings) -> dict[str, Channel]:
    """One channel per ``Notification.channel`` value, configured from the settings."""
    secrets = load_shop_secrets(settings.shop_secrets)
    return {
        "email": EmailChannel(settings.smtp_url, settings.outbox_dir, mail_from=settings.mail_from),
        "sms": SmsChannel(settings.sms_url),
        "webhook": WebhookChannel(secrets),
        "http": HttpChannel(secrets),
    }


def build_deliverer(
    settings: Settings,
    policies: PolicyBook,
    clock: Clock = utcnow,
    *,
    engine: Engine | None = None,
) -> Deliverer:
    """A deliverer on ``engine``, else on a new engine for the store of ``settings``.

    Nothing connects yet; a bad SMTP URL or shop secrets file raises here, at start.
    """
    engine = engine if engine is not None else build_engine(settings.database_url)
    return Deliverer(
        session_factory(engine),
        build_channels(settings),
        policies,
        clock,
        lease=parse_duration(settings.deliverer_lease),
        concurrency=settings.deliverer_concurrency,
        batch_size=settings.deliverer_batch,
        listen_url=settings.database_url,
        engine=engine,
        heartbeat=Heartbeat("deliverer", settings.health_dir),
        sms_available=bool(settings.sms_url),
    )


def run_deliverer(settings: Settings, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set (the process's signal handler sets it)."""
    # No ping per checkout: the deliverer commits once per message (a round trip
    # each, on its one sender lane's critical path) and already retries a claim or
    # a record that fails on a dead connection.
    engine = build_engine(settings.database_url, pre_ping=False)
    try:
        deliverer = build_deliverer(settings, load_policies(settings.policies), engine=engine)
        deliverer.run(stop, parse_duration(settings.deliverer_poll).total_seconds())
    finally:
        engine.dispose()
