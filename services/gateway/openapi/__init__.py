"""The gateway's OpenAPI 3.1 document, built from the event contract itself.

It documents every route `build_app` serves, no more and no fewer (a test holds
the two to the same set of paths and methods). Each area of the gateway keeps
its paths, schemas and security schemes in its own module; this one puts them
together in the order the document has always listed them.
"""

from __future__ import annotations

from typing import Any

from services.gateway.openapi.customers import customer_paths
from services.gateway.openapi.intake import (
    events_operation,
    intake_schemas,
    intake_security_schemes,
)
from services.gateway.openapi.operators import (
    operator_paths,
    operator_schemas,
    operator_security_schemes,
)
from services.gateway.openapi.parts import json_response
from services.gateway.openapi.reports import (
    report_paths,
    report_schemas,
    report_security_schemes,
)

__all__ = ["openapi_document"]


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
            "/v1/events": {"post": events_operation()},
            **report_paths(),
            **customer_paths(),
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness",
                    "responses": {"200": json_response({"type": "object"}, '{"status": "ok"}')},
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": json_response({"type": "object"}, "OpenAPI 3.1.")},
                }
            },
            **operator_paths(),
        },
        "components": {
            "schemas": {**intake_schemas(), **operator_schemas(), **report_schemas()},
            "securitySchemes": {
                **intake_security_schemes(),
                **operator_security_schemes(),
                **report_security_schemes(),
            },
        },
    }
