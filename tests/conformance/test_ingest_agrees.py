"""The real ingest, on the real broker and each store, gives the published schema's answer.

Every body of the corpus (the edge cases and seeded mutations) is published to
`aftersale.events`; each must end either recorded in the event log (valid) or in
`aftersale.dead-letter` (invalid), exactly as the JSON Schema says. The parents the
examples refer to are published first; a valid child whose parent was mutated away
is dead-lettered as `unknown_parent` after a one-second wait, which counts as accepted.
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

import pika
from sqlalchemy import select

from events import EVENT_TYPES
from services.runtime.policies import parse_policies
from services.runtime.store.models import EventRecord
from services.runtime.topology import DEAD_LETTER_QUEUE
from tests.conformance.bodies import Case, encode, example
from tests.conformance.corpus import hand_cases
from tests.conformance.mutations import mutations
from tests.conformance.reference import schema_problem
from tests.support.ingest import RunningIngest, get_all, queue_depth, running_ingest
from tests.support.polling import wait_until

SEED = 17
MUTATIONS = 250
EXCHANGE = "aftersale.events"
POLICIES = parse_policies('[ingest]\nwait_for_parent = "1s"\n')
PARENT_TYPES = ("order.placed", "return.requested", "ticket.opened")
#: (shop, kind, id) the parents make known.
KNOWN_PARENTS = {
    ("shop-42", "order", example("order.placed")["data"]["order_id"]),
    ("shop-42", "return", example("return.requested")["data"]["return_id"]),
    ("shop-42", "ticket", example("ticket.opened")["data"]["ticket_id"]),
}
_PARENT_FIELD = {
    "order.shipped": ("order", "order_id"),
    "shipment.delayed": ("order", "order_id"),
    "order.delivered": ("order", "order_id"),
    "order.cancelled": ("order", "order_id"),
    "return.requested": ("order", "order_id"),
    "return.received": ("return", "return_id"),
    "return.resolved": ("return", "return_id"),
    "ticket.replied": ("ticket", "ticket_id"),
    "ticket.resolved": ("ticket", "ticket_id"),
    "callback.promised": ("ticket", "ticket_id"),
    "callback.completed": ("ticket", "ticket_id"),
}


def _document(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def corpus() -> list[tuple[Case, bool]]:
    """Every case with the schema's answer; valid ones unique per (shop, event_id)."""
    chosen: list[tuple[Case, bool]] = []
    keys: set[tuple[Any, Any]] = set()
    bodies: set[bytes] = set()
    for case in [*hand_cases(), *mutations(SEED, MUTATIONS)]:
        valid = schema_problem(case.body) is None
        if case.body in bodies:
            continue
        if valid:
            document = _document(case.body)
            key = (document["shop_id"], document["event_id"])
            if key in keys:  # a second one would be a duplicate, neither recorded nor refused
                continue
            keys.add(key)
        bodies.add(case.body)
        chosen.append((case, valid))
    return chosen


def _publish(amqp_url: str, bodies: list[bytes]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    for body in bodies:
        document = _document(body)
        fields = document if isinstance(document, dict) else {}
        kind, event_id = fields.get("type"), fields.get("event_id")
        # AMQP short strings hold 255 bytes: odd values travel in the body only.
        fits = isinstance(event_id, str) and event_id.isascii() and len(event_id) <= 128
        channel.basic_publish(
            EXCHANGE,
            kind if kind in EVENT_TYPES else "order.placed",
            body,
            pika.BasicProperties(
                content_type="application/json",
                delivery_mode=2,
                message_id=event_id if fits else None,
            ),
            mandatory=True,
        )
    connection.close()


def _at_least(ingest: RunningIngest, count: int) -> bool:
    return ingest.recorded() >= count


def _waits_for_a_known_parent(body: bytes) -> bool:
    document = _document(body)
    if not isinstance(document, dict):
        return False
    kind_field = _PARENT_FIELD.get(str(document.get("type")))
    if kind_field is None:
        return False
    kind, field = kind_field
    return (document.get("shop_id"), kind, document["data"].get(field)) in KNOWN_PARENTS


def test_the_ingest_records_exactly_what_the_schema_allows(
    amqp_url: str, database_url: str
) -> None:
    cases = corpus()
    parents = [encode(example(event_type) | {"event_id": f"parent-{event_type}"})
               for event_type in PARENT_TYPES]  # fmt: skip
    with running_ingest(amqp_url, database_url, policies=POLICIES) as ingest:
        for count, parent in enumerate(parents, start=1):  # a return waits for its order
            _publish(amqp_url, [parent])
            wait_until(partial(_at_least, ingest, count), what="the parents")
        _publish(amqp_url, [case.body for case, _ in cases])
        expected = len(parents) + len(cases)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if ingest.recorded() + queue_depth(amqp_url, DEAD_LETTER_QUEUE) >= expected:
                break
            time.sleep(0.2)
        with ingest.sessions() as session:
            recorded = set(session.scalars(select(EventRecord.body)))
        assert ingest.alive
    dead = {
        body: properties.headers or {} for properties, body in get_all(amqp_url, DEAD_LETTER_QUEUE)
    }
    assert set(parents) <= recorded

    problems: list[str] = []
    for case, schema_valid in cases:
        headers = dead.get(case.body)
        code = None if headers is None else headers.get("x-aftersale-error-code")
        if case.body in recorded:
            answer = "recorded"
        elif code == "unknown_parent" and not _waits_for_a_known_parent(case.body):
            answer = "recorded"  # valid; its parent was mutated away
        elif headers is not None:
            answer = f"dead-lettered ({headers.get('x-aftersale-error')})"
        else:
            answer = "neither recorded nor dead-lettered"
        ingest_valid = answer == "recorded"
        wanted = schema_valid if case.valid is None else case.valid
        if ingest_valid != schema_valid or ingest_valid != wanted:
            problems.append(
                f"{case.name}: schema says {'valid' if schema_valid else 'invalid'}, "
                f"ingest {answer}; body {case.body[:120]!r}"
            )
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:30])
    assert len(recorded) - len(parents) > 100 and len(dead) > 150  # both answers exercised
