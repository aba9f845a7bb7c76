"""The integrator's guide `schemas/README.md`: what integrators stumbled on stays fixed.

Each test pins one thing a shop's developer needed and did not find (or found
wrong); the code samples are checked by running them where that is cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from events import parse_event
from events.cloudevents import read_message
from services.gateway.signing import sign_body
from services.ingest.projection import apply_event
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import Customer

REPO = Path(__file__).parents[2]
README = (REPO / "schemas" / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of one `## title` section, up to the next one."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert found, f"the guide has no section {title!r}"
    return found.group(1)


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


# Node.js -----------------------------------------------------------------------------


def test_the_node_samples_are_commonjs_without_top_level_await_and_close_what_they_open() -> None:
    samples = _blocks(README, "js")
    assert len(samples) == 2  # AMQP, and HTTP
    for sample in samples:
        assert "require(" in sample
        assert "async function main()" in sample
        assert "main().catch(" in sample
        top_level = [line for line in sample.splitlines() if line.startswith("await ")]
        assert not top_level, top_level
        assert not re.search(r"^(const|let) \w+ = await ", sample, re.M)
    amqp = samples[0]
    assert "finally" in amqp
    assert "await channel.close()" in amqp
    assert "await connection.close()" in amqp
    assert amqp.index("channel.close()") < amqp.index("connection.close()")


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("index", [0, 1])
def test_node_parses_the_samples_as_commonjs(index: int, tmp_path: Path) -> None:
    script = tmp_path / "sample.cjs"
    script.write_text(_blocks(README, "js")[index], encoding="utf-8")
    checked = subprocess.run(
        ["node", "--check", str(script)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr


# Publishing rules --------------------------------------------------------------------


def test_money_and_times_are_two_rules() -> None:
    rules = [line for line in _section("Publishing").splitlines() if line.startswith("- ")]
    money = [rule for rule in rules if '"1234.50"' in rule]
    times = [rule for rule in rules if "RFC 3339" in rule]
    assert len(money) == len(times) == 1
    assert money != times
    assert "RFC 3339" not in money[0] and "1234.50" not in times[0]


def test_the_virtual_host_is_named_by_the_amqp_url() -> None:
    publishing = _section("Publishing")
    assert "AFTERSALE_AMQP_URL" in publishing
    assert "`%2F`" in publishing
    assert "not fixed to `/`" in publishing


# Over HTTP ---------------------------------------------------------------------------


def test_the_guide_documents_the_gateway_and_its_signatures() -> None:
    http = _section("Over HTTP")
    assert "POST /v1/events" in http and "AFTERSALE_HTTP_ADDR" in http
    for header in ("X-Aftersale-Shop", "X-Aftersale-Timestamp", "X-Aftersale-Signature"):
        assert f"`{header}`" in http
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature: v1,<base64>"):
        assert f"`{header}`" in http
    assert "whsec_" in http and "±300 s" in http
    for status in ("202", "400", "401", "403", "413", "503"):
        assert f"| `{status}` |" in http


def test_the_signature_the_guide_describes_is_the_one_the_gateway_checks() -> None:
    http = _section("Over HTTP")
    assert '`HMAC(secret, "1795432500." + body)`' in http
    assert "`sha256=` followed by the lowercase hex HMAC-SHA256" in http
    body = b'{"event_id":"e-1"}'
    described = "sha256=" + hmac.new(b"secret", b"1795432500." + body, hashlib.sha256).hexdigest()
    assert described == sign_body("secret", 1795432500, body)
    node = _blocks(http, "js")[0]
    assert '.update(`${timestamp}.${body}`, "utf8")' in node
    assert '.digest("hex")' in node and "`sha256=${digest}`" in node


# Event ids, order, customers ---------------------------------------------------------


def test_the_guide_says_how_to_choose_an_event_id() -> None:
    text = _section("Choosing an `event_id`")
    assert "ULID or UUID" in text and "`order-1001-placed`" in text
    assert "re-sending the same id" in text and "is safe" in text
    assert "a new id for the same fact is a second event" in text


def test_the_guide_says_in_what_order_to_publish() -> None:
    text = _section("The order of events")
    assert text.index("`order.placed` first") < text.index("`order.shipped`")
    assert "`ingest.wait_for_parent` (default 10 minutes)" in text


def _envelope(event_id: str, event_type: str, occurred_at: str, data: dict[str, Any]) -> Any:
    return parse_event(
        json.dumps(
            {"event_id": event_id, "type": event_type, "schema_version": 1,
             "occurred_at": occurred_at, "shop_id": "shop-42", "data": data}
        ).encode()
    )  # fmt: skip


def _placed(event_id: str, order_id: str, occurred_at: str, customer: dict[str, Any]) -> Any:
    items = [{"sku": "MUG-1", "name": "Kubek", "quantity": 1, "unit_price": "39.90"}]
    return _envelope(event_id, "order.placed", occurred_at,
                     {"order_id": order_id, "customer": {"customer_id": "c-1", **customer},
                      "items": items, "total": "39.90", "currency": "PLN"})  # fmt: skip


def test_what_the_guide_says_of_customer_blocks_is_what_the_ingest_does(sqlite_url: str) -> None:
    text = _section("Event types")
    assert "each field present with a value replaces the stored one" in text
    assert "a field left out, or `null`, keeps what is stored" in text
    assert "The event recorded last wins, whatever its `occurred_at`" in text
    assert "one sent again under a new `event_id` changes nothing" in text
    engine = build_engine(sqlite_url)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 24, tzinfo=UTC)

    def stored() -> Customer:
        with sessions() as session:
            return session.execute(select(Customer)).scalar_one()

    def apply(event: Any) -> None:
        with sessions.begin() as session:
            apply_event(session, event, now)

    apply(
        _placed(
            "e-1",
            "o-1",
            "2026-11-23T10:00:00+01:00",
            {"email": "a@example.pl", "name": "Zofia", "marketing_consent": True},
        )
    )
    # A later order, though it happened earlier, with fewer fields: present ones replace.
    apply(_placed("e-2", "o-2", "2026-11-20T10:00:00+01:00",
                  {"email": "b@example.pl", "name": None}))  # fmt: skip
    customer = stored()
    assert (customer.email, customer.name, customer.marketing_consent) == (
        "b@example.pl", "Zofia", True)  # fmt: skip
    # The first order again under a new event_id: nothing changes.
    apply(_placed("e-3", "o-1", "2026-11-23T10:00:00+01:00", {"email": "c@example.pl"}))
    assert stored().email == "b@example.pl"
    # `false` is a value; `null` is not.
    apply(_envelope("e-4", "customer.updated", "2026-11-23T11:00:00+01:00",
                    {"customer_id": "c-1", "marketing_consent": False, "email": None}))  # fmt: skip
    customer = stored()
    assert (customer.email, customer.marketing_consent, customer.opted_out) == (
        "b@example.pl", False, False)  # fmt: skip
    engine.dispose()


# CloudEvents -------------------------------------------------------------------------


def test_the_guide_documents_the_cloudevents_mapping_and_modes() -> None:
    text = _section("CloudEvents")
    for attribute, field in (("`id`", "`event_id`"), ("`time`", "`occurred_at`"),
                             ("`shopid`", "`shop_id`"), ("`data`", "`data`")):  # fmt: skip
        assert re.search(rf"^\| {re.escape(attribute)}[^|]*\| {re.escape(field)}", text, re.M)
    assert "`com.aftersale.order.placed`" in text and "`dataschema` (optional)" in text
    assert "extra field `cloudevent`" in text
    for prefix in ("`cloudEvents:`", "`cloudEvents_`", "`ce-`"):
        assert prefix in text
    assert "`application/cloudevents+json`" in text
    assert "`application/cloudevents-batch+json`" in text
    assert "same `(shop, id)` are one event" in text


class _Channel:
    def __init__(self, published: list[dict[str, Any]]) -> None:
        self.published = published
        self.confirming = False

    def confirm_delivery(self) -> None:
        self.confirming = True

    def basic_publish(self, **message: Any) -> None:
        assert self.confirming, "publish with confirms"
        self.published.append(message)


def _fake_pika(published: list[dict[str, Any]], closed: list[bool]) -> types.ModuleType:
    module = types.ModuleType("pika")

    class BlockingConnection:
        def __init__(self, parameters: str) -> None:
            assert parameters.startswith("amqp://")

        def channel(self) -> _Channel:
            return _Channel(published)

        def close(self) -> None:
            closed.append(True)

    module.BlockingConnection = BlockingConnection  # type: ignore[attr-defined]
    module.URLParameters = str  # type: ignore[attr-defined]
    module.BasicProperties = types.SimpleNamespace  # type: ignore[attr-defined]
    return module


def test_the_python_cloudevents_sample_publishes_the_native_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (sample,) = _blocks(_section("CloudEvents"), "python")
    assert "from cloudevents.core.bindings import rabbitmq" in sample
    published: list[dict[str, Any]] = []
    closed: list[bool] = []
    monkeypatch.setitem(sys.modules, "pika", _fake_pika(published, closed))
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("AFTERSALE_AMQP_URL", raising=False)
    exec(compile(sample, "README.md (CloudEvents)", "exec"), {"__name__": "sample"})
    assert closed == [True]
    (message,) = published
    properties = message["properties"]
    assert (message["exchange"], message["routing_key"]) == ("aftersale.events", "order.placed")
    assert properties.delivery_mode == 2
    wire = read_message(message["body"], properties.content_type, properties.headers)
    native = parse_event((REPO / "schemas" / "examples" / "order.placed.json").read_bytes())
    assert wire.mode == "binary"
    assert properties.message_id == native.event_id
    assert (wire.event.event_id, wire.event.shop_id, wire.event.type) == (
        native.event_id, native.shop_id, native.type)  # fmt: skip
    assert wire.event.occurred_at == native.occurred_at
    assert wire.event.model_dump()["data"] == native.model_dump()["data"]


def test_the_guide_names_the_asyncapi_version() -> None:
    assert "| `asyncapi.yaml` | AsyncAPI 3.1.0:" in README
