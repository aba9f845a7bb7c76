"""POST /v1/events: the shops' signed intake, its two signing schemes and its schemas.

The event schemas come from the contract (`services.contract`), so the document
cannot describe an envelope or a CloudEvent the gateway would not take.
"""

from __future__ import annotations

from typing import Any

from events import EVENT_MODELS, SCHEMA_VERSION
from events.cloudevents import SHOP_ATTRIBUTE, STRUCTURED_CONTENT_TYPE, TYPE_PREFIX
from services.contract.cloudevent_schemas import (
    ATTRIBUTES,
    BATCH_CONTENT_TYPE,
    HTTP_BINDING_URL,
    HTTP_HEADER_PREFIX,
    SUMMARY,
    cloudevent_name,
    cloudevent_schemas,
    header_schema,
)
from services.contract.jsonschemas import component_schemas, envelope_schema
from services.gateway import standard_webhooks as sw
from services.gateway.auth import TOLERANCE_SECONDS
from services.gateway.openapi.parts import REF, header, json_response, ref
from services.gateway.signing import SHOP_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from services.gateway.state import MAX_REQUEST_BYTES

_SIGNING = (
    f"Sign the exact body: `{SIGNATURE_HEADER}: sha256=<hex>` where `<hex>` is the "
    "lowercase hex HMAC-SHA256, keyed with the shop's secret (its UTF-8 bytes as written, "
    "a `whsec_` one too), of the "
    f'bytes `"{{timestamp}}."` followed by the raw body, and `{TIMESTAMP_HEADER}` carries '
    f"that timestamp (Unix seconds, within ±{TOLERANCE_SECONDS} s of the gateway's clock). "
    "The same signed request is accepted once, by any gateway on the same store."
)

_STANDARD_WEBHOOKS = (
    "Or sign per Standard Webhooks (https://www.standardwebhooks.com/), used when "
    f"`{SIGNATURE_HEADER}` is absent and `{sw.SIGNATURE_HEADER}` is present: "
    f"`{sw.ID_HEADER}` (the replay key: a request with an id already seen is refused), "
    f"`{sw.TIMESTAMP_HEADER}` (Unix seconds, ±{TOLERANCE_SECONDS} s) and "
    f"`{sw.SIGNATURE_HEADER}: v1,<base64>`, the standard base64 of the HMAC-SHA256 of "
    f'`"{{{sw.ID_HEADER}}}.{{{sw.TIMESTAMP_HEADER}}}."` followed by the raw body, several '
    "separated by spaces during a key rotation (any one that matches will do); the key is "
    "the shop's secret, `whsec_<base64>` decoded, any other secret as its UTF-8 bytes. The "
    f"shop is named by `{SHOP_HEADER}` in both schemes."
)

_CLOUDEVENTS = (
    SUMMARY + f" Structured: one CloudEvent as `{STRUCTURED_CONTENT_TYPE}`, or a JSON array of "
    f"them as `{BATCH_CONTENT_TYPE}`. Binary: the `{HTTP_HEADER_PREFIX}*` headers below "
    "(values percent-encoded as the HTTP binding writes them) and an `application/json` body "
    f"that is the event's `data`. Every CloudEvent's `{SHOP_ATTRIBUTE}` must be the signing "
    "shop (403 `wrong_shop` otherwise); errors name the CloudEvent's attributes (`id`, "
    f"`time`, `{SHOP_ATTRIBUTE}`, `data.…`), not the envelope's fields."
)


def _events_headers() -> list[dict[str, Any]]:
    digits = {"type": "string", "pattern": "^[0-9]+$", "examples": ["1795432500"]}
    headers = [
        header(SHOP_HEADER, "The shop sending; every event's `shop_id` (a CloudEvent's "
               f"`{SHOP_ATTRIBUTE}`) must be this shop.",
               {"type": "string", "examples": ["shop-42"]}, required=True),
        header(TIMESTAMP_HEADER, f"Unix seconds when signed; refused when more than "
               f"{TOLERANCE_SECONDS} s away from the gateway's clock. Required with "
               f"`{SIGNATURE_HEADER}`.", digits),
        header(SIGNATURE_HEADER, _SIGNING + " Required unless the request is signed per "
               "Standard Webhooks.", {"type": "string", "pattern": "^sha256=[0-9a-fA-F]{64}$"}),
        header(sw.ID_HEADER, "Standard Webhooks: the message id, 1–255 printable characters "
               "without spaces; the replay key.", {"type": "string"}),
        header(sw.TIMESTAMP_HEADER, f"Standard Webhooks: Unix seconds when signed, within "
               f"±{TOLERANCE_SECONDS} s.", digits),
        header(sw.SIGNATURE_HEADER, _STANDARD_WEBHOOKS, {
            "type": "string", "examples": ["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="]}),
    ]  # fmt: skip
    for name, required, _ in ATTRIBUTES:
        schema = header_schema(HTTP_HEADER_PREFIX, name, amqp=False)
        description = str(schema.pop("description")) + (
            " Binary mode: required." if required else " Binary mode: optional."
        )
        headers.append(header(HTTP_HEADER_PREFIX + name, description, schema))
    return headers


