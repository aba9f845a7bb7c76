"""KEDA: each ScaledObject scales an existing part on the work that waits for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from services.runtime.store.engine import build_engine
from services.runtime.store.migrate import upgrade
from services.runtime.store.models import Notification, Timer
from tests.deploy.conftest import DEPLOY
from tests.deploy.manifests import Obj, Render
from tests.support.services import Postgres

#: Trigger metadata and authentication parameters KEDA 2.20 reads
#: (pkg/scalers/rabbitmq_scaler.go, postgresql_scaler.go): anything else is
#: silently ignored by KEDA, so a misspelt key would go unnoticed.
KEDA_METADATA = {
    "rabbitmq": {
        "queueName", "mode", "value", "activationValue", "host", "hostFromEnv", "protocol",
        "vhostName", "useRegex", "excludeUnacknowledged", "pageSize", "operation", "timeout",
        "unsafeSsl",
    },
    "postgresql": {
        "query", "targetQueryValue", "activationTargetQueryValue", "connectionFromEnv", "host",
        "port", "userName", "dbName", "sslmode", "passwordFromEnv",
    },
}  # fmt: skip
KEDA_AUTH_PARAMETERS = {
    "rabbitmq": {"host", "protocol", "vhostName", "username", "password", "ca", "cert", "key",
                 "keyPassword", "tls"},
    "postgresql": {"connection", "host", "port", "userName", "dbName", "sslmode", "password"},
}  # fmt: skip
#: The queues each part consumes (SPEC section 2; services/runtime/routing.py).
QUEUES = {
    "aftersale-ingest": {"aftersale.ingest"},
    "aftersale-worker": {
        "aftersale.notifier",
        "aftersale.escalator",
        "aftersale.checkins",
        "aftersale.feedback",
    },
}
STORE_SCALED = {"aftersale-scheduler": "timers", "aftersale-deliverer": "notifications"}


def scaled(render: Render) -> dict[str, Obj]:
    return {o["spec"]["scaleTargetRef"]["name"]: o for o in render.of("ScaledObject")}


def test_every_scaled_object_targets_an_existing_deployment(render: Render) -> None:
    objects = scaled(render)
    assert len(objects) == len(render.of("ScaledObject")), "two ScaledObjects on one target"
    assert set(objects) == set(QUEUES) | set(STORE_SCALED)
    for target, obj in objects.items():
        ref = obj["spec"]["scaleTargetRef"]
        assert ref.get("kind", "Deployment") == "Deployment"
        assert ref.get("apiVersion", "apps/v1") == "apps/v1"
        deployment = render.named("Deployment", target)
        # KEDA owns the replica count: a fixed one would fight it on every apply.
        assert "replicas" not in deployment["spec"], target
        spec = obj["spec"]
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], target


def test_queues_are_counted_with_their_unacknowledged_messages(render: Render) -> None:
    auths = {o["metadata"]["name"]: o for o in render.of("TriggerAuthentication")}
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    assert set().union(*QUEUES.values()) <= {q["name"] for q in definitions["queues"]}
    for target, queues in QUEUES.items():
        triggers = scaled(render)[target]["spec"]["triggers"]
        assert {t["type"] for t in triggers} == {"rabbitmq"}
        assert {t["metadata"]["queueName"] for t in triggers} == queues
        for trigger in triggers:
            meta = trigger["metadata"]
            assert meta.keys() <= KEDA_METADATA["rabbitmq"], meta.keys() - KEDA_METADATA["rabbitmq"]
            # The management API counts ready + unacked; AMQP would see ready only.
            assert meta["protocol"] == "http"
            assert meta["mode"] == "QueueLength"
            assert meta.get("excludeUnacknowledged", "false") == "false"
            assert int(meta["value"]) > 0
            auth = auths[trigger["authenticationRef"]["name"]]
            parameters = {t["parameter"] for t in auth["spec"]["secretTargetRef"]}
            assert "host" in parameters and parameters <= KEDA_AUTH_PARAMETERS["rabbitmq"]


def test_store_scaled_parts_count_their_due_rows(render: Render) -> None:
    auths = {o["metadata"]["name"]: o for o in render.of("TriggerAuthentication")}
    for target, table in STORE_SCALED.items():
        (trigger,) = scaled(render)[target]["spec"]["triggers"]
        assert trigger["type"] == "postgresql"
        meta = trigger["metadata"]
        assert meta.keys() <= KEDA_METADATA["postgresql"]
        assert f"FROM {table} " in meta["query"]
        assert float(meta["targetQueryValue"]) > 0
        auth = auths[trigger["authenticationRef"]["name"]]
        parameters = {t["parameter"] for t in auth["spec"]["secretTargetRef"]}
        assert parameters == {"connection"}


@pytest.fixture
def store(postgres: Postgres) -> Iterator[Engine]:
    url = postgres.create_database()
    upgrade(url)
    engine = build_engine(url)
    yield engine
    engine.dispose()
    postgres.drop_database(url)


def test_the_store_queries_count_what_the_parts_would_take(
    store: Engine, renders: dict[str, Render]
) -> None:
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    with Session(store) as session:
        timer = {"shop_id": "shop-42", "kind": "sla", "created_at": now - hour}
        session.add_all(
            [
                Timer(**timer, subject_id="due", due_at=now - hour, state="pending"),
                Timer(**timer, subject_id="later", due_at=now + hour, state="pending"),
                Timer(**timer, subject_id="taken", due_at=now - hour, state="pending",
                      leased_until=now + hour),
                Timer(**timer, subject_id="fired", due_at=now - hour, state="fired"),
            ]
        )  # fmt: skip
        message = {"shop_id": "shop-42", "kind": "k", "channel": "email", "recipient": "a@b.c",
                   "content": {}, "created_at": now - hour}  # fmt: skip
        session.add_all(
            [
                Notification(**message, idempotency_key="due", next_attempt_at=now - hour),
                Notification(**message, idempotency_key="new", next_attempt_at=None),
                Notification(**message, idempotency_key="claimed", next_attempt_at=now + hour),
                Notification(**message, idempotency_key="sent", status="sent"),
            ]
        )
        session.commit()
    expected = {"aftersale-scheduler": 1, "aftersale-deliverer": 2}
    for render in renders.values():
        for target, count in expected.items():
            (trigger,) = scaled(render)[target]["spec"]["triggers"]
            with store.connect() as connection:
                assert connection.execute(text(trigger["metadata"]["query"])).scalar() == count
