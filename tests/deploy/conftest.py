"""Fixtures of the deployment tests: kubectl, and each kustomization rendered once.

`kubectl kustomize` renders the manifests exactly as `kubectl apply -k` would
send them. Without kubectl these tests skip, except in CI (CI=true), where
.ci/run installs it and its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.manifests import Render

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUSTOMIZATIONS = {
    "base": DEPLOY / "kubernetes" / "base",
    "example": DEPLOY / "kubernetes" / "overlays" / "example",
}


def find_kubectl() -> str | None:
    """kubectl on PATH, or the one a wheel installed beside this Python."""
    beside = Path(sys.executable).parent / "kubectl"
    return shutil.which("kubectl") or (str(beside) if beside.is_file() else None)


@pytest.fixture(scope="session")
def kubectl() -> str:
    found = find_kubectl()
    if found is None:
        message = "kubectl not found (.ci/run installs it): the manifests go unchecked"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def renders(kubectl: str) -> dict[str, Render]:
    """Every kustomization, rendered with `kubectl kustomize`."""
    rendered = {}
    for name, folder in KUSTOMIZATIONS.items():
        result = subprocess.run(
            [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, f"kubectl kustomize {folder}:\n{result.stderr}"
        objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
        rendered[name] = Render(name, objects)
    return rendered


@pytest.fixture(params=sorted(KUSTOMIZATIONS))
def render(request: pytest.FixtureRequest, renders: dict[str, Render]) -> Render:
    """Each kustomization in turn."""
    return renders[request.param]
