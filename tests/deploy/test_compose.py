"""deploy/compose.yaml: valid for the Compose Specification, and it would start.

`docker compose config` cannot run here (no Docker): the file is interpolated
as Compose does, then validated against the specification's JSON Schema
(compose-spec.json, vendored: crds/README.md says from where), then checked
for what starting in order needs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from services.runtime.heartbeat import PARTS as PROBED_PARTS
from services.runtime.settings import Settings
from services.runtime.shop_secrets import load_shop_secrets
from tests.deploy.conftest import DEPLOY

COMPOSE = DEPLOY / "compose.yaml"
SCHEMA = Path(__file__).parent / "compose-spec.json"
PARTS = ("ingest", "worker", "scheduler", "deliverer", "gateway")
VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\})")


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if not isinstance(node, str):
        return node

    def replace(match: re.Match[str]) -> str:
        dollar, name, operator, argument = match.groups()
        if dollar:
            return "$"
        value = env.get(name)
        missing = value is None or (operator is not None and operator.startswith(":") and not value)
        if operator and operator.endswith("?") and missing:
            raise KeyError(f"{name}: {argument}")
        if operator and operator.endswith("-") and missing:
            return argument
        return value or ""

    return VARIABLE.sub(replace, node)


def load(env: dict[str, str]) -> dict[str, Any]:
    document: dict[str, Any] = interpolate(yaml.safe_load(COMPOSE.read_text()), env)
    return document


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load({"AFTERSALE_SECRET_KEY": "a-test-secret"})


def problems(document: dict[str, Any]) -> list[str]:
    # The schema names draft-07 (as "https://json-schema.org/draft-07/schema").
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_valid_for_the_compose_specification(compose: dict[str, Any]) -> None:
    assert problems(compose) == []


def test_the_schema_check_catches_mistakes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    wrong = {**services["ingest"], "depends_on": {"migrate": {"condition": "service_done"}}}
    assert problems({**compose, "services": {**services, "ingest": wrong}})
    misspelt = {**services["ingest"], "healthcheck": {"tests": ["CMD", "true"]}}
    assert problems({**compose, "services": {**services, "ingest": misspelt}})


def test_the_secret_key_must_be_given() -> None:
    with pytest.raises(KeyError, match="AFTERSALE_SECRET_KEY"):
        load({})


def test_everything_starts_in_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for backing in ("rabbitmq", "postgres"):
        assert services[backing]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for part in PARTS:
        assert services[part]["command"] == [part]
        assert services[part]["depends_on"] == {
            "rabbitmq": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_every_part_is_health_checked(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for part in PARTS:
        service = services[part]
        test = service["healthcheck"]["test"]
        if part == "gateway":
            assert test[:3] == ["CMD", "python", "-c"]
            assert "http://127.0.0.1:8080/healthz" in test[3]
            assert service["environment"]["AFTERSALE_HTTP_ADDR"].endswith(":8080")
            compile(test[3], "healthcheck", "exec")
            continue
        assert part in PROBED_PARTS
        assert test == ["CMD", "aftersale", "probe", part, "--ready"]
        # The heartbeat files go to a writable tmpfs (the root file system is read-only).
        assert service["read_only"] is True
        assert service["environment"]["AFTERSALE_HEALTH_DIR"] in service["tmpfs"]


def test_settings_are_ones_the_product_reads(compose: dict[str, Any]) -> None:
    known = {f"AFTERSALE_{field.upper()}" for field in Settings.model_fields}
    for name, service in compose["services"].items():
        if service.get("image") == "aftersale:local":
            assert set(service["environment"]) <= known, name


def test_the_rabbitmq_user_exists_once_the_definitions_are_loaded(compose: dict[str, Any]) -> None:
    rabbitmq = compose["services"]["rabbitmq"]
    (config,) = rabbitmq["configs"]
    settings = dict(
        line.split(" = ", 1)
        for line in compose["configs"][config["source"]]["content"].splitlines()
        if line.strip() and not line.startswith("#")
    )
    mounts = dict(volume.split(":")[:2] for volume in rabbitmq["volumes"])
    definitions_file = {target: source for source, target in mounts.items()}[
        settings["load_definitions"]
    ]
    definitions = json.loads((DEPLOY / definitions_file).read_text())
    amqp = urlsplit(compose["services"]["ingest"]["environment"]["AFTERSALE_AMQP_URL"])
    assert amqp.path == "/%2F"
    if any(user["name"] == amqp.username for user in definitions.get("users", [])):
        return  # the definitions bring the user themselves
    # Else the user is seeded into each virtual host the import creates: "/" must be one.
    assert {"name": "/"} in definitions["vhosts"]
    assert settings[f"default_users.{amqp.username}.password"] == amqp.password
    assert re.search(settings[f"default_users.{amqp.username}.vhost_pattern"], "/")
    # Tagged so that the management API (aftersale status, KEDA) lets it in.
    assert "administrator" in settings[f"default_users.{amqp.username}.tags"]


def test_data_lives_in_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    named = set(compose["volumes"])

    def volumes(service: str) -> dict[str, str]:
        return dict(v.split(":")[:2] for v in services[service].get("volumes", []))

    assert volumes("postgres")["postgres-data"] == "/var/lib/postgresql/data"
    assert volumes("rabbitmq")["rabbitmq-data"] == "/var/lib/rabbitmq"
    outbox = services["deliverer"]["environment"]["AFTERSALE_OUTBOX_DIR"]
    assert volumes("deliverer")["outbox"] == outbox
    assert {"postgres-data", "rabbitmq-data", "outbox"} <= named


def test_the_shop_secrets_are_a_mounted_file(compose: dict[str, Any]) -> None:
    for part in PARTS:
        service = compose["services"][part]
        (name,) = service["secrets"]
        assert service["environment"]["AFTERSALE_SHOP_SECRETS"] == f"/run/secrets/{name}"
    (secret,) = compose["secrets"].values()
    assert load_shop_secrets(DEPLOY / secret["file"])
