"""What the product needs of its Kubernetes manifests, checked on each render."""

from __future__ import annotations

import runpy
from pathlib import Path, PurePosixPath

import pytest

from services.runtime.heartbeat import PARTS as PROBED_PARTS
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.shop_secrets import load_shop_secrets
from services.runtime.store.migrate import upgrade
from tests.deploy.conftest import KUSTOMIZATIONS
from tests.deploy.manifests import (
    OPERATOR_SECRETS,
    PARTS,
    Obj,
    Render,
    all_containers,
    argv,
    environment,
    main_container,
    mounted_volume,
    pod_spec,
    references,
    secret_data,
)

BASE = KUSTOMIZATIONS["base"]
#: The image's user (deploy/Dockerfile).
UID = 10001


def database_variable(container: Obj) -> Obj | None:
    found = [v for v in container.get("env", []) if v["name"] == "AFTERSALE_DATABASE_URL"]
    return found[0] if found else None


def test_one_deployment_per_part_each_running_its_command(render: Render) -> None:
    assert render.names("Deployment") == {f"aftersale-{part}" for part in PARTS}
    for part in PARTS:
        assert argv(main_container(render.part(part))) == ["aftersale", part]
    (job,) = render.of("Job")
    assert argv(main_container(job)) == ["aftersale", "db", "upgrade"]


def test_every_part_waits_for_the_migration(render: Render) -> None:
    for part in PARTS:
        (init,) = pod_spec(render.part(part))["initContainers"]
        assert init["name"] == "wait-for-store"
        script = PurePosixPath(argv(init)[-1])
        assert argv(init)[0] == "python"
        _, volume = mounted_volume(render.part(part), init, str(script)) or pytest.fail(
            f"{part}: {script} is not mounted"
        )
        configmap = render.named("ConfigMap", volume["configMap"]["name"])
        assert script.name in configmap["data"]
        # The same store as the part itself.
        main = main_container(render.part(part))
        assert init["envFrom"] == main["envFrom"]
        assert database_variable(init) == database_variable(main)


def test_every_part_has_liveness_and_readiness_probes(render: Render) -> None:
    for part in PARTS:
        container = main_container(render.part(part))
        live, ready = container["livenessProbe"], container["readinessProbe"]
        if part == "gateway":
            (port,) = container["ports"]
            for probe in (live, ready):
                assert probe["httpGet"]["path"] == "/healthz"
                assert probe["httpGet"]["port"] in (port["name"], port["containerPort"])
            address = environment(render, container)["AFTERSALE_HTTP_ADDR"]
            assert address == f"0.0.0.0:{port['containerPort']}"
            continue
        assert part in PROBED_PARTS
        assert live["exec"]["command"] == ["aftersale", "probe", part]
        assert ready["exec"]["command"] == ["aftersale", "probe", part, "--ready"]
        # Each probe starts Python: give it time.
        assert all(p.get("timeoutSeconds", 1) >= 5 for p in (live, ready))
        # The heartbeats go to a writable emptyDir.
        health_dir = environment(render, container)["AFTERSALE_HEALTH_DIR"]
        mount, volume = mounted_volume(render.part(part), container, health_dir) or pytest.fail(
            f"{part}: AFTERSALE_HEALTH_DIR {health_dir} is not a volume"
        )
        assert "emptyDir" in volume and not mount.get("readOnly")


def test_drains_get_the_time_they_need(render: Render) -> None:
    for part in PARTS:
        assert pod_spec(render.part(part))["terminationGracePeriodSeconds"] >= 60


def test_non_root_read_only_and_without_privileges(render: Render) -> None:
    for workload in render.workloads():
        name = workload["metadata"]["name"]
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == UID, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in all_containers(workload):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            # HOME and TMPDIR of the image are /tmp: writable.
            mount, volume = mounted_volume(workload, container, "/tmp") or pytest.fail(
                f"{where}: no writable /tmp"
            )
            assert "emptyDir" in volume and not mount.get("readOnly"), where
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), where
            assert {"cpu", "memory"} <= resources["limits"].keys(), where


def test_one_image_everywhere_set_by_the_overlay(render: Render) -> None:
    images = {c["image"] for w in render.workloads() for c in all_containers(w)}
    expected = {"base": "aftersale:latest", "example": "registry.example.com/aftersale:0.1.0"}
    assert images == {expected[render.name]}


