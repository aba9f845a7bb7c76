"""The generated `schemas/` folder: fresh, valid, and consistent with the event models."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from events import EVENT_MODELS, EXCHANGE, parse_event
from events.cloudevents import STRUCTURED_CONTENT_TYPE, read_message
from events.fields import MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN
from services.contract.export import export_schemas, render_schemas
from services.contract.jsonschemas import EVENT_SUMMARIES

MONEY_PATTERNS = (MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN)

COMMITTED = Path(__file__).parents[2] / "schemas"
REGENERATE = "schemas/ is stale: run `aftersale schemas export` and commit the result"
TYPES = list(EVENT_MODELS)


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


# (a) staleness ------------------------------------------------------------------------


def test_committed_schemas_are_fresh(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    expected = _files(tmp_path)
    assert {path.relative_to(tmp_path).as_posix() for path in written} == expected
    committed = _files(COMMITTED) if COMMITTED.is_dir() else set()
    missing = sorted(expected - committed)
    assert not missing, f"{REGENERATE} (missing: {', '.join(missing)})"
    extra = sorted(committed - expected)
    assert not extra, f"{REGENERATE} (not produced by the export: {', '.join(extra)})"
    stale = sorted(
        name
        for name in expected
        if (COMMITTED / name).read_bytes() != (tmp_path / name).read_bytes()
    )
    assert not stale, f"{REGENERATE} (differs: {', '.join(stale)})"


def test_export_is_deterministic_and_removes_strays(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    first = {name: (tmp_path / name).read_bytes() for name in _files(tmp_path)}
    (tmp_path / "events" / "order.renamed.schema.json").write_text("{}\n")
    (tmp_path / "examples" / "order.renamed.json").write_text("{}\n")
    export_schemas(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in _files(tmp_path)} == first
    assert render_schemas() == {name: first[name] for name in sorted(first)}
    assert all(content.endswith(b"\n") for content in first.values())


def test_every_type_has_a_schema_an_example_and_a_summary() -> None:
    names = set(render_schemas())
    for event_type in TYPES:
        assert f"events/{event_type}.schema.json" in names
        assert f"examples/{event_type}.json" in names
    assert set(EVENT_SUMMARIES) == set(TYPES)


# (b) examples against the models ------------------------------------------------------


@pytest.mark.parametrize("event_type", TYPES)
def test_example_passes_parse_event(event_type: str) -> None:
    body = (COMMITTED / "examples" / f"{event_type}.json").read_bytes()
    event = parse_event(body)
    assert event.type == event_type
    assert event.shop_id == "shop-42"
    assert event.occurred_at.utcoffset() is not None


# (c) examples against the JSON Schemas ------------------------------------------------


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), f"non-local $ref {ref}"
        schema = root["$defs"][ref.removeprefix("#/$defs/")]
    return schema


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _problems(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    """A small JSON Schema check: the keywords the generated schemas use."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        options = [_problems(value, option, root, at) for option in schema["anyOf"]]
        if all(options):
            return [f"{at}: matches no alternative ({'; '.join(options[0])})"]
    kind = schema.get("type")
    if kind is not None:
        wrong_bool = isinstance(value, bool) and kind in ("integer", "number")
        if wrong_bool or not isinstance(value, _JSON_TYPES[kind]):
            return [f"{at}: expected {kind}, got {type(value).__name__}"]
    found: list[str] = []
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: expected {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{at}: {value!r} does not match {schema['pattern']}")
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            found.append(f"{at}: length {len(value)} out of bounds")
    is_number = isinstance(value, int) and not isinstance(value, bool)
    if is_number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        found.append(f"{at}: {value} out of bounds")
    if isinstance(value, dict):
        found += [f"{at}.{key}: required" for key in schema.get("required", []) if key not in value]
        for key, prop in schema.get("properties", {}).items():
            if key in value:
                found += _problems(value[key], prop, root, f"{at}.{key}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            found.append(f"{at}: {len(value)} items out of bounds")
        for index, item in enumerate(value):
            found += _problems(item, schema.get("items", {}), root, f"{at}[{index}]")
    return found


def _money_values(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> list[Any]:
    """Every value of the example that the schema declares to be money."""
    schema = _resolve(schema, root)
    if schema.get("pattern") in MONEY_PATTERNS:
        return [value]
    found: list[Any] = []
    for option in schema.get("anyOf", []):
        found += _money_values(value, option, root)
    if isinstance(value, dict):
        for key, prop in schema.get("properties", {}).items():
            if key in value:
                found += _money_values(value[key], prop, root)
    if isinstance(value, list):
        for item in value:
            found += _money_values(item, schema.get("items", {}), root)
    return found


@pytest.mark.parametrize("event_type", TYPES)
def test_example_matches_its_json_schema(event_type: str) -> None:
    schema = _load_json(COMMITTED / "events" / f"{event_type}.schema.json")
    example = _load_json(COMMITTED / "examples" / f"{event_type}.json")
    assert _problems(example, schema, schema, "$") == []
    money = _money_values(example, schema, schema)
    assert all(isinstance(amount, str) for amount in money), money
    if event_type in ("order.placed", "return.resolved"):
        assert money, "the example should show its money fields"
    envelope = _load_json(COMMITTED / "envelope.schema.json")
    assert _problems(example, envelope, envelope, "$") == []
    if importlib.util.find_spec("jsonschema") is not None:  # the full check, when installed
        jsonschema = importlib.import_module("jsonschema")
        jsonschema.Draft202012Validator(schema).validate(example)
        jsonschema.Draft202012Validator(envelope).validate(example)


@pytest.mark.parametrize("event_type", TYPES)
def test_schema_refuses_what_the_model_refuses(event_type: str) -> None:
    schema = _load_json(COMMITTED / "events" / f"{event_type}.schema.json")
    example = _load_json(COMMITTED / "examples" / f"{event_type}.json")
    assert _problems(example | {"schema_version": 2}, schema, schema, "$")
    assert _problems({**example, "data": {}}, schema, schema, "$")
    assert schema["properties"]["type"]["const"] == event_type
    assert schema["$id"].endswith(f"/v1/events/{event_type}.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _walk(value))]
    if isinstance(node, list):
        return [found for value in node for found in _walk(value)]
    return []


def test_money_is_a_string_never_a_number_in_every_schema() -> None:
    for path in sorted(COMMITTED.rglob("*.schema.json")):
        nodes = _walk(_load_json(path))
        assert not [node for node in nodes if node.get("type") == "number"], path
        for node in nodes:
            if node.get("pattern") in MONEY_PATTERNS:
                assert node["type"] == "string" and "anyOf" not in node, path
    amount = _load_json(COMMITTED / "examples" / "order.placed.json")["data"]["total"]
    assert amount == "1234.50"


# (d) AsyncAPI -------------------------------------------------------------------------


@functools.cache
def _load_asyncapi() -> str:
    return json.dumps(yaml.safe_load((COMMITTED / "asyncapi.yaml").read_text(encoding="utf-8")))


def _asyncapi() -> Any:
    """The committed document, parsed once (a fresh copy each time)."""
    return json.loads(_load_asyncapi())


def test_asyncapi_document() -> None:
    document = _asyncapi()
    assert document["asyncapi"] == "3.1.0"
    assert document["info"]["title"] == "aftersale events"
    assert "aftersale.dead-letter" in document["info"]["description"]
    assert "AFTERSALE_AMQP_URL" in document["info"]["description"]
    assert document["servers"]["rabbitmq"]["protocol"] == "amqp"
    channels = document["channels"]
    by_address = {channel["address"]: channel for channel in channels.values()}
    assert set(by_address) == set(TYPES)
    for event_type, channel in by_address.items():
        amqp = channel["bindings"]["amqp"]
        assert amqp["is"] == "routingKey"
        assert amqp["exchange"]["name"] == EXCHANGE
        assert amqp["exchange"]["type"] == "topic" and amqp["exchange"]["durable"] is True
        native, structured, binary = (
            _follow(document, ref["$ref"]) for ref in channel["messages"].values()
        )
        assert native["name"] == structured["name"] == binary["name"] == event_type
        assert native["contentType"] == "application/json"
        payload = _follow(document, native["payload"]["$ref"])
        assert payload["properties"]["type"]["const"] == event_type
        assert structured["contentType"] == "application/cloudevents+json"
        cloudevent = _follow(document, structured["payload"]["$ref"])
        assert cloudevent["properties"]["type"]["enum"] == [
            f"com.aftersale.{event_type}",
            event_type,
        ]
        assert cloudevent["properties"]["data"] == payload["properties"]["data"]
        assert binary["contentType"] == "application/json"
        assert binary["payload"] == payload["properties"]["data"]
        headers = _follow(document, binary["headers"]["$ref"])
        assert {"cloudEvents:id", "cloudEvents_id", "ce-id", "ce-shopid"} <= set(
            headers["properties"]
        )
        for message in (structured, binary):
            assert "amqp-protocol-binding" in message["externalDocs"]["url"]
    operations = document["operations"].values()
    assert sorted(_follow(document, op["channel"]["$ref"])["address"] for op in operations) == (
        sorted(TYPES)
    )
    assert all(op["action"] == "send" for op in operations)
    assert all(op["bindings"]["amqp"]["deliveryMode"] == 2 for op in operations)
    assert all(len(op["messages"]) == 3 for op in operations)
    for node in _walk(document):
        if "$ref" in node:
            _follow(document, node["$ref"])  # every reference resolves inside the document


@pytest.mark.parametrize("event_type", TYPES)
def test_asyncapi_cloudevent_examples_are_the_native_example(event_type: str) -> None:
    """What the AsyncAPI shows as CloudEvents reads as the very event of the native example."""
    document = _asyncapi()
    messages = document["components"]["messages"]
    cid = next(key for key, message in messages.items() if message["title"] ==
               EVENT_MODELS[event_type].__name__)  # fmt: skip
    native = parse_event((COMMITTED / "examples" / f"{event_type}.json").read_bytes())
    (structured,) = messages[f"{cid}CloudEvent"]["examples"]
    (binary,) = messages[f"{cid}CloudEventBinary"]["examples"]
    read = [
        read_message(json.dumps(structured["payload"]).encode(), STRUCTURED_CONTENT_TYPE),
        read_message(json.dumps(binary["payload"]).encode(), "application/json", binary["headers"]),
    ]
    for wire in read:
        assert (wire.event.event_id, wire.event.shop_id, wire.event.type) == (
            native.event_id, native.shop_id, native.type)  # fmt: skip
        assert wire.event.occurred_at == native.occurred_at
        assert wire.event.model_dump()["data"] == native.model_dump()["data"]


def test_asyncapi_document_is_valid_against_the_asyncapi_schema_when_given() -> None:
    """The official JSON Schema of AsyncAPI 3.1.0 (asyncapi/spec-json-schemas,
    `schemas/3.1.0-without-$id.json`) is not shipped here; point ASYNCAPI_SCHEMA at it."""
    location = os.environ.get("ASYNCAPI_SCHEMA")
    if not location or importlib.util.find_spec("jsonschema") is None:
        pytest.skip("set ASYNCAPI_SCHEMA to the AsyncAPI 3.1.0 JSON Schema to check")
    jsonschema = importlib.import_module("jsonschema")
    schema = json.loads(Path(location).read_text(encoding="utf-8"))
    document = _asyncapi()
    jsonschema.Draft7Validator(schema).validate(document)


def _follow(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        assert part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node
