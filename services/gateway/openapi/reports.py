"""/v1/reports/*: the mail providers' bounce and complaint reports, and their schemas."""

from __future__ import annotations

from typing import Any

from services.gateway import standard_webhooks as sw
from services.gateway.auth import TOLERANCE_SECONDS
from services.gateway.openapi.parts import header, json_response, path_parameter, ref

#: Largest delivery report the gateway reads (1 MiB).
REPORT_LIMIT_BYTES = 1024 * 1024
SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"

_REPORTS_FILE = (
    "Configured by a table of the TOML file named by `AFTERSALE_DELIVERY_REPORTS`; without "
    "it the endpoint answers 404. Only permanent failures count: the addresses reported "
    "go into the suppression list and are sent no more email; anything else in a report "
    "is understood and ignored. Reports are idempotent: a provider's retry changes nothing."
)


def _report_responses(unauthorized: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    error = ref("Error")
    return {
        "200": json_response(
            ref("ReportResult"), "Processed: the suppressions it holds are recorded."
        ),
        "400": json_response(error, "`not_a_report`: not a delivery report of this provider."),
        "401": json_response(error, unauthorized),
        "404": json_response(error, "`not_configured`: this provider is not configured."),
        "413": json_response(error, f"`too_large`: the body is over {REPORT_LIMIT_BYTES} bytes."),
        **(extra or {}),
        "503": json_response(
            error, "The store is unreachable; nothing was recorded (Retry-After)."
        ),
    }


def _report_body(schema: dict[str, Any], *media: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": f"At most {REPORT_LIMIT_BYTES} bytes.",
        "content": {name: {"schema": schema} for name in media or ("application/json",)},
    }


def report_paths() -> dict[str, Any]:
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
            "parameters": [path_parameter(
                "token", "The shared secret of `[ses] token`, part of the subscribed URL.")],
            "requestBody": _report_body(ref("SnsMessage"), "text/plain", "application/json"),
            "responses": _report_responses(
                "`bad_token`: the token in the URL is not the configured one.",
                {"502": json_response(ref("Error"), "`confirmation_failed`: the subscription "
                                      "could not be confirmed (SNS sends it again).")},
            ) | {"200": {
                "description": "Processed: the suppressions it holds are recorded (a "
                "Notification), or the subscription confirmed.",
                "content": {"application/json": {"schema": {
                    "oneOf": [ref("ReportResult"), ref("SubscriptionConfirmed")]}}},
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
            "requestBody": _report_body(ref("PostmarkWebhook")),
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
                header(SENDGRID_SIGNATURE_HEADER, "The base64 ECDSA (P-256, SHA-256) "
                       "signature of the timestamp header's value followed by the raw body.",
                       {"type": "string"}, required=True),
                header(SENDGRID_TIMESTAMP_HEADER, "The timestamp signed with the body.",
                       {"type": "string"}, required=True),
            ],
            "requestBody": _report_body(
                {"type": "array", "items": ref("SendgridEvent")}),
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
                header(sw.ID_HEADER, "The message id.", {"type": "string"}, required=True),
                header(sw.TIMESTAMP_HEADER, "Unix seconds when signed.",
                       {"type": "string", "pattern": "^[0-9]+$"}, required=True),
                header(sw.SIGNATURE_HEADER, "`v1,<base64>`, one or more separated by spaces.",
                       {"type": "string"}, required=True),
            ],
            "requestBody": _report_body({"oneOf": [
                ref("GenericReport"),
                {"type": "array", "items": ref("GenericReport")},
            ]}),
            "responses": _report_responses(
                "Missing, malformed, stale or bad Standard Webhooks signature."),
        }},
    }  # fmt: skip


def report_schemas() -> dict[str, Any]:
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


def report_security_schemes() -> dict[str, Any]:
    """How each provider proves a report is its own (SES by the secret in its URL)."""
    return {
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
