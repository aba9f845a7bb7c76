"""Heartbeat files for liveness and readiness probes (`aftersale probe PART`).

With `AFTERSALE_HEALTH_DIR` set, each long-running part touches
`PART.alive` on every turn of its main loop, and `PART.ready` on every turn
in which it is doing its work (connected to the broker, the store
answering). A process that hangs stops touching both: a liveness probe sees
`.alive` go stale and has it restarted; one that waits out an outage keeps
`.alive` fresh but lets `.ready` go stale, so it is reported not ready
instead of being restarted for something a restart cannot cure.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

PARTS = ("ingest", "worker", "scheduler", "deliverer")
#: A probe's default limits: how old a heartbeat may be (seconds).
ALIVE_WITHIN_SECONDS = 60.0
READY_WITHIN_SECONDS = 20.0
#: Each file is touched at most this often (a busy loop turns many times a second).
BEAT_EVERY_SECONDS = 1.0


@dataclass
class Heartbeat:
    part: str
    folder: Path | None = None
    _last_alive: float = field(default=0.0, repr=False)
    _last_ready: float = field(default=0.0, repr=False)

    def beat(self, *, ready: bool = True) -> None:
        if self.folder is None:
            return
        now = time.monotonic()
        if now - self._last_alive >= BEAT_EVERY_SECONDS:
            self._touch("alive")
            self._last_alive = now
        if ready and now - self._last_ready >= BEAT_EVERY_SECONDS:
            self._touch("ready")
            self._last_ready = now

    def _touch(self, what: str) -> None:
        assert self.folder is not None
        # A full or read-only folder must never stop the work; the probe reports it.
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{self.part}.{what}").touch()


def heartbeat_age(folder: Path, part: str, what: str, now: float | None = None) -> float | None:
    """Seconds since `part` last touched its `.alive` or `.ready` file, or None."""
    try:
        touched = (folder / f"{part}.{what}").stat().st_mtime
    except OSError:
        return None
    return max(0.0, (time.time() if now is None else now) - touched)
