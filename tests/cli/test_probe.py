"""`aftersale probe PART [--ready]`: the exec probe of the parts without an HTTP
port, on the heartbeats they touch in AFTERSALE_HEALTH_DIR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from services.runtime.heartbeat import PARTS, Heartbeat, heartbeat_age
from tests.cli.up_process import free_port, running_up, up_env
from tests.support.polling import wait_until


def probe(part: str, health: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "probe", part, *options],
        env={**os.environ, "AFTERSALE_HEALTH_DIR": str(health)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_heartbeat_touches_alive_always_and_ready_only_when_working(tmp_path: Path) -> None:
    beat = Heartbeat("ingest", tmp_path / "health")
    beat.beat(ready=False)
    assert heartbeat_age(tmp_path / "health", "ingest", "alive") is not None
    assert heartbeat_age(tmp_path / "health", "ingest", "ready") is None
    beat.beat()
    assert heartbeat_age(tmp_path / "health", "ingest", "ready") is not None
    later = time.time() + 100
    assert heartbeat_age(tmp_path / "health", "ingest", "alive", now=later) >= 99
    Heartbeat("ingest").beat()  # no folder: nothing written, nothing raised


def test_every_part_of_up_is_alive_and_ready_and_a_frozen_one_is_reported(
    amqp_url: str, tmp_path: Path
) -> None:
    health = tmp_path / "health"
    env = {**up_env(amqp_url, tmp_path, free_port()), "AFTERSALE_HEALTH_DIR": str(health)}
    with running_up(env, tmp_path) as up:
        for part in PARTS:
            wait_until(
                lambda part=part: probe(part, health, "--ready").returncode == 0,
                timeout=120,
                what=f"{part} ready",
            )
            alive = probe(part, health)
            assert alive.returncode == 0, alive.stderr
            assert alive.stdout.startswith(f"{part}: alive")
        (scheduler,) = up.events("started", program="scheduler")
        os.kill(scheduler["pid"], signal.SIGSTOP)  # hangs as a deadlock would
        try:
            stale = wait_until(
                lambda: (found := probe("scheduler", health, "--within", "2")).returncode and found,
                timeout=30,
                what="the frozen scheduler's heartbeat to go stale",
            )
            assert "scheduler: last alive heartbeat" in stale.stderr
            assert probe("ingest", health, "--ready").returncode == 0
        finally:
            os.kill(scheduler["pid"], signal.SIGCONT)


def test_without_a_health_dir_or_a_heartbeat_the_probe_fails_with_one_line(
    tmp_path: Path,
) -> None:
    missing = probe("deliverer", tmp_path / "nothing-here")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"aftersale: deliverer: no heartbeat in {tmp_path / 'nothing-here'} yet (not alive)"
    ]
    unset = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "probe", "worker"],
        env={k: v for k, v in os.environ.items() if k != "AFTERSALE_HEALTH_DIR"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unset.returncode == 1 and "AFTERSALE_HEALTH_DIR is not set" in unset.stderr
