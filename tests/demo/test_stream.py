"""The demo's stream: valid events, fresh ids per run, and a trigger for every kind
that fires within about a minute on the demo shop's policies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from events import parse_event
from services.demo.run import EXPECTED_KINDS
from services.demo.stream import SHOP_ID, build_stream, encode, follow_up
from services.domain.kinds import KINDS
from services.ingest.parents import parent_of
from services.runtime.policies import DEMO_SHOP_ID, load_policies

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICIES = load_policies(None).for_shop(DEMO_SHOP_ID)
MINUTE = NOW + timedelta(seconds=60)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def triggered(events: list[dict[str, Any]]) -> dict[str, datetime]:
    """Kind → when it first fires, by the rules of SPEC section 4 and the demo's policies."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)

    def ids(event_type: str, key: str, **match: Any) -> set[str]:
        found = [e["data"] for e in by_type.get(event_type, [])]
        return {d[key] for d in found if key in d and all(d.get(k) == v for k, v in match.items())}

    consent = {e["data"]["customer"]["customer_id"]: e["data"]["customer"]["marketing_consent"]
               for e in by_type["order.placed"] + by_type["ticket.opened"]}  # fmt: skip
    fired: dict[str, datetime] = {}

    def fire(kind: str, at: datetime) -> None:
        fired[kind] = min(fired.get(kind, at), max(at, NOW))

    direct = {"order.placed": "order_confirmation", "order.shipped": "order_shipped",
              "shipment.delayed": "shipment_delayed", "return.received": "return_received",
              "return.resolved": "return_resolved"}  # fmt: skip
    for event_type, kind in direct.items():
        if by_type.get(event_type):
            fire(kind, NOW)
    delivered = ids("order.delivered", "order_id")
    for event in by_type["order.shipped"]:
        estimate = event["data"]["estimated_delivery"]
        if "T" in estimate and event["data"]["order_id"] not in delivered:
            fire("shipment_delayed", _at(estimate) + POLICIES.shipping.delay_grace)
            fire("delivery_overdue", _at(estimate) + POLICIES.shipping.delay_grace)
    resolved = ids("return.resolved", "return_id")
    for event in by_type["return.requested"]:
        data, at = event["data"], _at(event["occurred_at"])
        if data.get("source") == "withdrawal_function":
            fire("withdrawal_received", NOW)
            fire("withdrawal_notice", NOW)
        elif data["kind"] == "withdrawal":
            fire("return_instructions", NOW)
        else:
            fire("complaint_received", NOW)
            if data["return_id"] not in resolved:
                deadline = at + POLICIES.complaints.reply_within
                fire("complaint_deadline", deadline - max(POLICIES.complaints.alert_before))
    withdrawals = ids("return.requested", "return_id", kind="withdrawal")
    for event in by_type["return.received"]:
        data = event["data"]
        if data["return_id"] in withdrawals and data["return_id"] not in resolved:
            deadline = _at(data["received_at"]) + POLICIES.withdrawal.refund_within
            fire("refund_deadline", deadline - max(POLICIES.withdrawal.alert_before))
    answered = ids("ticket.replied", "ticket_id", author="agent") | ids(
        "ticket.resolved", "ticket_id"
    )
    for event in by_type["ticket.opened"]:
        data, at = event["data"], _at(event["occurred_at"])
        if data["channel"] in ("email", "form", "social"):
            fire("ticket_received", NOW)
        if data["ticket_id"] not in answered and data["channel"] != "phone":
            sla = POLICIES.sla_for(data["channel"], data["priority"])
            fire("sla_warning", at + sla.first_response - sla.warn_before)
            fire("sla_breach", at + sla.hard_limit)  # level 2; level 1 comes first
    completed = ids("callback.completed", "ticket_id")
    for event in by_type["callback.promised"]:
        if event["data"]["ticket_id"] not in completed:
            fire("callback_overdue", _at(event["data"]["due_at"]) + POLICIES.callbacks.grace)
    busy = ids("return.requested", "order_id") | ids("ticket.opened", "order_id")
    for event in by_type["order.delivered"]:
        if event["data"]["order_id"] not in busy:
            fire("checkin", _at(event["data"]["delivered_at"]) + POLICIES.checkins.after_delivery)
    for event in by_type["feedback.received"]:
        data = event["data"]
        if data["scale"] == "csat5" and data["score"] <= 2:
            fire("feedback_apology", NOW)
            fire("negative_feedback", NOW)
        delighted = data["score"] == 5 if data["scale"] == "csat5" else data["score"] >= 9
        if delighted and consent.get(data["customer_id"]):
            fire("review_request", NOW)
    return fired


