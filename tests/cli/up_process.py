"""Start the real `aftersale up` as a process, read its log, and always stop it."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMMAND = [sys.executable, "-m", "services.cli.main"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def up_env(amqp_url: str, folder: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "AFTERSALE_AMQP_URL": amqp_url,
        "AFTERSALE_DATABASE_URL": f"sqlite:///{folder / 'aftersale.db'}",
        "AFTERSALE_HTTP_ADDR": f"127.0.0.1:{port}",
        "AFTERSALE_LOG_FORMAT": "json",
        "AFTERSALE_SCHEDULER_TICK": "0.2s",
    }


def processes_in(folder: Path) -> list[int]:
    """Pids of the processes working in `folder`: `up` and every child it started there."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if Path(os.readlink(entry / "cwd")) == folder.resolve():
                found.append(int(entry.name))
    return found


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """SIGTERM, then SIGKILL if it does not end in time; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)


def kill_leftovers(folder: Path) -> None:
    """SIGKILL, by pid, what our `up` left running in its folder (a failing test's mess)."""
    for pid in processes_in(folder):
        if pid != os.getpid():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@dataclass
class RunningUp:
    process: subprocess.Popen[bytes]
    log: Path
    #: The read end of the terminal `up` writes its standard output to.
    terminal: int
    screen: bytearray = field(default_factory=bytearray)

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (stderr)."""
        parsed = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    parsed.append(value)
        return parsed

    def events(self, name: str, **where: Any) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines()
            if line.get("event") == name and all(line.get(k) == v for k, v in where.items())
        ]

    def shown(self) -> str:
        """What `up` printed on its terminal so far."""
        while select.select([self.terminal], [], [], 0)[0]:
            try:
                chunk = os.read(self.terminal, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            self.screen.extend(chunk)
        return self.screen.decode(errors="replace")


@contextlib.contextmanager
def running_up(env: dict[str, str], folder: Path) -> Iterator[RunningUp]:
    """`aftersale up` in `folder`, its stdout on a terminal; stopped and cleaned up after."""
    log = folder / "up.log"
    terminal, screen = pty.openpty()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*COMMAND, "up"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=screen,
            stderr=sink,
        )
    os.close(screen)
    try:
        yield RunningUp(process, log, terminal)
    finally:
        stop(process)
        kill_leftovers(folder)
        os.close(terminal)
