"""`GET /metrics` of a real gateway: figures read from a seeded store and a real
broker at scrape time, and the workers' dramatiq metrics from another process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pika
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.runtime.store import suppressions
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.suppressions import Report
from services.runtime.topology import EVENTS_EXCHANGE
from tests.operator_page import support
from tests.operator_page.support import http, running_gateway, settings_for
from tests.support.polling import wait_until

REPO = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    reply = http(f"{url}/metrics")
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def seed(database_url: str) -> None:
    engine = build_engine(database_url)
    with session_factory(engine).begin() as session:
        for kind in ("order.placed", "order.placed", "order.placed", "ticket.opened"):
            support.event(session, kind)
        ago = support.now() - timedelta(minutes=10)
        support.notification(
            session,
            "order_confirmation",
            "email",
            "a@example.com",
            status="sent",
            created_at=ago,
            sent_after=timedelta(seconds=2),
        )
        support.notification(
            session,
            "order_confirmation",
            "email",
            "b@example.com",
            status="sent",
            created_at=ago,
            sent_after=timedelta(seconds=40),
        )
        support.notification(
            session,
            "order_confirmation",
            "email",
            "c@example.com",
            status="sent",
            created_at=ago - timedelta(hours=3),
            sent_after=timedelta(seconds=1),
        )  # outside the hour
        support.notification(
            session,
            "shipment_delayed",
            "sms",
            "+48600100200",
            status="failed",
            failure="number unreachable",
        )
        support.notification(session, "sla_breach", "http", "https://hooks.example/x",
                             status="pending")  # fmt: skip
        due = support.now() - timedelta(minutes=5)
        support.timer(
            session,
            "sla_breach",
            "T-1#1",
            due_at=due,
            state="fired",
            fired_at=due + timedelta(seconds=3),
        )
        support.timer(
            session,
            "sla_breach",
            "T-1#2",
            due_at=due,
            state="fired",
            fired_at=due + timedelta(milliseconds=200),
        )
        support.timer(
            session,
            "sla_breach",
            "T-2#1",
            due_at=due,
            state="fired",
            fired_at=due + timedelta(seconds=1),
        )
        support.timer(session, "sla_breach", "T-3#1", due_at=due, state="cancelled")
        later = support.now() + timedelta(hours=1)
        support.timer(session, "sla_warning", "T-4", due_at=later)
        support.timer(session, "sla_warning", "T-5", due_at=later)
        support.timer(session, "feedback_request", "O-1", due_at=later)
        suppressions.record(
            session,
            [Report("a@example.com", "bounce", "ses"), Report("b@example.com", "bounce", "smtp"),
             Report("c@example.com", "complaint", "postmark")],
            support.now(),
        )  # fmt: skip
    engine.dispose()


def publish_event(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(EVENTS_EXCHANGE, "order.placed", b"{}", mandatory=True)
    finally:
        connection.close()


def test_metrics_are_read_from_the_store_and_the_broker_at_scrape_time(
    amqp_url: str, sqlite_url: str
) -> None:
    support.declare_topology(amqp_url)
    seed(sqlite_url)
    support.put_dead_letter(amqp_url, "dl-1", "invalid order.placed: data.items")
    support.put_dead_letter(amqp_url, "dl-2", "invalid order.placed: data.items")
    publish_event(amqp_url)
    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        s = scrape(url)
        assert value(s, "aftersale_events_ingested_total", type="order.placed") == 3
        assert value(s, "aftersale_events_ingested_total", type="ticket.opened") == 1
        labels = {"kind": "order_confirmation", "channel": "email", "status": "sent"}
        assert value(s, "aftersale_notifications_total", **labels) == 3
        failed = {"kind": "shipment_delayed", "channel": "sms", "status": "failed"}
        assert value(s, "aftersale_notifications_total", **failed) == 1
        assert value(s, "aftersale_sla_breaches_total", level="1") == 2
        assert value(s, "aftersale_sla_breaches_total", level="2") == 1
        assert value(s, "aftersale_timers_pending", kind="sla_warning") == 2
        assert value(s, "aftersale_timers_pending", kind="feedback_request") == 1
        assert value(s, "aftersale_suppressed_addresses", reason="bounce") == 2
        assert value(s, "aftersale_suppressed_addresses", reason="complaint") == 1
        assert value(s, "aftersale_suppressed_addresses", reason="unsubscribe") == 0
        assert value(s, "aftersale_dead_letters", queue="aftersale.dead-letter") == 2
        assert value(s, "aftersale_queue_messages", queue="aftersale.ingest", state="ready") == 1
        assert value(s, "aftersale_queue_consumers", queue="aftersale.ingest") == 0
        assert value(s, "aftersale_health") == 1  # degraded: dead letters, no consumers
        assert value(s, "aftersale_store_up") == 1
        assert value(s, "aftersale_broker_up") == 1
        # Delivery latency over the last hour: 2 s and 40 s.
        assert value(s, "aftersale_delivery_latency_seconds_gcount") == 2
        assert value(s, "aftersale_delivery_latency_seconds_gsum") == pytest.approx(42)
        assert value(s, "aftersale_delivery_latency_seconds_bucket", le="1.0") == 0
        assert value(s, "aftersale_delivery_latency_seconds_bucket", le="5.0") == 1
        assert value(s, "aftersale_delivery_latency_seconds_bucket", le="60.0") == 2
        assert value(s, "aftersale_delivery_latency_seconds_bucket", le="+Inf") == 2
        # Timer lateness: 3 s, 0.2 s and 1 s.
        assert value(s, "aftersale_timer_lateness_seconds_gcount") == 3
        assert value(s, "aftersale_timer_lateness_seconds_gsum") == pytest.approx(4.2)
        assert value(s, "aftersale_timer_lateness_seconds_bucket", le="0.5") == 1
        assert value(s, "aftersale_timer_lateness_seconds_bucket", le="1.0") == 2

        # Read at scrape time: a change in the store shows at the next scrape.
        engine = build_engine(sqlite_url)
        with session_factory(engine).begin() as session:
            support.event(session, "order.placed")
        engine.dispose()
        assert value(scrape(url), "aftersale_events_ingested_total", type="order.placed") == 4


def test_a_broker_that_is_down_is_health_2_and_the_store_figures_still_come(
    sqlite_url: str,
) -> None:
    seed(sqlite_url)
    settings = settings_for("amqp://guest:guest@127.0.0.1:1/%2F", sqlite_url)
    with running_gateway(settings) as url:
        s = scrape(url)
    assert value(s, "aftersale_health") == 2
    assert value(s, "aftersale_broker_up") == 0
    assert value(s, "aftersale_events_ingested_total", type="order.placed") == 3


WORKER = """
import sys, threading
import dramatiq
from services.runtime.settings import Settings
from services.runtime.workers import build_broker, make_actor

broker = build_broker(Settings(amqp_url=sys.argv[1]))
done = threading.Event()
actor = make_actor(broker, lambda: done.set(), actor_name="metrics_probe",
                   queue_name="metrics-probe")
actor.send()
worker = dramatiq.Worker(broker, worker_threads=1)
worker.start()
assert done.wait(30), "the probe message was not processed"
worker.stop(timeout=10_000)
broker.close()
"""


def test_the_workers_dramatiq_metrics_are_served_by_the_gateway(
    amqp_url: str, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "prometheus"
    monkeypatch.setenv("dramatiq_prom_db", str(directory))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    env = {**os.environ}
    done = subprocess.run([sys.executable, "-c", WORKER, amqp_url], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unexpected failure" not in done.stderr, done.stderr
    labels = {"queue_name": "metrics-probe", "actor_name": "metrics_probe"}
    scraped: list[Samples] = []

    def counted() -> bool:
        scraped.append(scrape(url))
        return value(scraped[-1], "dramatiq_messages_total", **labels) == 1

    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        wait_until(counted, what="the worker's dramatiq_messages_total")
    assert not value(scraped[-1], "dramatiq_message_errors_total", **labels)
