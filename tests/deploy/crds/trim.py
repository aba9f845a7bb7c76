"""Trim a CustomResourceDefinition to one version's openAPIV3Schema, descriptions dropped.

    python tests/deploy/crds/trim.py CRD.yaml VERSION > tests/deploy/crds/KIND.VERSION.json

The result is what the tests validate objects of that kind against (README.md
beside this file says where each CRD came from).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml


def without_descriptions(schema: Any) -> Any:
    """The schema without its `description` annotations (a property so named stays)."""
    if isinstance(schema, list):
        return [without_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    trimmed: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key in ("properties", "patternProperties", "definitions"):
            trimmed[key] = {name: without_descriptions(sub) for name, sub in value.items()}
        else:
            trimmed[key] = without_descriptions(value)
    return trimmed


def trim(crd: dict[str, Any], version: str) -> dict[str, Any]:
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return {
        "group": crd["spec"]["group"],
        "kind": crd["spec"]["names"]["kind"],
        "version": version,
        "openAPIV3Schema": without_descriptions(served["schema"]["openAPIV3Schema"]),
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        document = yaml.safe_load(file)
    json.dump(trim(document, sys.argv[2]), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
