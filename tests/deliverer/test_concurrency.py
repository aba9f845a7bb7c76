"""Two deliverers on one store never send a notification twice."""

from __future__ import annotations

import json
import threading
from collections import Counter

from sqlalchemy import func, select

from services.deliverer.channels import WebhookChannel
from services.deliverer.deliverer import Deliverer
from services.runtime.clock import utcnow
from services.runtime.policies import PolicyBook
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import DeliveryAttempt, Notification
from tests.deliverer.conftest import add_notification
from tests.deliverer.sinks import HttpSink

COUNT = 200


def test_two_deliverers_send_each_notification_exactly_once(
    database_url: str, http_sink: HttpSink
) -> None:
    engines = [build_engine(database_url) for _ in range(3)]
    try:
        setup = session_factory(engines[0])
        now = utcnow()
        keys = {f"evt-{n:04d}:order_shipped:https://shop.example/hook" for n in range(COUNT)}
        for key in sorted(keys):
            add_notification(
                setup, now, channel="webhook", recipient=http_sink.url + "/hook", key=key,
                content={"subject": "s", "text": "t", "html": "<p>t</p>", "data": {}},
            )  # fmt: skip

        channel = WebhookChannel({"shop-42": "secret"})
        deliverers = [
            Deliverer(session_factory(engine), {"webhook": channel}, PolicyBook())
            for engine in engines[1:]
        ]
        tried = [0, 0]
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def work(index: int) -> None:
            try:
                start.wait()
                while handled := deliverers[index].deliver_due(limit=5):
                    tried[index] += handled
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not errors, errors

        # Each could stop early when the other held every due row; finish the rest.
        while deliverers[0].deliver_due():
            pass

        by_key = Counter(json.loads(r.body)["idempotency_key"] for r in http_sink.received())
        assert set(by_key) == keys
        assert set(by_key.values()) == {1}
        assert sum(tried) <= COUNT
        assert all(tried), f"both deliverers should have taken part: {tried}"
        with setup() as session:
            statuses = dict(
                session.execute(
                    select(Notification.status, func.count()).group_by(Notification.status)
                ).all()
            )
            attempts = session.scalar(select(func.count()).select_from(DeliveryAttempt))
        assert statuses == {"sent": COUNT}
        assert attempts == COUNT
    finally:
        for engine in engines:
            engine.dispose()