def test_each_deployment_has_its_disruption_budget(render: Render) -> None:
    budgets = render.of("PodDisruptionBudget")
    for deployment in render.of("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [
            b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(matching) == 1, deployment["metadata"]["name"]
        spec = matching[0]["spec"]
        assert spec.get("maxUnavailable") == 1 or spec.get("minAvailable") == 1
        # Selectors of a Deployment pick its own pods only.
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_gateway_service_reaches_the_gateway(render: Render) -> None:
    (service,) = render.of("Service")
    gateway = render.part("gateway")
    labels = gateway["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert {"app.kubernetes.io/component": "gateway"}.items() <= service["spec"]["selector"].items()
    ports = {p["name"] for p in main_container(gateway)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    if render.name == "example":
        (ingress,) = render.of("Ingress")
        (rule,) = ingress["spec"]["rules"]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_every_referenced_configmap_and_secret_exists(render: Render) -> None:
    made = {(o["kind"], o["metadata"]["name"]) for o in render.objects}
    for obj in render.objects:
        for kind, name in references(obj):
            if kind == "Secret" and name in OPERATOR_SECRETS:
                assert render.name == "example", f"{name} exists only with the operators"
                continue
            assert (kind, name) in made, f"{obj['kind']}/{obj['metadata']['name']}: {kind} {name}"


def test_settings_are_ones_the_product_reads(render: Render) -> None:
    known = {f"AFTERSALE_{field.upper()}" for field in Settings.model_fields}
    for workload in render.workloads():
        for container in all_containers(workload):
            names = {n for n in environment(render, container) if n.startswith("AFTERSALE_")}
            assert names <= known, names - known


def test_settings_files_are_mounted_where_the_settings_say(render: Render) -> None:
    for part in PARTS:
        deployment = render.part(part)
        container = main_container(deployment)
        env = environment(render, container)
        files = {"AFTERSALE_POLICIES": "ConfigMap", "AFTERSALE_SHOP_SECRETS": "Secret"}
        for setting, kind in files.items():
            path = PurePosixPath(env[setting])
            found = mounted_volume(deployment, container, str(path))
            assert found, f"{part}: {setting}={path} is on no volume"
            mount, volume = found
            source = volume.get("configMap", {}).get("name") or volume["secret"]["secretName"]
            obj = render.named(kind, source)
            data = obj.get("data", {}) if kind == "ConfigMap" else secret_data(obj)
            assert path.relative_to(mount["mountPath"]).as_posix() in data, f"{part}: {setting}"
        assert env["AFTERSALE_LOG_FORMAT"] == "json"
        for secret in ("AFTERSALE_SECRET_KEY", "AFTERSALE_AMQP_URL", "AFTERSALE_DATABASE_URL"):
            assert secret in env, f"{part}: {secret}"


def test_the_base_secrets_are_marked_as_examples(renders: dict[str, Render]) -> None:
    for secret in renders["base"].of("Secret"):
        for key, value in secret_data(secret).items():
            assert "EXAMPLE" in value, f"{secret['metadata']['name']}: {key}"


def test_the_example_overlay_uses_the_operators_services(renders: dict[str, Render]) -> None:
    example = renders["example"]
    (rabbitmq,) = example.of("RabbitmqCluster")
    (postgres,) = example.of("Cluster")
    assert rabbitmq["spec"]["replicas"] == 3
    assert postgres["spec"]["instances"] == 3
    namespaced = [o for o in example.objects if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {"aftersale"}
    for workload in example.workloads():
        env = {v["name"]: v for v in main_container(workload)["env"]}
        database = env["AFTERSALE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert database == {"name": f"{postgres['metadata']['name']}-app", "key": "uri"}
        if workload["kind"] == "Deployment":
            amqp = env["AFTERSALE_AMQP_URL"]["value"]
            assert f"@{rabbitmq['metadata']['name']}:5672/" in amqp
            # $(VAR) only sees the variables defined before it.
            order = list(env)
            for used in ("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"):
                assert f"$({used})" in amqp
                assert order.index(used) < order.index("AFTERSALE_AMQP_URL")
                ref = env[used]["valueFrom"]["secretKeyRef"]
                assert ref["name"] == f"{rabbitmq['metadata']['name']}-default-user"


def test_the_example_values_are_valid_files() -> None:
    load_policies(BASE / "policies.toml")
    assert load_shop_secrets(BASE / "secrets" / "shop-secrets.example.toml")


def test_wait_for_store_waits_for_the_schema_then_lets_the_part_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'aftersale.db'}"
    monkeypatch.setenv("AFTERSALE_DATABASE_URL", url)
    monkeypatch.setenv("AFTERSALE_WAIT_FOR_STORE_SECONDS", "0.2")
    monkeypatch.setenv("AFTERSALE_WAIT_FOR_STORE_INTERVAL", "0.1")
    script = str(BASE / "wait-for-store.py")
    with pytest.raises(SystemExit) as waited:
        runpy.run_path(script, run_name="__main__")
    assert waited.value.code == 1
    assert "waiting for" in capsys.readouterr().out
    upgrade(url)
    with pytest.raises(SystemExit) as ready:
        runpy.run_path(script, run_name="__main__")
    assert ready.value.code == 0
