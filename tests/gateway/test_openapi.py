"""The OpenAPI document the gateway serves: exactly its routes, every `$ref` resolving."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from services.gateway.app import build_app
from services.runtime.settings import Settings
from tests.gateway.client import request
from tests.gateway.conftest import RunningGateway

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
#: `{token:path}` -> `{token}`: OpenAPI path templates name a parameter, not its converter.
_CONVERTER = re.compile(r"\{([^}:]+):[^}]+\}")


def _route_operations(routes: Iterable[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(path, method) of every HTTP route, Mounts expanded; HEAD (which Starlette adds to
    every GET) left out."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _route_operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            path = _CONVERTER.sub(r"{\1}", prefix + route.path)
            found |= {(path, method.lower()) for method in route.methods or ()} - {(path, "head")}
        else:  # a websocket or another kind: the document would have to say something
            raise AssertionError(f"a route the test does not know how to compare: {route!r}")
    return found


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def _served_document(app: Starlette) -> dict[str, Any]:
    """GET /openapi.json through the app itself (no server, no broker needed)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/openapi.json", "raw_path": b"/openapi.json",
        "root_path": "", "query_string": b"", "headers": [], "client": ("127.0.0.1", 1),
        "server": ("gateway.test", 80), "app": app,
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 200
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    document: dict[str, Any] = json.loads(body)
    return document


@pytest.fixture
def app(tmp_path: Path) -> Starlette:
    """The real gateway app; it reaches the broker only on a publish, so none is needed."""
    settings = Settings(
        amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",
        database_url=f"sqlite:///{tmp_path / 'aftersale.db'}",
        public_url="http://gateway.test",
        secret_key="openapi-test-key",
    )
    return build_app(settings)


def test_the_document_names_exactly_the_routes_the_app_serves(app: Starlette) -> None:
    document = _served_document(app)
    served = _route_operations(app.routes)
    documented = _documented(document)
    assert not served - documented, f"served but not documented: {sorted(served - documented)}"
    assert not documented - served, f"documented but not served: {sorted(documented - served)}"
    # The routes issue 13 added, and those the document had missed, are there by name.
    assert {
        ("/f/{token}", "get"),
        ("/board", "get"),
        ("/metrics", "get"),
        ("/api/dlq/{dead_letter_id}/replay", "post"),
        ("/v1/reports/ses/{token}", "post"),
        ("/v1/reports/postmark", "post"),
        ("/v1/reports/sendgrid", "post"),
        ("/v1/reports/generic", "post"),
    } <= documented


def test_every_operation_is_described_and_answers_something(app: Starlette) -> None:
    document = _served_document(app)
    ids: list[str] = []
    for path, item in document["paths"].items():
        templated = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("responses"), where
            ids.append(operation["operationId"])
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == templated, where
    assert len(ids) == len(set(ids)), "operationIds are unique"


def test_the_events_endpoint_documents_cloudevents(app: Starlette) -> None:
    post = _served_document(app)["paths"]["/v1/events"]["post"]
    content = post["requestBody"]["content"]
    assert set(content) == {
        "application/json",
        "application/cloudevents+json",
        "application/cloudevents-batch+json",
    }
    headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert {"ce-id", "ce-type", "ce-source", "ce-specversion", "ce-time", "ce-shopid"} <= headers
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers
    assert "com.aftersale." in post["description"] and "wrong_shop" in post["description"]
    required = {p["name"] for p in post["parameters"] if p.get("required")}
    assert required == {"X-Aftersale-Shop"}  # either signing scheme will do


def test_the_document_is_valid_openapi_when_the_validator_is_installed(app: Starlette) -> None:
    if importlib.util.find_spec("openapi_spec_validator") is None:
        pytest.skip("openapi-spec-validator is not installed")
    validator = importlib.import_module("openapi_spec_validator")
    validator.validate(_served_document(app))


def test_the_document_describes_the_events_endpoint(gateway: RunningGateway) -> None:
    reply = request(f"{gateway.url}/openapi.json")

    assert reply.status == 200
    document = reply.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/v1/events", "/u/{token}", "/healthz"}
    assert _documented(document) == _route_operations(gateway.app.routes)
    post = document["paths"]["/v1/events"]["post"]
    headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert headers >= {"X-Aftersale-Shop", "X-Aftersale-Timestamp", "X-Aftersale-Signature"}
    assert set(post["responses"]) >= {"202", "400", "401", "413"}
    assert "schemas/envelope.schema.json" in post["description"]
    assert "application/json" in post["requestBody"]["content"]
    # Every $ref resolves inside the document.
    schemas = document["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    assert "OrderPlaced" in schemas
    assert "OrderPlacedCloudEvent" in schemas
    security = document["components"]["securitySchemes"]
    for item in document["paths"].values():
        for operation in item.values():
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(security)
