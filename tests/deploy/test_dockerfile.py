"""deploy/Dockerfile: what Kubernetes and compose rely on (no Docker here to build it)."""

from __future__ import annotations

import json
import re

import yaml

from tests.deploy.conftest import DEPLOY, KUSTOMIZATIONS

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage; continuations joined, heredocs kept."""
    found: list[tuple[str, str]] = []
    lines = iter(DOCKERFILE.read_text().splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines).strip()
        keyword, _, rest = line.strip().partition(" ")
        heredoc = re.search(r"<<-?'?(\w+)'?", rest)
        if heredoc:
            body = []
            for more in lines:
                if more == heredoc.group(1):
                    break
                body.append(more)
            rest += "\n" + "\n".join(body)
        if keyword.upper() == "FROM":
            found = []
        found.append((keyword.upper(), rest))
    return found


def only(keyword: str) -> str:
    (value,) = [rest for key, rest in instructions() if key == keyword]
    return value


def environment() -> dict[str, str]:
    pairs = " ".join(rest for key, rest in instructions() if key == "ENV")
    return dict(re.findall(r"(\w+)=(\S+)", pairs))


def test_runs_as_the_numeric_non_root_user_of_the_manifests() -> None:
    # Numeric, so that the kubelet can check runAsNonRoot without /etc/passwd.
    assert only("USER") == "10001:10001"
    assert "useradd --uid 10001" in " ".join(rest for key, rest in instructions() if key == "RUN")
    pod = yaml.safe_load((KUSTOMIZATIONS["base"] / "pod-defaults.yaml").read_text())
    assert pod["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001


def test_works_on_a_read_only_root_file_system() -> None:
    env = environment()
    assert env["HOME"] == env["TMPDIR"] == "/tmp"
    assert env["AFTERSALE_HEALTH_DIR"] == "/run/aftersale"
    settings = (KUSTOMIZATIONS["base"] / "settings.env").read_text()
    assert f"AFTERSALE_HEALTH_DIR={env['AFTERSALE_HEALTH_DIR']}" in settings
    # The folders it writes to (without a volume there) belong to its user.
    created = " ".join(rest for key, rest in instructions() if key == "RUN")
    for folder in ("/run/aftersale", env["AFTERSALE_OUTBOX_DIR"], only("WORKDIR")):
        assert re.search(rf"install -d -o 10001 -g 10001 [^&]*{re.escape(folder)}( |$)", created)


def test_keeps_the_aftersale_entrypoint() -> None:
    assert json.loads(only("ENTRYPOINT")) == ["aftersale"]
    assert json.loads(only("CMD")) == ["up"]


def test_has_a_health_check_that_asks_the_running_part() -> None:
    healthcheck = only("HEALTHCHECK")
    assert re.search(r"--interval=\S+ --timeout=\S+ --start-period=\S+", healthcheck)
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    (script,) = [
        rest.split("\n", 1)[1]
        for key, rest in instructions()
        if key == "COPY" and rest.split("\n", 1)[0].endswith(" " + "/usr/local/bin/" + command[0])
    ]
    compile(script, command[0], "exec")
    assert '["aftersale", "probe", part]' in script
    assert "/healthz" in script
