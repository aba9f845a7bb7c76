"""A worker failure that retrying cannot cure ends at once in the worker's
dead-letter queue with its reason, shows in status and metrics, and is
delivered after the cause is fixed and the dead letter replayed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from services.metrics.collector import AftersaleCollector
from services.operator.dlq import list_dead_letters, replay_dead_letters
from services.operator.status import collect
from services.publishing.publisher import EventPublisher
from services.runtime.eventlog_reader import EventMissing
from services.runtime.policies import parse_policies
from services.runtime.rendering import RenderError
from services.runtime.rendering.shop_folder import template_folder
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine
from services.runtime.worker_failures import failure_code
from tests.support import factories
from tests.support.ingest import queue_depth
from tests.support.polling import wait_until
from tests.support.smtp import smtp_sink
from tests.support.system import running_system

XQ = "aftersale.notifier.XQ"
SUBJECT = "pl/order_confirmation.subject.j2"


@pytest.mark.parametrize(
    ("retries", "error", "code"),
    [
        (0, RenderError("cannot render"), "permanent_failure"),
        (0, OperationalError("SELECT 1", {}, Exception("down")), None),
        (500, OperationalError("SELECT 1", {}, Exception("down")), None),
        (500, EventMissing("not yet"), None),
        (0, KeyError("bug"), None),
        (11, KeyError("bug"), None),
        (12, KeyError("bug"), "retries_exhausted"),
    ],
)
def test_which_failures_are_retried(retries: int, error: Exception, code: str | None) -> None:
    assert failure_code(retries, error) == code


def test_a_template_that_cannot_render_is_dead_lettered_with_its_reason_then_replayed(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    broken = templates / template_folder("sklep-łódź") / SUBJECT
    broken.parent.mkdir(parents=True)
    broken.write_text("{{ no_such_field }}", encoding="utf-8")
    placed = factories.order_placed("ord-broken", shop_id="sklep-łódź")
    with smtp_sink() as (inbox, port):
        settings = Settings(
            amqp_url=amqp_url,
            database_url=database_url,
            smtp_url=f"smtp://127.0.0.1:{port}",
            secret_key="t",
            templates_dir=templates,
        )
        with running_system(settings, parse_policies("")):
            with EventPublisher(amqp_url) as publisher:
                assert publisher.publish_event(placed) == "confirmed"
            # At once, not after a dozen retries with back-off.
            wait_until(lambda: queue_depth(amqp_url, XQ) == 1, timeout=20, what="dead letter")
            [dead] = list_dead_letters(amqp_url, "workers")
            assert dead["queue"] == XQ
            assert dead["error_code"] == "permanent_failure"
            assert dead["event_id"] == placed["event_id"]
            assert dead["shop_id"] == "sklep-łódź"
            assert "RenderError" in dead["reason"] and "no_such_field" in dead["reason"]
            assert "notifier.on_event" in dead["reason"]

            report = collect(settings)
            assert report["health"] == "degraded"
            assert any(XQ in reason for reason in report["reasons"])
            engine = build_engine(database_url)
            try:
                samples = {
                    (sample.name, sample.labels.get("queue")): sample.value
                    for family in AftersaleCollector(settings, engine).collect()
                    for sample in family.samples
                }
            finally:
                engine.dispose()
            assert samples[("aftersale_dead_letters", XQ)] == 1
            assert not inbox.messages

            broken.unlink()  # the operator fixes the template, then replays
            assert len(replay_dead_letters(amqp_url, dead["id"], "workers").replayed) == 1
            wait_until(lambda: inbox.of_kind("order_confirmation"), timeout=20, what="email")
            assert queue_depth(amqp_url, XQ) == 0


def test_one_bad_event_in_a_batch_holds_up_no_other(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    broken = templates / "shop-bad" / SUBJECT
    broken.parent.mkdir(parents=True)
    broken.write_text("{{ no_such_field }}", encoding="utf-8")
    good = [factories.order_placed(f"ord-good-{n}") for n in range(8)]
    bad = factories.order_placed("ord-bad", shop_id="shop-bad")
    with smtp_sink() as (inbox, port):
        settings = Settings(
            amqp_url=amqp_url,
            database_url=sqlite_url,
            secret_key="t",
            smtp_url=f"smtp://127.0.0.1:{port}",
            templates_dir=templates,
        )
        with running_system(settings, parse_policies("")):
            with EventPublisher(amqp_url) as publisher:
                for event in [*good[:4], bad, *good[4:]]:
                    assert publisher.publish_event(event) == "confirmed"
            wait_until(lambda: len(inbox.messages) == len(good), timeout=30, what="good emails")
            wait_until(lambda: queue_depth(amqp_url, XQ) == 1, timeout=20, what="dead letter")
            [dead] = list_dead_letters(amqp_url, "workers")
    assert dead["event_id"] == bad["event_id"] and dead["error_code"] == "permanent_failure"
    assert sorted(m["X-Aftersale-Kind"] for m in inbox.messages) == ["order_confirmation"] * 8
