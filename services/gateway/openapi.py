"""The gateway's OpenAPI 3.1 document, built from the event contract itself."""

from __future__ import annotations

from typing import Any

from events import EVENT_MODELS, SCHEMA_VERSION
from services.contract.jsonschemas import component_schemas, envelope_schema
from services.gateway.auth import TOLERANCE_SECONDS
from services.gateway.signing import SHOP_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


_SIGNING = (
    f"Sign the exact body: `{SIGNATURE_HEADER}: sha256=<hex>` where `<hex>` is the "
    "lowercase hex HMAC-SHA256, keyed with the shop's secret, of the bytes "
    f'`"{{timestamp}}."` followed by the raw body, and `{TIMESTAMP_HEADER}` carries that '
    f"timestamp (Unix seconds, within ±{TOLERANCE_SECONDS} s of the gateway's clock). "
    "The same signed request is accepted once, by any gateway on the same store."
)

_HEADERS = [
    {
        "name": SHOP_HEADER,
        "in": "header",
        "required": True,
        "description": "The shop sending; every event's `shop_id` must be this shop.",
        "schema": {"type": "string", "examples": ["shop-42"]},
    },
    {
        "name": TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "description": f"Unix seconds when signed; refused when more than "
        f"{TOLERANCE_SECONDS} s away from the gateway's clock.",
        "schema": {"type": "string", "pattern": "^[0-9]+$", "examples": ["1795432500"]},
    },
    {
        "name": SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "description": _SIGNING,
        "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
    },
]


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = dict(component_schemas(_REF))
    envelope = {k: v for k, v in envelope_schema().items() if k not in ("$schema", "$id")}
    envelope["description"] += " Published as `schemas/envelope.schema.json`."
    schemas["Envelope"] = envelope
    schemas["Event"] = {
        "description": "One event envelope; `type` chooses the shape of `data` "
        "(`schemas/events/<type>.schema.json`).",
        "oneOf": [_ref(model.__name__) for model in EVENT_MODELS.values()],
        "discriminator": {
            "propertyName": "type",
            "mapping": {name: _REF + model.__name__ for name, model in EVENT_MODELS.items()},
        },
    }
    schemas["Accepted"] = {
        "type": "object",
        "required": ["accepted", "results"],
        "properties": {
            "accepted": {"type": "integer"},
            "results": {"type": "array", "items": _ref("EventResult")},
        },
    }
    schemas["EventResult"] = {
        "type": "object",
        "required": ["index", "event_id", "status"],
        "properties": {
            "index": {"type": "integer", "description": "Position in the request (0 for one)."},
            "event_id": {"type": "string"},
            "status": {
                "enum": ["accepted", "unroutable", "nacked", "failed", "not_published"],
                "description": "`accepted`: confirmed by the broker, it will be recorded once.",
            },
        },
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "A stable code, e.g. `bad_signature`."},
            "message": {"type": "string", "description": "What is wrong, in words."},
            "errors": {"type": "array", "items": _ref("EventError")},
        },
    }
    schemas["EventError"] = {
        "type": "object",
        "required": ["index", "path", "message"],
        "properties": {
            "index": {"type": "integer"},
            "path": {"type": "string", "examples": ["data.items[0].quantity"]},
            "message": {"type": "string"},
        },
    }
    return schemas


