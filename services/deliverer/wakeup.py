"""Waking an idle deliverer on PostgreSQL ``NOTIFY aftersale_outbox``.

One connection per deliverer ``LISTEN``s (autocommit, outside the pool) in a
thread that sleeps in ``select`` on its socket (psycopg's ``notifies()`` with
a timeout costs about 1.5 ms of CPU each time round); every notification calls
``wake``. A lost connection is re-opened with back-off; meanwhile, and always
on SQLite, the deliverer's poll finds new rows anyway.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from services.runtime.logging import get_logger
from services.runtime.store.outbox_signal import OUTBOX_CHANNEL

log = get_logger("aftersale.deliverer")

#: Longest wait in ``select`` (seconds); ``close()`` interrupts it at once.
_CHECK_STOP = 5.0
#: Longest pause before re-opening a lost connection (seconds).
_MAX_PAUSE = 30.0


def libpq_url(database_url: str) -> str | None:
    """The URL for psycopg when ``database_url`` is PostgreSQL, else None."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxListener(threading.Thread):
    """Calls ``wake()`` on every ``NOTIFY aftersale_outbox`` until :meth:`close`."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        super().__init__(name="deliverer-listen", daemon=True)
        self._url = url
        self._wake = wake
        self._stopping = threading.Event()
        self._interrupt, self._interrupted = socket.socketpair()
        #: Set while LISTEN is in place (tests wait for it).
        self.listening = threading.Event()
        #: Notifications received on the current connection.
        self.notifications = 0

    def signalled(self) -> bool:
        """Listening, and writers' signals have been seen: polling can be rare."""
        return self.listening.is_set() and self.notifications > 0

    def close(self) -> None:
        """Stop listening now; returns when the thread has closed its connection."""
        self._stopping.set()
        self._interrupt.send(b"x")
        self.join(timeout=10)
        self._interrupt.close()
        self._interrupted.close()

    def run(self) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                    self.notifications = 0
                    self.listening.set()
                    self._wake()  # rows may have been written while nobody listened
                    pause = 0.5
                    self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                self.listening.clear()
                if self._stopping.is_set():
                    return
                error = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
                log.warning("cannot listen for new outbox rows; polling meanwhile",
                            error=error, retry_in=pause)  # fmt: skip
                self._stopping.wait(pause)
                pause = min(pause * 2, _MAX_PAUSE)
        self.listening.clear()

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        pgconn = conn.pgconn
        while not self._stopping.is_set():
            fd: int = pgconn.socket
            ready, _, _ = select.select([fd, self._interrupted.fileno()], [], [], _CHECK_STOP)
            if fd not in ready:
                continue
            pgconn.consume_input()  # raises when the connection is gone
            woken = False
            while pgconn.notifies() is not None:
                woken = True
            if woken:
                self.notifications += 1
                self._wake()
