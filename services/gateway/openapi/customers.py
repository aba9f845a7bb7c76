"""The pages customers reach from their messages: /u (unsubscribe), /f (a check-in's
score) and /o (the order page and the withdrawal function)."""

from __future__ import annotations

from typing import Any

from services.gateway.openapi.parts import html_response, path_parameter

_TOKEN = path_parameter("token", "The signed token of the link.")


def _unsubscribe_operation(method: str) -> dict[str, Any]:
    return {
        "operationId": f"unsubscribe{method.capitalize()}",
        "summary": "Opt out of non-transactional messages"
        + (" (RFC 8058 one-click)" if method == "post" else ""),
        "description": "The link in every non-transactional message. Publishes a "
        "`customer.updated` with `opted_out: true`; a second click has no second effect.",
        "parameters": [_TOKEN],
        "responses": {
            "200": html_response("Unsubscribed (Polish and English)."),
            "400": html_response("The link was altered or has expired; nothing changed."),
            "503": html_response("The broker is unavailable; try again."),
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
            "200": html_response("Thank you, with the score recorded (Polish and English)."),
            "400": html_response(
                "The link was altered, has expired or is unreadable; nothing changed."
            ),
            "503": html_response("The broker is unavailable; try again."),
        },
    }


def _order_page_paths() -> dict[str, Any]:
    token = [_TOKEN]
    missing = html_response("The link does not verify or names no order; nothing is shown.")
    return {
        "/o/{token}": {"get": {
            "operationId": "orderPage",
            "summary": "The customer's order page: every stage with its date",
            "description": "The link in every customer message about an order.",
            "parameters": token,
            "responses": {"200": html_response("The order page, in the customer's language."),
                          "404": missing},
        }},
        "/o/{token}/withdraw": {
            "get": {
                "operationId": "withdrawalConfirmation",
                "summary": "The withdrawal function's confirmation step",
                "parameters": token,
                "responses": {"200": html_response("The form."), "404": missing,
                              "409": html_response("Withdrawal is not open for this order.")},
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
                "responses": {
                    "200": html_response("Received: the time of receipt and the refund date."),
                    "400": html_response("No item chosen, or the form is too large or "
                                         "malformed."),
                    "404": missing,
                    "409": html_response("Withdrawal is not open for this order."),
                    "503": html_response("The broker is unavailable; try again."),
                },
            },
        },
    }  # fmt: skip


def customer_paths() -> dict[str, Any]:
    return {
        "/u/{token}": {
            "get": _unsubscribe_operation("get"),
            "post": _unsubscribe_operation("post"),
        },
        "/f/{token}": {"get": _survey_operation()},
        **_order_page_paths(),
    }
