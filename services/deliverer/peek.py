"""Whether anything is due: the idle deliverer's one query, made as cheap as it gets.

Asked a few times a second by an idle deliverer, so it skips what a session
costs (a pool checkout with a ping, a transaction, SQLAlchemy's statement
machinery, and on SQLite the write lock every transaction of this store
takes): one driver connection is held for the deliverer's run, in autocommit
(on SQLite the pool's own, already in autocommit; on PostgreSQL one of its
own outside the pool, asked through libpq directly: psycopg's Python layers
cost about 1 ms of CPU a call in a process that mostly sleeps, libpq 0.3 ms),
and asked one fixed statement: two index probes on
``ix_notifications_status_next_attempt_at``, for rows without a time and for
rows due by now. A broken connection is dropped and the error raised; the
next look opens a new one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import psycopg
from psycopg import pq
from sqlalchemy import Engine, Table, bindparam, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.models import Notification

_C = cast(Table, Notification.__table__).c
_PENDING = _C.status == "pending"
_ANY_DUE = select(
    or_(
        exists().where(_PENDING, _C.next_attempt_at.is_(None)),
        exists().where(
            _PENDING, _C.next_attempt_at <= bindparam("now", type_=_C.next_attempt_at.type)
        ),
    )
)
#: The same as _ANY_DUE, as the drivers take it ("?" becomes "$1" for libpq).
_ANY_DUE_SQL = (
    "SELECT EXISTS (SELECT 1 FROM notifications"
    " WHERE status = 'pending' AND next_attempt_at IS NULL)"
    " OR EXISTS (SELECT 1 FROM notifications"
    " WHERE status = 'pending' AND next_attempt_at <= ?)"
)

_PG_ANY_DUE = _ANY_DUE_SQL.replace("?", "$1").encode()
#: The type OID of timestamptz, for the parameter sent as text.
_TIMESTAMPTZ = 1184


class DuePeek:
    """``due(now)``: is a pending row due (or without a time)? Close it when done."""

    def __init__(self, sessions: sessionmaker[Session], engine: Engine | None = None) -> None:
        bind = engine if engine is not None else getattr(sessions, "kw", {}).get("bind")
        self._sessions = sessions
        self._engine = bind if isinstance(bind, Engine) else None
        self._driver: Any = None
        self._to_db: Any = None

    def due(self, now: datetime) -> bool:
        try:
            return self._ask(now)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()

    def _ask(self, now: datetime) -> bool:
        engine = self._engine
        if engine is None:  # no engine to hold a connection of: an ordinary session
            with self._sessions() as session:
                return bool(session.execute(_ANY_DUE, {"now": now}).scalar())
        if engine.dialect.name == "sqlite":
            if self._driver is None:
                self._driver = engine.raw_connection()
                self._to_db = _C.next_attempt_at.type.bind_processor(engine.dialect)
            to_db = self._to_db
            cursor = self._driver.cursor()
            try:
                cursor.execute(_ANY_DUE_SQL, (to_db(now) if to_db else now,))
                return bool(cursor.fetchone()[0])
            finally:
                cursor.close()
        if self._driver is None:
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._driver = psycopg.connect(url, autocommit=True, connect_timeout=10)
        result = self._driver.pgconn.exec_params(
            _PG_ANY_DUE, [now.isoformat().encode()], [_TIMESTAMPTZ]
        )
        if result.status != pq.ExecStatus.TUPLES_OK:
            message = result.error_message.decode("utf-8", "replace").strip()
            raise psycopg.OperationalError(message or "the due look failed")
        return bool(result.get_value(0, 0) == b"t")
