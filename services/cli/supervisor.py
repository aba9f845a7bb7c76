"""Run several processes as one: start, restart on a crash, stop together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

import structlog

log = structlog.get_logger("aftersale.up")

#: How long children get to finish their batch after SIGTERM.
STOP_GRACE_SECONDS = 30.0


@dataclass
class Program:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0


def default_programs() -> list[Program]:
    """The processes of `aftersale up`."""
    command = [sys.executable, "-m", "services.cli.main"]
    return [
        Program("ingest", [*command, "ingest"]),
        Program("worker", [*command, "worker"]),
        Program("scheduler", [*command, "scheduler"]),
        Program("deliverer", [*command, "deliverer"]),
        Program("gateway", [*command, "gateway"]),
    ]


@dataclass
class Supervisor:
    programs: list[Program]
    stopping: bool = field(default=False, init=False)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info("stopping", signal=signal.Signals(signum).name)
        self.stopping = True

    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(program.argv)
        program.started_at = time.monotonic()
        log.info("started", program=program.name, pid=program.process.pid)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for program in self.programs:
            self._start(program)
        while not self.stopping:
            for program in self.programs:
                assert program.process is not None
                code = program.process.poll()
                if code is None:
                    continue
                # A crash right after start will repeat; back off instead of spinning.
                program.restarts += 1
                delay = min(30.0, 2.0**program.restarts) if code != 0 else 1.0
                log.error("exited; restarting", program=program.name, code=code, in_s=delay)
                self._sleep(delay)
                if not self.stopping:
                    self._start(program)
            self._sleep(0.5)
        return self._stop_all()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)

    def _stop_all(self) -> int:
        running = [p for p in self.programs if p.process and p.process.poll() is None]
        for program in running:
            assert program.process is not None
            program.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for program in running:
            assert program.process is not None
            try:
                program.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("did not stop in time; killing", program=program.name)
                program.process.kill()
                program.process.wait()
        log.info("stopped")
        return 0
