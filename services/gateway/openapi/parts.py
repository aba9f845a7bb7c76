"""Small builders shared by every part of the gateway's OpenAPI document."""

from __future__ import annotations

from typing import Any

#: Where the document keeps its named schemas; every `$ref` points under it.
REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def html_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


def header(name: str, description: str, schema: dict[str, Any], *, required: bool = False
            ) -> dict[str, Any]:  # fmt: skip
    return {"name": name, "in": "header", "required": required, "description": description,
            "schema": schema}  # fmt: skip
