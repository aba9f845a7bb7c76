"""Run several processes as one: start, restart a crash, give up on bad configuration.

A child that exits with :data:`EX_CONFIG` has said in one line what is wrong
with its configuration (a port in use, a bad URL): starting it again cannot
help, so everything stops and `up` exits with that status. Any other exit is a
crash and is restarted after a back-off that doubles with each quick crash and
starts over once the child has run healthy for a while.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

import structlog

log = structlog.get_logger("aftersale.up")

#: How long children get to finish their batch after SIGTERM.
STOP_GRACE_SECONDS = 30.0
#: The exit status of a configuration error (sysexits.h EX_CONFIG): fatal, never restarted.
EX_CONFIG = 78


@dataclass(frozen=True)
class RestartPolicy:
    #: Delay before the first restart after a quick crash; doubles per quick crash.
    first_delay: float = 1.0
    #: The longest delay between restarts.
    max_delay: float = 30.0
    #: A child that ran this long was healthy: its next crash starts the back-off over.
    healthy_after: float = 60.0


@dataclass(frozen=True)
class Restart:
    delay: float
    #: Quick crashes in a row, this one included.
    streak: int


@dataclass(frozen=True)
class GiveUp:
    reason: str


def after_exit(code: int, uptime: float, streak: int, policy: RestartPolicy) -> Restart | GiveUp:
    """What to do when a child exited with `code` after `uptime` seconds.

    `streak` is the number of quick crashes in a row before this one.
    """
    if code == EX_CONFIG:
        return GiveUp("configuration error")
    if uptime >= policy.healthy_after:
        streak = 0
    return Restart(min(policy.max_delay, policy.first_delay * 2.0**streak), streak + 1)


@dataclass
class Program:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    streak: int = 0
    started_at: float = 0.0
    #: When a crashed program is due to start again (monotonic); None while it runs.
    restart_at: float | None = None


def default_programs(processes: int = 1) -> list[Program]:
    """The processes of `aftersale up`: `processes` of each part (named `ingest`,
    `ingest-2`, …) and one gateway."""
    command = [sys.executable, "-m", "services.cli.main"]
    parts = [
        # `up` itself looked for other consumers of the ingest queue already.
        ("ingest", [*command, "ingest", "--supervised"]),
        ("worker", [*command, "worker"]),
        ("scheduler", [*command, "scheduler"]),
        ("deliverer", [*command, "deliverer"]),
    ]
    programs = [
        Program(name if n == 1 else f"{name}-{n}", argv)
        for name, argv in parts
        for n in range(1, processes + 1)
    ]
    return [*programs, Program("gateway", [*command, "gateway"])]


@dataclass
class Supervisor:
    programs: list[Program]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    #: Polled while not yet ready; True once the system answers (e.g. the gateway listens).
    ready_probe: Callable[[], bool] | None = None
    #: Called once, the first time every program runs and `ready_probe` holds.
    on_ready: Callable[[], None] | None = None
    stopping: bool = field(default=False, init=False)
    exit_code: int = field(default=0, init=False)
    ready: bool = field(default=False, init=False)

    def stop(self) -> None:
        """Stop every program and return from :meth:`run` (safe from another thread)."""
        self.stopping = True

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info("stopping", signal=signal.Signals(signum).name)
        self.stop()

    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(program.argv)
        program.started_at = time.monotonic()
        program.restart_at = None
        log.info("started", program=program.name, pid=program.process.pid)

    def run(self, *, handle_signals: bool = True) -> int:
        """Supervise until a signal, :meth:`stop` or a configuration error; the exit status."""
        if handle_signals:
            signal.signal(signal.SIGINT, self._on_signal)
            signal.signal(signal.SIGTERM, self._on_signal)
        for program in self.programs:
            self._start(program)
        while not self.stopping:
            for program in self.programs:
                self._check(program)
                if self.stopping:
                    break
            self._check_ready()
            self._sleep(0.2)
        return self._stop_all()

    def _check(self, program: Program) -> None:
        now = time.monotonic()
        if program.restart_at is not None:
            if now >= program.restart_at:
                program.restarts += 1
                self._start(program)
            return
        assert program.process is not None
        code = program.process.poll()
        if code is None or self.stopping:
            return
        decision = after_exit(code, now - program.started_at, program.streak, self.policy)
        if isinstance(decision, GiveUp):
            # The child printed what is wrong; restarting would print it for ever.
            log.error(
                "cannot run; stopping everything",
                program=program.name,
                code=code,
                reason=decision.reason,
            )
            self.exit_code = code
            self.stop()
            return
        program.streak = decision.streak
        program.restart_at = now + decision.delay
        log.error("exited; restarting", program=program.name, code=code, in_s=decision.delay)

    def _check_ready(self) -> None:
        if self.ready or self.stopping:
            return
        if any(p.process is None or p.process.poll() is not None for p in self.programs):
            return
        if self.ready_probe is not None and not self.ready_probe():
            return
        self.ready = True
        log.info("ready")
        if self.on_ready is not None:
            self.on_ready()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.05, seconds))

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
        return self.exit_code
