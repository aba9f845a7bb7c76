"""Debian's headless Chromium driven by Playwright, for tests of real pages.

Needs `/usr/bin/chromium` (`apt-get install -y chromium`; `.ci/run` installs it
when missing) and the `playwright` package (test extras); Playwright's own
browser download is never used. With CI=true a missing one fails the test;
elsewhere it is skipped. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.services import in_ci

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("AFTERSALE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def _missing(what: str) -> None:
    if in_ci():
        pytest.fail(f"the browser test cannot run: {what} (CI=true: a failure, not a skip)")
    pytest.skip(f"no browser for this test: {what}")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright Browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (it is in the test extras)")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
