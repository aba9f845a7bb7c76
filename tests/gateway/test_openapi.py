"""The OpenAPI document the gateway serves."""

from __future__ import annotations

from tests.gateway.client import request
from tests.gateway.conftest import RunningGateway


def test_the_document_describes_the_events_endpoint(gateway: RunningGateway) -> None:
    reply = request(f"{gateway.url}/openapi.json")

    assert reply.status == 200
    document = reply.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/v1/events", "/u/{token}", "/healthz"}
    post = document["paths"]["/v1/events"]["post"]
    headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
    assert headers == {"X-Aftersale-Shop", "X-Aftersale-Timestamp", "X-Aftersale-Signature"}
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