def test_every_event_is_valid_and_unique() -> None:
    stream = build_stream(NOW, "abc123")
    assert 60 <= len(stream.events) <= 200
    for event in stream.events:
        parsed = parse_event(encode(event))
        assert parsed.shop_id == SHOP_ID == DEMO_SHOP_ID
        assert parsed.occurred_at <= NOW
        assert "abc123" in parsed.event_id
    assert len({e["event_id"] for e in stream.events}) == len(stream.events)
    assert len({e["data"]["order_id"] for e in stream.events if e["type"] == "order.placed"}) >= 24


def test_parents_come_before_their_children() -> None:
    known: set[tuple[str, str]] = set()
    for event in build_stream(NOW).events:
        parsed = parse_event(encode(event))
        parent = parent_of(parsed)
        assert parent is None or (parent.kind, parent.id) in known, parent
        data = event["data"]
        for kind, key in (("order", "order_id"), ("return", "return_id"), ("ticket", "ticket_id")):
            if key in data:
                known.add((kind, data[key]))
        if isinstance(data.get("customer"), dict):
            known.add(("customer", data["customer"]["customer_id"]))


def test_a_new_run_has_new_ids() -> None:
    first, second = build_stream(NOW), build_stream(NOW)
    assert first.run_id != second.run_id
    assert not {e["event_id"] for e in first.events} & {e["event_id"] for e in second.events}


def test_customers_speak_polish_and_english_some_by_phone_only() -> None:
    customers = [
        e["data"]["customer"] for e in build_stream(NOW).events if e["type"] == "order.placed"
    ]
    assert {c["locale"] for c in customers} == {"pl", "en"}
    assert any("email" not in c and "phone" in c for c in customers)
    assert any(c["marketing_consent"] for c in customers)


def test_every_kind_is_triggered_within_a_minute() -> None:
    assert set(EXPECTED_KINDS) == set(KINDS)
    fired = triggered(build_stream(NOW).events)
    assert set(fired) == set(EXPECTED_KINDS), set(EXPECTED_KINDS) - set(fired)
    late = {kind: at for kind, at in fired.items() if at > MINUTE}
    assert not late


def test_follow_up_closes_what_keeps_alerting() -> None:
    stream = build_stream(NOW, "abc123")
    events = follow_up(stream, NOW + timedelta(minutes=1), ["abc123-T4", "fb-abc123-F1"], True)
    for event in events:
        parse_event(encode(event))
    kinds = [(e["type"], e["data"].get("ticket_id") or e["data"].get("order_id")) for e in events]
    assert kinds == [
        ("ticket.replied", "abc123-T4"), ("ticket.resolved", "abc123-T4"),
        ("ticket.replied", "fb-abc123-F1"), ("ticket.resolved", "fb-abc123-F1"),
        ("order.delivered", stream.overdue_order_id),
    ]  # fmt: skip
    assert not {e["event_id"] for e in events} & {e["event_id"] for e in stream.events}
    assert follow_up(stream, NOW, [], False) == []


def test_the_stream_is_plain_json(tmp_path: Path) -> None:
    lines: Iterable[str] = (json.dumps(e) for e in build_stream(NOW).events)
    (tmp_path / "demo.jsonl").write_text("\n".join(lines))
    assert all(json.loads(line)["schema_version"] == 1 for line in (tmp_path / "demo.jsonl").open())


def test_returns_resolved_in_the_stream_set_off_no_deadline_alert() -> None:
    events = build_stream(NOW).events
    resolved = {e["data"]["return_id"] for e in events if e["type"] == "return.resolved"}
    assert resolved
    for event in events:
        data = event["data"]
        if data.get("return_id") not in resolved:
            continue
        if event["type"] == "return.requested" and data["kind"] == "complaint":
            policy = POLICIES.complaints
            first = _at(event["occurred_at"]) + policy.reply_within - max(policy.alert_before)
            assert first >= NOW + timedelta(seconds=5)
        if event["type"] == "return.received":
            policy_w = POLICIES.withdrawal
            first = _at(data["received_at"]) + policy_w.refund_within - max(policy_w.alert_before)
            assert first >= NOW + timedelta(seconds=5)
