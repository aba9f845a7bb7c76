"""A SQLite writer takes the write lock soon after it is freed, and gives up
after its patience, with the driver's error."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from services.runtime.store.engine import take_write_lock


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def lateness(path: Path, hold: float) -> float:
    """Seconds between the holder's COMMIT and the waiter's lock."""
    holder, waiter = connect(path), connect(path)
    holder.execute("BEGIN IMMEDIATE")
    released: list[float] = []

    def release_later() -> None:
        time.sleep(hold)
        holder.execute("COMMIT")
        released.append(time.monotonic())

    threading.Thread(target=release_later).start()
    take_write_lock(waiter, patience=10)
    took = time.monotonic()
    waiter.execute("COMMIT")
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    return took - released[0]


def test_the_lock_is_taken_soon_after_it_is_released(tmp_path: Path) -> None:
    # SQLite's own handler, by then sleeping 100 ms at a time, wakes about
    # 78 ms after each of these releases; trying every few ms takes it at once.
    late = [lateness(tmp_path / "s.db", hold) for hold in (0.25, 0.55, 0.85)]
    assert min(late) < 0.04, late


def test_a_lock_never_freed_fails_after_the_patience(tmp_path: Path) -> None:
    holder, waiter = connect(tmp_path / "s.db"), connect(tmp_path / "s.db")
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        take_write_lock(waiter, patience=0.2)
    assert 0.2 <= time.monotonic() - started < 2
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
