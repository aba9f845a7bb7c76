"""Every rendered object is valid: core kinds for a pinned Kubernetes, the others for their CRDs.

Core kinds go through kubernetes-validate in its strict mode (an unknown
field is an error, as with `kubectl apply`'s default server-side field
validation). Custom resources go through jsonschema against the vendored
openAPIV3Schema of their CRD (crds/README.md), made strict the same way: an
object the API server would prune or reject fails here. The CEL rules of the
CRDs (x-kubernetes-validations) are not evaluated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.manifests import Obj, Render

#: The oldest Kubernetes the manifests are meant for (the newest one the
#: manifests need: PodDisruptionBudget policy/v1, matchLabelKeys in spreads).
KUBERNETES_VERSION = "1.32.0"

CRDS = Path(__file__).parent / "crds"
CUSTOM_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh_scaledobjects.v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda.sh_triggerauthentications.v1alpha1.json",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmq.com_rabbitmqclusters.v1beta1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_clusters.v1.json",
}


def strict(schema: Any) -> Any:
    """The schema with unknown fields refused wherever the API server would prune them."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items() if key != "properties"}
    if "properties" in schema:
        out["properties"] = {name: strict(sub) for name, sub in schema["properties"].items()}
        open_ended = schema.get("x-kubernetes-preserve-unknown-fields", False)
        if "additionalProperties" not in schema and not open_ended:
            out["additionalProperties"] = False
    return out


def crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    document = json.loads((CRDS / CUSTOM_KINDS[api_version, kind]).read_text())
    assert f"{document['group']}/{document['version']}" == api_version
    assert document["kind"] == kind
    # OpenAPI 3.0 schemas are closest to draft 4 (boolean exclusiveMinimum and so on).
    return jsonschema.Draft4Validator(strict(document["openAPIV3Schema"]))


def problems(validator: jsonschema.protocols.Validator, obj: Obj) -> list[str]:
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(obj)
    ]


def describe(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def test_core_objects_are_valid_for_the_pinned_kubernetes(render: Render) -> None:
    core = [o for o in render.objects if (o["apiVersion"], o["kind"]) not in CUSTOM_KINDS]
    assert core
    found = []
    for obj in core:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            found.append(f"{describe(obj)}: no schema in Kubernetes {KUBERNETES_VERSION}")
        except kubernetes_validate.ValidationError as error:
            found.append(f"{describe(obj)}: {'.'.join(map(str, error.path))}: {error.message}")
    assert not found, f"{render.name}: " + "; ".join(found)


def test_custom_resources_are_valid_for_their_crds(render: Render) -> None:
    custom = [o for o in render.objects if (o["apiVersion"], o["kind"]) in CUSTOM_KINDS]
    kinds = {o["kind"] for o in custom}
    assert {"ScaledObject", "TriggerAuthentication"} <= kinds
    if render.name == "example":
        assert {"RabbitmqCluster", "Cluster"} <= kinds
    for obj in custom:
        found = problems(crd_validator(obj["apiVersion"], obj["kind"]), obj)
        assert not found, f"{render.name}: {describe(obj)}: " + "; ".join(found)


def test_the_crd_check_catches_what_the_api_server_would_refuse() -> None:
    validator = crd_validator("keda.sh/v1alpha1", "ScaledObject")
    good = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {
            "scaleTargetRef": {"name": "x"},
            "triggers": [{"type": "rabbitmq", "metadata": {"queueName": "q"}}],
        },
    }
    assert problems(validator, good) == []
    misspelt = {**good, "spec": {**good["spec"], "minReplicas": 1}}
    assert any("minReplicas" in p for p in problems(validator, misspelt))
    wrong_type = {**good, "spec": {**good["spec"], "maxReplicaCount": "ten"}}
    assert any("maxReplicaCount" in p for p in problems(validator, wrong_type))
    without_trigger_type = {**good, "spec": {**good["spec"], "triggers": [{"metadata": {}}]}}
    assert problems(validator, without_trigger_type)


def test_the_core_check_is_strict() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80}], "selectr": {"a": "b"}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(service, KUBERNETES_VERSION, strict=True)


def test_every_object_is_one_the_checks_know(render: Render) -> None:
    for obj in render.objects:
        known = (obj["apiVersion"], obj["kind"]) in CUSTOM_KINDS or obj["apiVersion"] in (
            "v1",
            "apps/v1",
            "batch/v1",
            "policy/v1",
            "networking.k8s.io/v1",
        )
        assert known, f"{describe(obj)}: {obj['apiVersion']} is checked by nothing here"
