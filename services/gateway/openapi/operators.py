"""The operators' side: the board, its JSON and static files, dead-letter replays and
the Prometheus metrics."""

from __future__ import annotations

from typing import Any

from services.gateway.openapi.parts import html_response, json_response, path_parameter, ref

_BOARD_HEADERS = (
    "Served with a strict Content-Security-Policy, `Cache-Control: no-store` and "
    "`X-Robots-Tag: noindex`."
)


def operator_paths() -> dict[str, Any]:
    operator_error = ref("OperatorError")
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
            "responses": {"200": html_response("The board.")},
        }},
        "/board/fragment": {"get": {
            "operationId": "boardFragment",
            "tags": ["operators"],
            "summary": "The board's contents, swapped in by the page's script",
            "responses": {"200": html_response("An HTML fragment.")},
        }},
        "/board.json": {"get": {
            "operationId": "boardJson",
            "tags": ["operators"],
            "summary": "The board's figures as JSON",
            "responses": {"200": json_response(ref("Board"), "The figures of this moment.")},
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
            "parameters": [path_parameter(
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
                "200": json_response({"type": "object", "required": ["replayed"],
                                      "properties": {"replayed": {"type": "string"}}},
                                     "Replayed: the dead letter's id."),
                "401": json_response(operator_error, "No operator token, or the wrong one."),
                "403": json_response(operator_error, "Replays are disabled: no operator "
                                     "token is configured."),
                "404": json_response(operator_error, "No dead letter has this id."),
                "502": json_response(operator_error, "The replay failed; the dead letter stays."),
                "503": json_response(operator_error, "RabbitMQ is unreachable."),
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


def operator_schemas() -> dict[str, Any]:
    return {
        "OperatorError": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string", "description": "What is wrong, in words."},
                "id": {"type": "string", "description": "The dead letter, when a replay failed."},
            },
        },
        "Board": {
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
        },
    }


def operator_security_schemes() -> dict[str, Any]:
    return {
        "operatorToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "`AFTERSALE_OPERATOR_TOKEN`.",
        },
    }
