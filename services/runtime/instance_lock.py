"""One `aftersale up` per SQLite file: a lock beside the database file.

`up` runs an ingest, a scheduler and a deliverer meant to be alone on an
embedded store; a second `up` on the same file would run them twice without a
word. The lock is ``flock`` on ``<db file>.lock``: the kernel releases it when
the holder dies, even by SIGKILL, so a stale file never blocks a start. The
file keeps the holder's pid for the error message; it is never deleted (a
delete would let two processes lock two different files of the same name).
PostgreSQL needs no lock: any number of processes may share it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class InstanceLocked(RuntimeError):
    """Another process holds the lock; the message names the file and its pid."""


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other stores and in-memory ones."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    name = url.database.removeprefix("file:") if url.query.get("uri") else url.database
    return Path(name)


def lock_path(database_file: Path) -> Path:
    return database_file.with_name(database_file.name + ".lock")


@dataclass
class InstanceLock:
    """A held lock; :meth:`release` (or process exit) lets the next holder in."""

    path: Path
    fd: int

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _holder_pid(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        return str(int(os.pread(fd, 32, 0).decode().strip()))
    return "unknown"


def acquire(database_url: str) -> InstanceLock | None:
    """Take the lock of the SQLite store at `database_url` (None for PostgreSQL).

    Raises:
        InstanceLocked: another process holds it.
        OSError: the lock file cannot be created (e.g. the folder is missing).
    """
    database_file = sqlite_file(database_url)
    if database_file is None:
        return None
    path = lock_path(database_file)
    # Not inherited by children (PEP 446): the lock lives exactly as long as `up`.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder_pid(fd)
        os.close(fd)
        raise InstanceLocked(
            f"another `aftersale up` (pid {holder}) is running on {database_file} "
            f"(it holds {path}); stop it first, or use PostgreSQL to run more than one"
        ) from None
    except OSError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return InstanceLock(path, fd)
