"""Reading rendered Kubernetes objects: kinds, pod specs, the environment a container gets."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

#: The parts, each a Deployment `aftersale-PART` running `aftersale PART`.
PARTS = ("ingest", "worker", "scheduler", "deliverer", "gateway")
#: Made by the operators of the example overlay (and cert-manager), not by the render.
OPERATOR_SECRETS = {"aftersale-rabbitmq-default-user", "aftersale-pg-app", "aftersale-tls"}
#: A value that comes from a secretKeyRef or configMapKeyRef.
FROM_REFERENCE = "<from a reference>"


@dataclass
class Render:
    name: str
    objects: list[Obj]

    def of(self, kind: str) -> list[Obj]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def named(self, kind: str, name: str) -> Obj:
        (found,) = [obj for obj in self.of(kind) if obj["metadata"]["name"] == name]
        return found

    def names(self, kind: str) -> set[str]:
        return {obj["metadata"]["name"] for obj in self.of(kind)}

    def part(self, part: str) -> Obj:
        return self.named("Deployment", f"aftersale-{part}")

    def workloads(self) -> list[Obj]:
        """Every Deployment and Job."""
        return self.of("Deployment") + self.of("Job")


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def main_container(workload: Obj) -> Obj:
    (container,) = [c for c in pod_spec(workload)["containers"] if c["name"] == "aftersale"]
    return container


def all_containers(workload: Obj) -> list[Obj]:
    spec = pod_spec(workload)
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def argv(container: Obj) -> list[str]:
    return list(container.get("command", [])) + list(container.get("args", []))


def environment(render: Render, container: Obj) -> dict[str, str]:
    """The variables the container starts with (envFrom, then env, which wins)."""
    found: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = render.named("ConfigMap", source["configMapRef"]["name"]).get("data", {})
            found.update(data)
        if "secretRef" in source:
            secret = render.named("Secret", source["secretRef"]["name"])
            found.update(secret_data(secret))
    for variable in container.get("env", []):
        found[variable["name"]] = variable.get("value", FROM_REFERENCE)
    return found


def secret_data(secret: Obj) -> dict[str, str]:
    decoded = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    return {**decoded, **secret.get("stringData", {})}


def mounted_volume(workload: Obj, container: Obj, path: str) -> tuple[Obj, Obj] | None:
    """(volumeMount, volume) of the mount that holds `path`, the deepest one."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    best: tuple[Obj, Obj] | None = None
    for mount in container.get("volumeMounts", []):
        root = mount["mountPath"].rstrip("/")
        if (path == root or path.startswith(root + "/")) and (
            best is None or len(root) > len(best[0]["mountPath"])
        ):
            best = (mount, volumes[mount["name"]])
    return best


def references(node: Any) -> Iterator[tuple[str, str]]:
    """Every (kind, name) of a ConfigMap or Secret the object refers to."""
    if isinstance(node, list):
        for item in node:
            yield from references(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("configMapRef", "configMapKeyRef") or (
            key == "configMap" and isinstance(value, dict) and "name" in value
        ):
            yield "ConfigMap", value["name"]
        elif key in ("secretRef", "secretKeyRef"):
            yield "Secret", value["name"]
        elif key == "secret" and isinstance(value, dict) and "secretName" in value:
            yield "Secret", value["secretName"]
        elif key == "secretTargetRef":
            for target in value:
                yield "Secret", target["name"]
        elif key == "tls" and isinstance(value, list):
            for entry in value:
                yield "Secret", entry["secretName"]
        yield from references(value)
