"""Engine and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import random
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from services.runtime.instance_lock import sqlite_file
from services.runtime.settings import redact_url


class UnsupportedStore(ValueError):
    """``AFTERSALE_DATABASE_URL`` names a store aftersale does not run on."""


#: The stores aftersale runs on, by the start of a SQLAlchemy URL's scheme.
SUPPORTED = ("sqlite", "postgresql", "postgres")


def normalise_url(url: str) -> str:
    """`postgresql://…` means psycopg 3 here (SQLAlchemy would pick psycopg2).

    Raises:
        UnsupportedStore: the URL is no SQLite or PostgreSQL URL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedStore(_unsupported(url, "it is no database URL")) from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise UnsupportedStore(_unsupported(url, f"{parsed.get_backend_name()} is not supported"))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


#: Execution option of engines and connections that never write (see `readers`).
READ_ONLY = "aftersale_read_only"


#: How long a writer waits for SQLite's write lock before giving up (seconds).
WRITE_LOCK_PATIENCE = 30.0
#: Longest pause between two tries for the write lock (seconds).
WRITE_LOCK_MAX_PAUSE = 0.004
#: SQLite's own wait for other locks (milliseconds).
BUSY_TIMEOUT_MS = 30_000


def _unsupported(url: str, why: str) -> str:
    return (
        f"AFTERSALE_DATABASE_URL={redact_url(url)}: {why}; aftersale runs on SQLite "
        "(sqlite:///aftersale.db) or PostgreSQL (postgresql://user:password@host/database)"
    )


def take_write_lock(raw: Any, patience: float = WRITE_LOCK_PATIENCE) -> None:
    """``BEGIN IMMEDIATE``, trying every few milliseconds until it is ours.

    SQLite's own busy handler backs off to sleeps of 100 ms, so a process that
    waits behind processes with many short transactions keeps missing the
    moments the lock is free, and its queue grows. Trying again after half a
    millisecond to four milliseconds (with jitter) takes the lock soon after
    it is released, whoever held it.
    """
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + patience
        pause = 0.0005
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 1.5, WRITE_LOCK_MAX_PAUSE)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy drive transactions (pysqlite's own handling breaks
        # savepoints), then switch on WAL, foreign keys and a busy wait.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front, so two never deadlock on the
        # upgrade from read to write; readers (reports, pollers) do not queue
        # behind writers at all: in WAL mode they read a snapshot.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            take_write_lock(connection.connection.dbapi_connection)


def build_engine(
    url: str,
    *,
    echo: bool = False,
    pooled: bool = True,
    pre_ping: bool = True,
    connections: int = 10,
) -> Engine:
    """An engine for the store at `url` (no connection is made yet).

    `pooled=False` suits one-off commands: the connection closes when done.
    `pre_ping=False` (PostgreSQL) saves a round trip per transaction for a
    caller that retries a failed one anyway: after a server restart its first
    statement on an old connection fails, and the pool is renewed.
    `connections` bounds a pooled PostgreSQL engine (half kept open).
    """
    url = normalise_url(url)
    options: dict[str, Any] = {"echo": echo}
    if not pooled:
        options["poolclass"] = NullPool
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    if pooled:
        kept = max(1, connections // 2)
        options.update(pool_pre_ping=pre_ping, pool_size=kept, max_overflow=connections - kept)
    engine = create_engine(url, **options)
    # Bulk inserts without RETURNING go through psycopg's executemany: one short
    # statement, converted once and prepared, its rows pipelined in one round
    # trip. Rendered as multi-row VALUES instead, each batch was a new statement
    # of thousands of placeholders that psycopg re-parsed in Python (a fifth of
    # the ingest's CPU on PostgreSQL).
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def readers(engine: Engine) -> Engine:
    """The same engine for transactions that only read: on SQLite they begin
    without the write lock, so a report or a poll never waits for a writer."""
    return engine.execution_options(**{READ_ONLY: True})


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read (a write in one fails on SQLite's lock rules)."""
    return sessionmaker(readers(engine), expire_on_commit=False)


def missing_store(url: str) -> str | None:
    """Why there is no store to read at ``url`` (a SQLite file that does not exist)."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return None
    return (
        f"no store at {path.resolve()} ({redact_url(url)}): run this in the folder of "
        "`aftersale up`, create one with `aftersale db upgrade`, or set AFTERSALE_DATABASE_URL"
    )
