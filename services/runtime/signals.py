"""How every part of aftersale learns it should stop: SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: finish the work in hand, then stop."""
    stop = threading.Event()

    def _handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop
