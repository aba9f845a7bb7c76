"""CloudEvents read into the native envelope: every binding of the official SDK, and
every way a CloudEvent can be wrong, named by its own attributes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from cloudevents.core.bindings import amqp, http, rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from events import ContractViolation, parse_event
from events.cloudevents import STRUCTURED_CONTENT_TYPE, is_cloudevent, read_message
from tests.support import factories

NATIVE = factories.order_placed(
    "ord-ce", event_id="evt-ce-1", occurred_at="2026-11-23T10:15:00+01:00"
)


def cloud_event(**attributes: Any) -> CloudEvent:
    base: dict[str, Any] = {
        "id": NATIVE["event_id"],
        "source": "https://shop.example/orders",
        "type": "com.aftersale.order.placed",
        "time": datetime.fromisoformat(NATIVE["occurred_at"]),
        "shopid": NATIVE["shop_id"],
        "datacontenttype": "application/json",
    }
    base.update(attributes)
    return CloudEvent(attributes=base, data=NATIVE["data"])


def structured_body(**changes: Any) -> bytes:
    document = json.loads(rabbitmq.to_structured(cloud_event(), JSONFormat()).body)
    for name, value in changes.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return json.dumps(document).encode()


def _forms() -> dict[str, tuple[bytes, str | None, dict[str, Any], bool]]:
    event, fmt = cloud_event(), JSONFormat()
    structured = rabbitmq.to_structured(event, fmt)
    binary_ce = rabbitmq.to_binary(event, fmt)
    binary_amqp = amqp.to_binary(event, fmt)
    binary_http = http.to_binary(event, fmt)
    colon = {k.replace("cloudEvents_", "cloudEvents:"): v
             for k, v in binary_amqp.application_properties.items()}  # fmt: skip
    return {
        "structured (SDK, RabbitMQ binding)": (structured.body, structured.content_type, {}, False),
        "binary, ce- headers (RabbitMQ binding)": (
            binary_ce.body, binary_ce.content_type, binary_ce.headers, False),
        "binary, cloudEvents_ headers (AMQP binding)": (
            binary_amqp.application_data, "application/json",
            binary_amqp.application_properties, False),
        "binary, cloudEvents: headers (AMQP binding)": (
            binary_amqp.application_data, "application/json", colon, False),
        "binary, HTTP ce- headers": (
            binary_http.body, binary_http.headers["content-type"], binary_http.headers, True),
    }  # fmt: skip


FORMS = _forms()


@pytest.mark.parametrize("form", list(FORMS))
def test_every_binding_reads_as_the_native_event(form: str) -> None:
    body, content_type, headers, over_http = FORMS[form]
    assert is_cloudevent(content_type, headers, http=over_http)
    wire = read_message(body, content_type, headers, http=over_http)
    native = parse_event(factories.to_bytes(NATIVE))
    assert wire.mode == ("structured" if "structured" in form else "binary")
    assert wire.event.event_id == native.event_id
    assert wire.event.shop_id == native.shop_id
    assert wire.event.type == "order.placed"
    assert wire.event.occurred_at == native.occurred_at  # the same instant
    assert wire.event.model_dump()["data"] == native.model_dump()["data"]
    # What the event log keeps is a native envelope the workers read as any other,
    # with the CloudEvent's own attributes kept beside it.
    recorded = json.loads(wire.envelope)
    assert parse_event(wire.envelope) == wire.event
    assert recorded["cloudevent"]["source"] == "https://shop.example/orders"
    assert recorded["cloudevent"]["specversion"] == "1.0"


def test_a_native_envelope_is_read_as_it_is() -> None:
    body = factories.to_bytes(NATIVE)
    wire = read_message(body, "application/json", {"x-aftersale-attempt": 2})
    assert wire.mode == "native"
    assert wire.envelope is body  # byte for byte
    assert not is_cloudevent("application/json", {})


def test_the_bare_native_type_is_accepted_too() -> None:
    wire = read_message(structured_body(type="order.placed"), STRUCTURED_CONTENT_TYPE)
    assert wire.event.type == "order.placed"


def test_extension_attributes_and_dataschema_are_kept() -> None:
    body = structured_body(dataschema="https://shop.example/s.json", traceparent="00-ab-cd-01")
    kept = json.loads(read_message(body, STRUCTURED_CONTENT_TYPE).envelope)["cloudevent"]
    assert kept["dataschema"] == "https://shop.example/s.json"
    assert kept["traceparent"] == "00-ab-cd-01"
    assert kept["type"] == "com.aftersale.order.placed"


REFUSED = {
    "no specversion": (structured_body(specversion=None), "not_cloudevent", "specversion"),
    "specversion 0.3": (structured_body(specversion="0.3"), "not_cloudevent", '"0.3"'),
    "no source": (structured_body(source=None), "not_cloudevent", "`source`"),
    "empty id": (structured_body(id=""), "not_cloudevent", "`id`"),
    "unknown type": (
        structured_body(type="com.aftersale.order.exploded"),
        "unknown_type",
        "com.aftersale.order.placed",
    ),
    "another vendor's type": (
        structured_body(type="com.example.order.placed"),
        "unknown_type",
        '"com.example.order.placed"',
    ),
    "no time": (structured_body(time=None), "invalid", "time: required attribute is missing"),
    "no shopid": (structured_body(shopid=None), "invalid", "shopid: required attribute"),
    "time without zone": (structured_body(time="2026-11-23T10:15:00"), "invalid", "time: must be"),
    "id too long": (structured_body(id="x" * 129), "invalid", "id: "),
    "no data": (structured_body(data=None), "invalid", "data: required field is missing"),
    "wrong field in data": (
        structured_body(data={**NATIVE["data"], "total": 104.3}),
        "invalid",
        "data.total",
    ),
    "data as base64": (
        structured_body(data=None, data_base64="e30="),
        "not_cloudevent",
        "data_base64",
    ),
    "XML data": (structured_body(datacontenttype="application/xml"), "not_cloudevent", "xml"),
    "not an object": (b"[1, 2]", "not_cloudevent", "not a CloudEvent"),
    "not JSON": (b"{oops", "not_json", "not JSON"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_wrong_cloudevent_says_what_is_wrong_in_its_own_terms(case: str) -> None:
    body, code, words = REFUSED[case]
    with pytest.raises(ContractViolation) as caught:
        read_message(body, STRUCTURED_CONTENT_TYPE + "; charset=utf-8")
    assert caught.value.code == code
    assert words in caught.value.reason


def test_binary_data_is_held_to_the_same_json_rules() -> None:
    headers = {"ce-specversion": "1.0", "ce-id": "e1", "ce-source": "/s",
               "ce-type": "com.aftersale.order.placed", "ce-time": NATIVE["occurred_at"],
               "ce-shopid": "shop-42"}  # fmt: skip
    with pytest.raises(ContractViolation) as caught:
        read_message(b'{"order_id": "a", "order_id": "b"}', "application/json", headers)
    assert caught.value.code == "not_json"
    assert caught.value.reason.startswith("data: ")
    with pytest.raises(ContractViolation) as caught:
        read_message(b"<order/>", "text/xml", headers)
    assert "application/json" in caught.value.reason


def test_binary_headers_without_specversion_are_refused_not_read_as_native() -> None:
    headers = {"ce-id": "e1", "ce-type": "com.aftersale.order.placed"}
    with pytest.raises(ContractViolation) as caught:
        read_message(json.dumps(NATIVE["data"]).encode(), "application/json", headers)
    assert "specversion" in caught.value.reason


def test_a_structured_cloudevent_sent_as_plain_json_gets_a_hint() -> None:
    with pytest.raises(ContractViolation) as caught:
        read_message(structured_body(), "application/json")
    assert STRUCTURED_CONTENT_TYPE in caught.value.reason


def test_an_amqp_timestamp_time_is_utc() -> None:
    body, _, headers, _ = FORMS["binary, cloudEvents_ headers (AMQP binding)"]
    assert isinstance(headers["cloudEvents_time"], int)  # milliseconds since the epoch
    wire = read_message(body, "application/json", headers)
    assert json.loads(wire.envelope)["occurred_at"] == "2026-11-23T09:15:00Z"


def test_an_absurd_amqp_timestamp_is_a_wrong_time_not_a_crash() -> None:
    body, _, headers, _ = FORMS["binary, cloudEvents_ headers (AMQP binding)"]
    with pytest.raises(ContractViolation) as caught:
        read_message(body, "application/json", {**headers, "cloudEvents_time": 10**30})
    assert caught.value.code == "invalid" and "time" in caught.value.reason


def test_attribute_headers_under_two_prefixes_are_refused() -> None:
    body, _, headers, _ = FORMS["binary, ce- headers (RabbitMQ binding)"]
    mixed = {k: v for k, v in headers.items() if k != "ce-shopid"}
    mixed["cloudEvents_shopid"] = headers["ce-shopid"]
    with pytest.raises(ContractViolation) as caught:
        read_message(body, "application/json", mixed)
    assert caught.value.code == "not_cloudevent" and "several prefixes" in caught.value.reason
