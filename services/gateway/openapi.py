"""The gateway's OpenAPI 3.1 document, built from the event contract itself.

It documents every route `build_app` serves, no more and no fewer (a test holds
the two to the same set of paths and methods).
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
from services.gateway.signing import SHOP_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from services.gateway.state import MAX_REQUEST_BYTES

_REF = "#/components/schemas/"

#: Largest delivery report the gateway reads (1 MiB).
REPORT_LIMIT_BYTES = 1024 * 1024
SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


def _header(name: str, description: str, schema: dict[str, Any], *, required: bool = False
            ) -> dict[str, Any]:  # fmt: skip
    return {"name": name, "in": "header", "required": required, "description": description,
            "schema": schema}  # fmt: skip


# POST /v1/events ----------------------------------------------------------------------

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
        _header(SHOP_HEADER, "The shop sending; every event's `shop_id` (a CloudEvent's "
                f"`{SHOP_ATTRIBUTE}`) must be this shop.",
                {"type": "string", "examples": ["shop-42"]}, required=True),
        _header(TIMESTAMP_HEADER, f"Unix seconds when signed; refused when more than "
                f"{TOLERANCE_SECONDS} s away from the gateway's clock. Required with "
                f"`{SIGNATURE_HEADER}`.", digits),
        _header(SIGNATURE_HEADER, _SIGNING + " Required unless the request is signed per "
                "Standard Webhooks.", {"type": "string", "pattern": "^sha256=[0-9a-fA-F]{64}$"}),
        _header(sw.ID_HEADER, "Standard Webhooks: the message id, 1–255 printable characters "
                "without spaces; the replay key.", {"type": "string"}),
        _header(sw.TIMESTAMP_HEADER, f"Standard Webhooks: Unix seconds when signed, within "
                f"±{TOLERANCE_SECONDS} s.", digits),
        _header(sw.SIGNATURE_HEADER, _STANDARD_WEBHOOKS, {
            "type": "string", "examples": ["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="]}),
    ]  # fmt: skip
    for name, required, _ in ATTRIBUTES:
        schema = header_schema(HTTP_HEADER_PREFIX, name, amqp=False)
        description = str(schema.pop("description")) + (
            " Binary mode: required." if required else " Binary mode: optional."
        )
        headers.append(_header(HTTP_HEADER_PREFIX + name, description, schema))
    return headers


def _events_operation() -> dict[str, Any]:
    error = _ref("Error")
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
                            _ref("Event"),
                            {"type": "array", "minItems": 1, "items": _ref("Event")},
                            _ref("CloudEventData"),
                        ],
                        "description": "One native envelope or a non-empty array of them; "
                        f"with the `{HTTP_HEADER_PREFIX}*` headers of a binary CloudEvent, "
                        "the event's `data`.",
                    }
                },
                STRUCTURED_CONTENT_TYPE: {"schema": _ref("AnyCloudEvent")},
                BATCH_CONTENT_TYPE: {
                    "schema": {"type": "array", "minItems": 1, "items": _ref("AnyCloudEvent")}
                },
            },
        },
        "responses": {
            "202": _json(_ref("Accepted"), "Every event was confirmed by the broker."),
            "400": _json(
                error,
                "Not JSON (`not_json`), not an event or an array of them (`not_events`), an "
                "empty array (`empty`), or events failing the contract (`invalid`), with "
                "field paths.",
            ),
            "401": _json(
                error,
                "Missing or bad signature, unknown shop, stale timestamp or a replayed request.",
            ),
            "403": _json(
                error,
                f"`wrong_shop`: an event's shop_id (a CloudEvent's {SHOP_ATTRIBUTE}) is not "
                "the signing shop.",
            ),
            "413": _json(error, "The body is over 1 MiB."),
            "503": _json(
                _ref("Accepted"),
                "The broker did not take every event, or the store is unreachable; "
                "retry the batch later (Retry-After).",
            ),
        },
    }


# Customers' links ---------------------------------------------------------------------

_TOKEN = _path_parameter("token", "The signed token of the link.")


def _unsubscribe_operation(method: str) -> dict[str, Any]:
    return {
        "operationId": f"unsubscribe{method.capitalize()}",
        "summary": "Opt out of non-transactional messages"
        + (" (RFC 8058 one-click)" if method == "post" else ""),
        "description": "The link in every non-transactional message. Publishes a "
        "`customer.updated` with `opted_out: true`; a second click has no second effect.",
        "parameters": [_TOKEN],
        "responses": {
            "200": _html("Unsubscribed (Polish and English)."),
            "400": _html("The link was altered or has expired; nothing changed."),
            "503": _html("The broker is unavailable; try again."),
        },
    }


def _survey_operation() -> dict[str, Any]:
    return {
        "operationId": "surveyAnswer",
        "summary": "Answer a satisfaction check-in with one click (a score of 1 to 5)",
        "description": "The links of a check-in message, one per score. Publishes a "
        "`feedback.received` (scale `csat5`, channel `survey`) whose ids come from the shop "
        "and order: the first click counts, later clicks change nothing. HEAD never "
        "publishes.",
        "parameters": [_TOKEN],
        "responses": {
            "200": _html("Thank you, with the score recorded (Polish and English)."),
            "400": _html("The link was altered, has expired or is unreadable; nothing changed."),
            "503": _html("The broker is unavailable; try again."),
        },
    }


def _order_page_paths() -> dict[str, Any]:
    token = [_TOKEN]
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
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "description": "The customer's name."},
                            "sku": {"type": "array", "items": {"type": "string"},
                                    "description": "The items withdrawn from (repeat the "
                                                   "field); at least one of the order's."},
                        },
                    }},
                }},
                "responses": {"200": _html("Received: the time of receipt and the refund date."),
                              "400": _html("No item chosen, or the form is too large or "
                                           "malformed."),
                              "404": missing,
                              "409": _html("Withdrawal is not open for this order."),
                              "503": _html("The broker is unavailable; try again.")},
            },
        },
    }  # fmt: skip


# Delivery reports ---------------------------------------------------------------------

_REPORTS_FILE = (
    "Configured by a table of the TOML file named by `AFTERSALE_DELIVERY_REPORTS`; without "
    "it the endpoint answers 404. Only permanent failures count: the addresses reported "
    "go into the suppression list and are sent no more email; anything else in a report "
    "is understood and ignored. Reports are idempotent: a provider's retry changes nothing."
)


def _report_responses(unauthorized: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    error = _ref("Error")
    return {
        "200": _json(_ref("ReportResult"), "Processed: the suppressions it holds are recorded."),
        "400": _json(error, "`not_a_report`: not a delivery report of this provider."),
        "401": _json(error, unauthorized),
        "404": _json(error, "`not_configured`: this provider is not configured."),
        "413": _json(error, f"`too_large`: the body is over {REPORT_LIMIT_BYTES} bytes."),
        **(extra or {}),
        "503": _json(error, "The store is unreachable; nothing was recorded (Retry-After)."),
    }


def _report_body(schema: dict[str, Any], *media: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": f"At most {REPORT_LIMIT_BYTES} bytes.",
        "content": {name: {"schema": schema} for name in media or ("application/json",)},
    }


def _report_paths() -> dict[str, Any]:
    return {
        "/v1/reports/ses/{token}": {"post": {
            "operationId": "reportSes",
            "tags": ["delivery reports"],
            "summary": "Amazon SES bounces and complaints, through an SNS HTTPS subscription",
            "description": "Subscribe this URL to the SNS topic SES notifies. A "
            "`SubscriptionConfirmation` is confirmed by fetching its `SubscribeURL` (only an "
            "`https://sns.<region>.amazonaws.com` address); an `UnsubscribeConfirmation` is "
            "acknowledged. A `Notification`'s `Message` is an SES notification "
            "(`notificationType`) or an SES event (`eventType`): a `Bounce` whose "
            "`bounce.bounceType` is `Permanent` suppresses `bounce.bouncedRecipients[]."
            "emailAddress`, a `Complaint` suppresses `complaint.complainedRecipients[]."
            "emailAddress`; other bounce types and notifications are ignored. "
            "SNS's own signature is not checked: the secret in the URL proves the sender. "
            + _REPORTS_FILE + " Table `[ses]`, key `token`.",
            "parameters": [_path_parameter(
                "token", "The shared secret of `[ses] token`, part of the subscribed URL.")],
            "requestBody": _report_body(_ref("SnsMessage"), "text/plain", "application/json"),
            "responses": _report_responses(
                "`bad_token`: the token in the URL is not the configured one.",
                {"502": _json(_ref("Error"), "`confirmation_failed`: the subscription could "
                              "not be confirmed (SNS sends it again).")},
            ) | {"200": {
                "description": "Processed: the suppressions it holds are recorded (a "
                "Notification), or the subscription confirmed.",
                "content": {"application/json": {"schema": {
                    "oneOf": [_ref("ReportResult"), _ref("SubscriptionConfirmed")]}}},
            }},
        }},
        "/v1/reports/postmark": {"post": {
            "operationId": "reportPostmark",
            "tags": ["delivery reports"],
            "summary": "Postmark bounce and spam complaint webhooks",
            "description": "Point Postmark's bounce and spam complaint webhooks here, with "
            "basic auth credentials in the URL. `RecordType` `Bounce` with `Type` "
            "`HardBounce`, `BadEmailAddress` or `ManuallyDeactivated` suppresses `Email` as a "
            "bounce; `RecordType` `SpamComplaint` as a complaint; other records are ignored. "
            + _REPORTS_FILE + " Table `[postmark]`, keys `username` and `password`.",
            "security": [{"postmarkBasicAuth": []}],
            "requestBody": _report_body(_ref("PostmarkWebhook")),
            "responses": _report_responses(
                "`bad_credentials`: no basic auth, or not the configured username and password."
            ),
        }},
        "/v1/reports/sendgrid": {"post": {
            "operationId": "reportSendgrid",
            "tags": ["delivery reports"],
            "summary": "SendGrid's signed event webhook",
            "description": "Enable the signed event webhook and put its verification key "
            "in the configuration. A JSON array of events: `bounce` (of `type` `bounce`, not "
            "`blocked`) suppresses `email` as a bounce, `spamreport` as a complaint, "
            "`dropped` when its `reason` names a bounced, invalid, spam-reporting or "
            "unsubscribed address; other events are ignored. "
            + _REPORTS_FILE + " Table `[sendgrid]`, key `public_key` (the base64 DER "
            "verification key SendGrid shows).",
            "security": [{"sendgridSignature": []}],
            "parameters": [
                _header(SENDGRID_SIGNATURE_HEADER, "The base64 ECDSA (P-256, SHA-256) "
                        "signature of the timestamp header's value followed by the raw body.",
                        {"type": "string"}, required=True),
                _header(SENDGRID_TIMESTAMP_HEADER, "The timestamp signed with the body.",
                        {"type": "string"}, required=True),
            ],
            "requestBody": _report_body(
                {"type": "array", "items": _ref("SendgridEvent")}),
            "responses": _report_responses(
                "`missing_signature` or `bad_signature`: not signed with SendGrid's key."),
        }},
        "/v1/reports/generic": {"post": {
            "operationId": "reportGeneric",
            "tags": ["delivery reports"],
            "summary": "Any other source's reports, in one JSON form, signed per Standard "
            "Webhooks",
            "description": "One report or a JSON array of them, each naming an address and "
            "what happened to it. Signed per Standard Webhooks "
            f"(`{sw.ID_HEADER}`, `{sw.TIMESTAMP_HEADER}`, `{sw.SIGNATURE_HEADER}: v1,<base64 "
            f'HMAC-SHA256 of "{{id}}.{{timestamp}}." + body>`, ±{TOLERANCE_SECONDS} s) with the '
            "configured secret (`whsec_<base64>` decoded, else its UTF-8 bytes). "
            + _REPORTS_FILE + " Table `[generic]`, key `secret`.",
            "security": [{"reportWebhooks": []}],
            "parameters": [
                _header(sw.ID_HEADER, "The message id.", {"type": "string"}, required=True),
                _header(sw.TIMESTAMP_HEADER, "Unix seconds when signed.",
                        {"type": "string", "pattern": "^[0-9]+$"}, required=True),
                _header(sw.SIGNATURE_HEADER, "`v1,<base64>`, one or more separated by spaces.",
                        {"type": "string"}, required=True),
            ],
            "requestBody": _report_body({"oneOf": [
                _ref("GenericReport"),
                {"type": "array", "items": _ref("GenericReport")},
            ]}),
            "responses": _report_responses(
                "Missing, malformed, stale or bad Standard Webhooks signature."),
        }},
    }  # fmt: skip


# The operator board and metrics -------------------------------------------------------

_BOARD_HEADERS = (
    "Served with a strict Content-Security-Policy, `Cache-Control: no-store` and "
    "`X-Robots-Tag: noindex`."
)


def _operator_paths() -> dict[str, Any]:
    operator_error = _ref("OperatorError")
    return {
        "/": {"get": {
            "operationId": "root",
            "tags": ["operators"],
            "summary": "Redirect to the operator board",
            "responses": {"307": {"description": "To `/board`.", "headers": {
                "Location": {"schema": {"type": "string", "const": "/board"}}}}},
        }},
        "/board": {"get": {
            "operationId": "board",
            "tags": ["operators"],
            "summary": "The operator board: health, queues, SLA board, dead letters",
            "description": "The page refreshes its contents from `/board/fragment`. With "
            "`AFTERSALE_OPERATOR_TOKEN` set it shows replay buttons (the token is asked for "
            "once and kept in the tab). " + _BOARD_HEADERS,
            "parameters": [{
                "name": "refresh", "in": "query", "required": False,
                "description": "Seconds between refreshes, 1–300 (clamped; default 5).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 300, "default": 5},
            }],
            "responses": {"200": _html("The board.")},
        }},
        "/board/fragment": {"get": {
            "operationId": "boardFragment",
            "tags": ["operators"],
            "summary": "The board's contents, swapped in by the page's script",
            "responses": {"200": _html("An HTML fragment.")},
        }},
        "/board.json": {"get": {
            "operationId": "boardJson",
            "tags": ["operators"],
            "summary": "The board's figures as JSON",
            "responses": {"200": _json(_ref("Board"), "The figures of this moment.")},
        }},
        "/static/{name}": {"get": {
            "operationId": "boardStatic",
            "tags": ["operators"],
            "summary": "The board's script, style and icon",
            "parameters": [{
                "name": "name", "in": "path", "required": True,
                "schema": {"type": "string", "enum": ["board.js", "board.css", "favicon.svg"]},
            }],
            "responses": {
                "200": {"description": "The file.", "content": {
                    "text/javascript": {"schema": {"type": "string"}},
                    "text/css": {"schema": {"type": "string"}},
                    "image/svg+xml": {"schema": {"type": "string"}},
                }},
                "404": {"description": "No such file.",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
            },
        }},
        "/api/dlq/{dead_letter_id}/replay": {"post": {
            "operationId": "replayDeadLetter",
            "tags": ["operators"],
            "summary": "Replay one dead letter (as `aftersale dlq replay ID`)",
            "description": "Publishes the dead letter again for the ingest and removes it "
            "from the dead-letter queue. Needs `AFTERSALE_OPERATOR_TOKEN`: `Authorization: "
            "Bearer <token>`, or the url-encoded form field `token`.",
            "security": [{"operatorToken": []}],
            "parameters": [_path_parameter(
                "dead_letter_id", "The dead letter's id, as the board and `aftersale dlq "
                "list` show it.")],
            "requestBody": {"required": False, "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object",
                    "properties": {"token": {"type": "string",
                                             "description": "The operator token."}},
                }},
            }},
            "responses": {
                "200": _json({"type": "object", "required": ["replayed"],
                              "properties": {"replayed": {"type": "string"}}},
                             "Replayed: the dead letter's id."),
                "401": _json(operator_error, "No operator token, or the wrong one."),
                "403": _json(operator_error, "Replays are disabled: no operator token is "
                             "configured."),
                "404": _json(operator_error, "No dead letter has this id."),
                "502": _json(operator_error, "The replay failed; the dead letter stays."),
                "503": _json(operator_error, "RabbitMQ is unreachable."),
            },
        }},
        "/metrics": {"get": {
            "operationId": "metrics",
            "tags": ["operators"],
            "summary": "Prometheus metrics: the store's and broker's figures, and the workers'",
            "description": "Open, like most metrics endpoints: figures only, no personal "
            "data. The workers' figures are those of the worker processes of this machine.",
            "responses": {"200": {
                "description": "The Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }},
        }},
    }  # fmt: skip


# Components ---------------------------------------------------------------------------


def _report_schemas() -> dict[str, Any]:
    return {
        "ReportResult": {
            "type": "object",
            "required": ["suppressed", "new", "reasons"],
            "properties": {
                "suppressed": {"type": "integer", "description": "Addresses the report names."},
                "new": {"type": "integer", "description": "Of them, not suppressed before."},
                "reasons": {"type": "object", "additionalProperties": {"type": "integer"},
                            "description": "How many per reason (`bounce`, `complaint`, …).",
                            "examples": [{"bounce": 1}]},
            },
        },
        "SubscriptionConfirmed": {
            "type": "object", "required": ["confirmed"],
            "properties": {"confirmed": {"const": True}},
        },
        "SnsMessage": {
            "type": "object",
            "description": "An SNS HTTP(S) message (SNS sends it as `text/plain`).",
            "required": ["Type"],
            "properties": {
                "Type": {"enum": ["SubscriptionConfirmation", "Notification",
                                  "UnsubscribeConfirmation"]},
                "MessageId": {"type": "string"},
                "TopicArn": {"type": "string"},
                "Message": {"type": "string", "description": "A Notification's SES "
                            "notification, as JSON text: `notificationType` or `eventType` "
                            "(`Bounce`, `Complaint`, …) and `bounce` {bounceType, "
                            "bounceSubType, bouncedRecipients [{emailAddress, diagnosticCode}]} "
                            "or `complaint` {complainedRecipients [{emailAddress}], "
                            "complaintFeedbackType}."},
                "SubscribeURL": {"type": "string", "format": "uri"},
                "Timestamp": {"type": "string"},
            },
        },
        "PostmarkWebhook": {
            "type": "object",
            "required": ["RecordType"],
            "properties": {
                "RecordType": {"type": "string", "examples": ["Bounce", "SpamComplaint"]},
                "Type": {"type": "string", "examples": ["HardBounce", "SpamComplaint"]},
                "Email": {"type": "string"},
                "Description": {"type": "string"},
            },
        },
        "SendgridEvent": {
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "event": {"type": "string", "examples": ["bounce", "dropped", "spamreport"]},
                "type": {"type": "string", "description": "Of a bounce: `bounce` or "
                         "`blocked` (only `bounce` counts)."},
                "reason": {"type": "string"},
                "status": {"type": "string"},
            },
        },
        "GenericReport": {
            "type": "object",
            "required": ["type", "email"],
            "properties": {
                "type": {"enum": ["bounce", "complaint", "rejected", "unsubscribe"],
                         "description": "`unsubscribe` stops non-transactional email only; "
                                        "the others stop every email to the address."},
                "email": {"type": "string", "description": "The address."},
                "reason": {"type": "string", "description": "Kept as the detail."},
                "source": {"type": "string", "description": "Who reports (at most 16 "
                           "characters kept; default `generic`)."},
            },
        },
    }  # fmt: skip


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
    data_refs = {name: schemas[model.__name__]["properties"]["data"]["$ref"]
                 for name, model in EVENT_MODELS.items()}  # fmt: skip
    schemas.update(cloudevent_schemas(_REF, data_refs))
    schemas["AnyCloudEvent"] = {
        "description": "One structured CloudEvent of any type of the contract; its `type` "
        f"(`{TYPE_PREFIX}<type>` or the bare type) chooses the shape of `data`.",
        "oneOf": [_ref(cloudevent_name(name)) for name in EVENT_MODELS],
    }
    schemas["CloudEventData"] = {
        "description": "A binary CloudEvent's body: the `data` of the type its `ce-type` names.",
        "anyOf": [{"$ref": ref} for ref in dict.fromkeys(data_refs.values())],
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
            "path": {"type": "string", "examples": ["data.items[0].quantity", "time"],
                     "description": "The field (a CloudEvent's attribute) at fault; empty "
                                    "for the whole event."},
            "message": {"type": "string"},
        },
    }  # fmt: skip
    schemas["OperatorError"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What is wrong, in words."},
            "id": {"type": "string", "description": "The dead letter, when a replay failed."},
        },
    }
    schemas["Board"] = {
        "type": "object",
        "description": "What the board shows; `problems` lists what could not be read.",
        "required": ["generated_at", "health"],
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "health": {"type": "string", "examples": ["ok", "degraded", "down"]},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "queues": {"type": "array", "items": {"type": "object"}},
            "figures": {"type": "object"},
            "tickets": {"type": "array", "items": {"type": "object"}},
            "tickets_total": {"type": "integer"},
            "dead_letters": {"type": "array", "items": {"type": "object"}},
            "dead_letters_total": {"type": "integer"},
            "notifications": {"type": "array", "items": {"type": "object"}},
            "problems": {"type": "array", "items": {"type": "string"}},
        },
    }
    schemas.update(_report_schemas())
    return schemas


def _security_schemes() -> dict[str, Any]:
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
        "operatorToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "`AFTERSALE_OPERATOR_TOKEN`.",
        },
        "postmarkBasicAuth": {
            "type": "http",
            "scheme": "basic",
            "description": "The `[postmark]` username and password of the delivery reports file.",
        },
        "sendgridSignature": {
            "type": "apiKey",
            "in": "header",
            "name": SENDGRID_SIGNATURE_HEADER,
            "description": "SendGrid's signed event webhook: base64 ECDSA (P-256, SHA-256) of "
            f"`{SENDGRID_TIMESTAMP_HEADER}` followed by the raw body, checked with the "
            "`[sendgrid] public_key`.",
        },
        "reportWebhooks": {
            "type": "apiKey",
            "in": "header",
            "name": sw.SIGNATURE_HEADER,
            "description": "Standard Webhooks with the `[generic] secret` of the delivery "
            "reports file.",
        },
    }


def openapi_document(public_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aftersale gateway",
            "version": "1",
            "description": "Signed event intake for shops (native envelopes or CloudEvents), "
            "delivery reports from mail providers, the links customers follow, and the "
            "operators' board and metrics.",
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": {
            "/v1/events": {"post": _events_operation()},
            **_report_paths(),
            "/u/{token}": {
                "get": _unsubscribe_operation("get"),
                "post": _unsubscribe_operation("post"),
            },
            "/f/{token}": {"get": _survey_operation()},
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
            **_operator_paths(),
        },
        "components": {"schemas": _schemas(), "securitySchemes": _security_schemes()},
    }
