"""The supervisor of `aftersale up`: its restart rule as a table, then with real processes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.cli.supervisor import (
    EX_CONFIG,
    GiveUp,
    Program,
    Restart,
    RestartPolicy,
    Supervisor,
    after_exit,
    default_programs,
)
from tests.support.polling import wait_until

POLICY = RestartPolicy(first_delay=1.0, max_delay=30.0, healthy_after=60.0)


@pytest.mark.parametrize(
    ("code", "uptime", "streak", "expected"),
    [
        (EX_CONFIG, 0.5, 0, GiveUp("configuration error")),
        (EX_CONFIG, 3600.0, 5, GiveUp("configuration error")),
        (1, 0.5, 0, Restart(1.0, 1)),
        (1, 0.5, 1, Restart(2.0, 2)),
        (1, 0.5, 3, Restart(8.0, 4)),
        (-9, 10.0, 4, Restart(16.0, 5)),  # killed by a signal: a crash
        (0, 10.0, 0, Restart(1.0, 1)),  # ending unasked is a crash too
        (1, 59.9, 10, Restart(30.0, 11)),  # capped
        (1, 60.0, 10, Restart(1.0, 1)),  # a healthy minute: back-off starts over
        (1, 7200.0, 3, Restart(1.0, 1)),
    ],
)
def test_the_restart_rule(code: int, uptime: float, streak: int, expected: object) -> None:
    assert after_exit(code, uptime, streak, POLICY) == expected


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


STEADY = python("import time; time.sleep(120)")


@contextmanager
def supervising(supervisor: Supervisor) -> Iterator[tuple[threading.Thread, list[int]]]:
    """Run `supervisor` in a thread; always stop it and every process it started."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(supervisor.run(handle_signals=False)))
    thread.start()
    try:
        yield thread, result
    finally:
        supervisor.stop()
        thread.join(timeout=60)
        for program in supervisor.programs:
            if program.process is not None and program.process.poll() is None:
                program.process.kill()
                program.process.wait(timeout=10)


def test_a_configuration_error_stops_everything_with_its_status() -> None:
    bad = Program("gateway", python("import sys, time; time.sleep(0.3); sys.exit(78)"))
    steady = Program("ingest", STEADY)
    supervisor = Supervisor([steady, bad], RestartPolicy(first_delay=0.05))
    with supervising(supervisor) as (thread, result):
        thread.join(timeout=45)
        assert not thread.is_alive(), "the supervisor kept going after a configuration error"
    assert result == [EX_CONFIG]
    assert bad.restarts == 0
    assert steady.process is not None and steady.process.returncode == -15  # SIGTERM, not kill


def test_a_crash_is_restarted_and_the_others_keep_running() -> None:
    crashing = Program("scheduler", python("raise SystemExit(3)"))
    steady = Program("ingest", STEADY)
    supervisor = Supervisor([steady, crashing], RestartPolicy(first_delay=0.05))
    with supervising(supervisor) as (thread, result):
        first_pid = wait_until(lambda: steady.process and steady.process.pid)
        wait_until(lambda: crashing.restarts >= 3, timeout=30, what="three restarts")
        assert crashing.streak >= 3  # quick crashes in a row: the back-off grows
        assert steady.process is not None and steady.process.poll() is None
        assert steady.process.pid == first_pid and steady.restarts == 0
        supervisor.stop()
        thread.join(timeout=45)
    assert result == [0]


def test_the_back_off_starts_over_after_a_healthy_run() -> None:
    # Runs 0.5 s (at least, however busy the machine), then crashes.
    healthy_then_crash = Program("deliverer", python("import time; time.sleep(0.5); exit(1)"))
    supervisor = Supervisor(
        [healthy_then_crash], RestartPolicy(first_delay=0.05, healthy_after=0.2)
    )
    with supervising(supervisor):
        wait_until(lambda: healthy_then_crash.restarts >= 3, timeout=30, what="three restarts")
        assert healthy_then_crash.streak == 1


def test_ready_is_announced_once_every_program_runs_and_the_probe_answers() -> None:
    answers = threading.Event()
    announced: list[str] = []
    supervisor = Supervisor(
        [Program("ingest", STEADY), Program("gateway", STEADY)],
        ready_probe=answers.is_set,
        on_ready=lambda: announced.append("ready"),
    )
    with supervising(supervisor):
        wait_until(lambda: all(p.process for p in supervisor.programs), what="both started")
        assert not announced
        answers.set()
        wait_until(lambda: announced, what="the announcement")
        assert announced == ["ready"] and supervisor.ready


def test_up_runs_k_of_each_part_and_one_gateway() -> None:
    programs = default_programs(2)
    assert [p.name for p in programs] == [
        "ingest", "ingest-2", "worker", "worker-2", "scheduler", "scheduler-2",
        "deliverer", "deliverer-2", "gateway",
    ]  # fmt: skip
    assert [p.argv[3:] for p in programs if p.name.startswith("ingest")] == [
        ["ingest", "--supervised"], ["ingest", "--supervised"],
    ]  # fmt: skip