def _events_operation() -> dict[str, Any]:
    error = _ref("Error")
    return {
        "operationId": "postEvents",
        "summary": "Send events (one envelope or an array), signed by the shop",
        "description": (
            "Every event is validated against the wire contract version "
            f"{SCHEMA_VERSION} (the envelope schema is `schemas/envelope.schema.json`, one "
            "schema per type in `schemas/events/`) and published to the exchange "
            "`aftersale.events` with publisher confirms before the answer. A batch is all or "
            "nothing at validation: one invalid event refuses the whole request and nothing "
            "is published; fix it and send it again (each event_id is recorded once). " + _SIGNING
        ),
        "parameters": _HEADERS,
        "security": [{"shopSignature": []}, {"standardWebhooks": []}],
        "requestBody": {
            "required": True,
            "description": "At most 1 MiB; each event at most 256 KiB.",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _ref("Event"),
                            {"type": "array", "minItems": 1, "items": _ref("Event")},
                        ]
                    }
                }
            },
        },
        "responses": {
            "202": _json(_ref("Accepted"), "Every event was confirmed by the broker."),
            "400": _json(error, "Not JSON, or events failing the contract, with field paths."),
            "401": _json(
                error,
                "Missing or bad signature, unknown shop, stale timestamp or a replayed request.",
            ),
            "403": _json(error, "An event's shop_id is not the signing shop."),
            "413": _json(error, "The body is over 1 MiB."),
            "503": _json(
                _ref("Accepted"),
                "The broker did not take every event, or the store is unreachable; "
                "retry the batch later (Retry-After).",
            ),
        },
    }


def _unsubscribe_operation(method: str) -> dict[str, Any]:
    return {
        "operationId": f"unsubscribe{method.capitalize()}",
        "summary": "Opt out of non-transactional messages"
        + (" (RFC 8058 one-click)" if method == "post" else ""),
        "description": "The link in every non-transactional message. Publishes a "
        "`customer.updated` with `opted_out: true`; a second click has no second effect.",
        "parameters": [
            {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {
            "200": _html("Unsubscribed (Polish and English)."),
            "400": _html("The link was altered or has expired; nothing changed."),
            "503": _html("The broker is unavailable; try again."),
        },
    }


def _order_page_paths() -> dict[str, Any]:
    token = [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}]
    missing = _html("The link does not verify or names no order; nothing is shown.")
    return {
        "/o/{token}": {"get": {
            "operationId": "orderPage",
            "summary": "The customer's order page: every stage with its date",
            "description": "The link in every customer message about an order.",
            "parameters": token,
            "responses": {"200": _html("The order page, in the customer's language."),
                          "404": missing},
        }},
        "/o/{token}/withdraw": {
            "get": {
                "operationId": "withdrawalConfirmation",
                "summary": "The withdrawal function's confirmation step",
                "parameters": token,
                "responses": {"200": _html("The form."), "404": missing,
                              "409": _html("Withdrawal is not open for this order.")},
            },
            "post": {
                "operationId": "withdraw",
                "summary": "Confirm the withdrawal (form: name, sku…)",
                "description": "Publishes a `return.requested` (kind withdrawal, source "
                "withdrawal_function); a second confirmation has no second effect.",
                "parameters": token,
                "responses": {"200": _html("Received: the time of receipt and the refund date."),
                              "400": _html("No item chosen."), "404": missing,
                              "409": _html("Withdrawal is not open for this order."),
                              "503": _html("The broker is unavailable; try again.")},
            },
        },
    }  # fmt: skip


def openapi_document(public_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aftersale gateway",
            "version": "1",
            "description": "Signed event intake for shops, and the links customers follow.",
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": {
            "/v1/events": {"post": _events_operation()},
            "/u/{token}": {
                "get": _unsubscribe_operation("get"),
                "post": _unsubscribe_operation("post"),
            },
            **_order_page_paths(),
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness",
                    "responses": {"200": _json({"type": "object"}, '{"status": "ok"}')},
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "standardWebhooks": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "webhook-signature",
                    "description": "Standard Webhooks (https://www.standardwebhooks.com/): "
                    "webhook-id (the replay key), webhook-timestamp (Unix seconds, ±300 s), "
                    "webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>, several "
                    "for a key rotation; key: the shop's secret (whsec_ decoded, else UTF-8); "
                    "the shop in X-Aftersale-Shop.",
                },
                "shopSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": SIGNATURE_HEADER,
                    "description": _SIGNING,
                },
            },
        },
    }