def events_operation() -> dict[str, Any]:
    error = ref("Error")
    return {
        "operationId": "postEvents",
        "summary": "Send events (one envelope or an array, or CloudEvents), signed by the shop",
        "description": (
            "Every event is validated against the wire contract version "
            f"{SCHEMA_VERSION} (the envelope schema is `schemas/envelope.schema.json`, one "
            "schema per type in `schemas/events/`) and published to the exchange "
            "`aftersale.events` with publisher confirms before the answer. A batch is all or "
            "nothing at validation: one invalid event refuses the whole request and nothing "
            "is published; fix it and send it again (each event_id is recorded once). "
            + _SIGNING
            + "\n\n"
            + _STANDARD_WEBHOOKS
            + "\n\n"
            + _CLOUDEVENTS
        ),
        "externalDocs": {"description": "CloudEvents HTTP binding", "url": HTTP_BINDING_URL},
        "parameters": _events_headers(),
        "security": [{"shopSignature": []}, {"standardWebhooks": []}],
        "requestBody": {
            "required": True,
            "description": f"At most {MAX_REQUEST_BYTES // 1024 // 1024} MiB; each event at "
            "most 256 KiB.",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            ref("Event"),
                            {"type": "array", "minItems": 1, "items": ref("Event")},
                            ref("CloudEventData"),
                        ],
                        "description": "One native envelope or a non-empty array of them; "
                        f"with the `{HTTP_HEADER_PREFIX}*` headers of a binary CloudEvent, "
                        "the event's `data`.",
                    }
                },
                STRUCTURED_CONTENT_TYPE: {"schema": ref("AnyCloudEvent")},
                BATCH_CONTENT_TYPE: {
                    "schema": {"type": "array", "minItems": 1, "items": ref("AnyCloudEvent")}
                },
            },
        },
        "responses": {
            "202": json_response(ref("Accepted"), "Every event was confirmed by the broker."),
            "400": json_response(
                error,
                "Not JSON (`not_json`), not an event or an array of them (`not_events`), an "
                "empty array (`empty`), or events failing the contract (`invalid`), with "
                "field paths.",
            ),
            "401": json_response(
                error,
                "Missing or bad signature, unknown shop, stale timestamp or a replayed request.",
            ),
            "403": json_response(
                error,
                f"`wrong_shop`: an event's shop_id (a CloudEvent's {SHOP_ATTRIBUTE}) is not "
                "the signing shop.",
            ),
            "413": json_response(error, "The body is over 1 MiB."),
            "503": json_response(
                ref("Accepted"),
                "The broker did not take every event, or the store is unreachable; "
                "retry the batch later (Retry-After).",
            ),
        },
    }


def intake_schemas() -> dict[str, Any]:
    """The contract's envelopes and CloudEvents, and the intake's answers."""
    schemas: dict[str, Any] = dict(component_schemas(REF))
    envelope = {k: v for k, v in envelope_schema().items() if k not in ("$schema", "$id")}
    envelope["description"] += " Published as `schemas/envelope.schema.json`."
    schemas["Envelope"] = envelope
    schemas["Event"] = {
        "description": "One event envelope; `type` chooses the shape of `data` "
        "(`schemas/events/<type>.schema.json`).",
        "oneOf": [ref(model.__name__) for model in EVENT_MODELS.values()],
        "discriminator": {
            "propertyName": "type",
            "mapping": {name: REF + model.__name__ for name, model in EVENT_MODELS.items()},
        },
    }
    data_refs = {name: schemas[model.__name__]["properties"]["data"]["$ref"]
                 for name, model in EVENT_MODELS.items()}  # fmt: skip
    schemas.update(cloudevent_schemas(REF, data_refs))
    schemas["AnyCloudEvent"] = {
        "description": "One structured CloudEvent of any type of the contract; its `type` "
        f"(`{TYPE_PREFIX}<type>` or the bare type) chooses the shape of `data`.",
        "oneOf": [ref(cloudevent_name(name)) for name in EVENT_MODELS],
    }
    schemas["CloudEventData"] = {
        "description": "A binary CloudEvent's body: the `data` of the type its `ce-type` names.",
        "anyOf": [{"$ref": target} for target in dict.fromkeys(data_refs.values())],
    }
    schemas["Accepted"] = {
        "type": "object",
        "required": ["accepted", "results"],
        "properties": {
            "accepted": {"type": "integer"},
            "results": {"type": "array", "items": ref("EventResult")},
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
            "errors": {"type": "array", "items": ref("EventError")},
        },
    }
    schemas["EventError"] = {
        "type": "object",
        "required": ["index", "path", "message"],
        "properties": {
            "index": {"type": "integer"},
            "path": {"type": "string", "examples": ["data.items[0].quantity", "time"],
                     "description": "The field (a CloudEvent's attribute) at fault; empty "
                                    "for the whole event."},
            "message": {"type": "string"},
        },
    }  # fmt: skip
    return schemas


def intake_security_schemes() -> dict[str, Any]:
    return {
        "standardWebhooks": {
            "type": "apiKey",
            "in": "header",
            "name": sw.SIGNATURE_HEADER,
            "description": _STANDARD_WEBHOOKS,
        },
        "shopSignature": {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": _SIGNING,
        },
    }
