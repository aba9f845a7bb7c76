"""Writing down what became of claimed rows: many results, one transaction.

Every change applies only to a row still pending under the lease it was
claimed with: a row an operator decided meanwhile, or one another deliverer
took after the lease ran out, keeps that decision. All the sent rows of a
lease are one UPDATE; failures (rare) are one UPDATE each, so each knows
whether it applied; rows handed back are one executemany; the attempt rows
(what ``aftersale timeline`` and the reports read) one multi-row INSERT. On
PostgreSQL the sent rows' attempts are written by the sent UPDATE's own
statement (a data-modifying CTE): one round trip per recorded send.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Dialect,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from services.deliverer.outcomes import Result
from services.runtime.store import suppressions
from services.runtime.store.models import DeliveryAttempt, Notification

_TABLE = cast(Table, Notification.__table__)
_C = _TABLE.c
_ATTEMPTS = cast(Table, DeliveryAttempt.__table__)


def _ours(lease_until: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (_C.status == "pending", _C.next_attempt_at == lease_until)


#: Built once: a statement object keeps its cache key and compiled form, so a
#: record of one result costs no statement building (building them was about half
#: of the deliverer's GIL time in a profile of the pipeline).
_MARK_SENT = (
    update(_TABLE)
    .where(_C.id.in_(bindparam("ids", expanding=True)), *_ours(bindparam("lease")))
    .values(
        status="sent",
        sent_at=bindparam("sent_at"),
        next_attempt_at=None,
        failure_reason=None,
        attempts=_C.attempts + 1,
    )
    .returning(_C.id)
)
#: The sent UPDATE and the attempt rows of the rows it changed, in one statement.
_MARK_SENT_WITH_ATTEMPTS = text(
    """
    WITH sent AS (
        UPDATE notifications
        SET status = 'sent', sent_at = :sent_at, next_attempt_at = NULL,
            failure_reason = NULL, attempts = attempts + 1
        WHERE id = ANY(CAST(:ids AS BIGINT[])) AND status = 'pending'
          AND next_attempt_at = :lease
        RETURNING id
    )
    INSERT INTO delivery_attempts (notification_pk, at, outcome, detail)
    SELECT tried.id, tried.at, 'sent', NULL
    FROM unnest(CAST(:ids AS BIGINT[]), CAST(:ats AS TIMESTAMPTZ[])) AS tried(id, at)
    JOIN sent ON sent.id = tried.id
    RETURNING notification_pk
    """
)
_INSERT_ATTEMPTS = insert(_ATTEMPTS)
_EXISTING = select(_C.id).where(_C.id.in_(bindparam("ids", expanding=True)))

_HAND_BACK = (
    update(_TABLE)
    .where(_C.id == bindparam("row_id"), *_ours(bindparam("lease")))
    .values(next_attempt_at=bindparam("due"))
)


def only_sends(results: Sequence[Result]) -> bool:
    """Whether ``results`` are all sends of one lease: what :func:`record_sends` writes."""
    return all(r.outcome == "sent" for r in results) and len({r.lease_until for r in results}) == 1


#: The sends, as the drivers take them: no statement is compiled or looked up
#: per record (SQLAlchemy's part was half of a record's CPU, on the path that
#: holds the single sender lane back). ``{ids}`` is one placeholder per row.
_SENDS_SQLITE = (
    "UPDATE notifications SET status = 'sent', sent_at = ?, next_attempt_at = NULL, "
    "failure_reason = NULL, attempts = attempts + 1 "
    "WHERE id IN ({ids}) AND status = 'pending' AND next_attempt_at = ? RETURNING id"
)
_ATTEMPTS_SQLITE = (
    "INSERT INTO delivery_attempts (notification_pk, at, outcome, detail) "
    "VALUES (?, ?, 'sent', NULL)"
)
#: The data-modifying CTE above, with psycopg's placeholders.
_SENDS_POSTGRESQL = re.sub(r":(\w+)", r"%(\1)s", _MARK_SENT_WITH_ATTEMPTS.text)


@functools.cache
def _stamp_for(dialect: Dialect) -> Callable[[datetime], Any]:
    """How the store's driver takes a time (as ``UtcDateTime`` binds it)."""
    bind = _C.sent_at.type.dialect_impl(dialect).bind_processor(dialect)
    return bind if bind is not None else _as_is


def _as_is(value: datetime) -> Any:
    return value


def record_sends(
    connection: Connection, results: Sequence[Result], now: datetime
) -> tuple[set[int], set[int]]:
    """Sends of one lease (see :func:`only_sends`), in the connection's transaction;
    returns what :func:`record` does. The rows and their attempts: on PostgreSQL
    one statement, on SQLite an UPDATE and an INSERT."""
    dialect = connection.dialect
    stamp = _stamp_for(dialect)
    ids = [r.notification.id for r in results]
    lease = stamp(results[0].lease_until)
    if dialect.name == "postgresql":
        parameters = {"ids": ids, "ats": [stamp(r.at) for r in results], "lease": lease,
                      "sent_at": stamp(now)}  # fmt: skip
        applied = {row[0] for row in connection.exec_driver_sql(_SENDS_POSTGRESQL, parameters)}
        attempted = applied
    else:
        sql = _SENDS_SQLITE.format(ids=", ".join("?" * len(ids)))
        found = connection.exec_driver_sql(sql, (stamp(now), *ids, lease))
        applied = {row[0] for row in found}
        attempted = set()
    unapplied = set(ids) - applied
    vanished: set[int] = set()
    if unapplied:  # decided elsewhere meanwhile (rare): attempts kept unless the row is gone
        vanished = unapplied - set(connection.scalars(_EXISTING, {"ids": sorted(unapplied)}))
    skipped = attempted | vanished
    kept = [r for r in results if r.notification.id not in skipped]
    if kept and dialect.name == "sqlite":
        rows = [(r.notification.id, stamp(r.at)) for r in kept]
        connection.exec_driver_sql(_ATTEMPTS_SQLITE, rows if len(rows) > 1 else rows[0])
    elif kept:
        connection.execute(_INSERT_ATTEMPTS, [
            {"notification_pk": r.notification.id, "at": r.at, "outcome": "sent", "detail": None}
            for r in kept
        ])  # fmt: skip
    return applied, vanished


def record(session: Session, results: Sequence[Result], now: datetime) -> tuple[set[int], set[int]]:
    """Apply ``results`` in the session's transaction: the ids whose result was
    applied, and those of rows that no longer exist.

    Parameters
    ----------
    session:
        In a transaction; the caller commits.
    results:
        Outcomes of claimed rows (several claims, so several leases, may mix).
    now:
        The ``sent_at`` of sent rows.
    """
    applied: set[int] = set()
    sent: dict[datetime, list[Result]] = defaultdict(list)
    for result in results:
        if result.outcome == "sent":
            sent[result.lease_until].append(result)
    # PostgreSQL: the sent rows and their attempt rows in one statement (one
    # round trip on the single sender lane's path, instead of two).
    together = session.get_bind().dialect.name == "postgresql"
    recorded: set[int] = set()
    for lease_until, done in sent.items():
        ids = [r.notification.id for r in done]
        if together:
            parameters = {"ids": ids, "ats": [r.at for r in done], "lease": lease_until,
                          "sent_at": now}  # fmt: skip
            marked = set(session.scalars(_MARK_SENT_WITH_ATTEMPTS, parameters))
            recorded |= marked
        else:
            marked = set(session.scalars(_MARK_SENT, {"ids": ids, "lease": lease_until,
                                                      "sent_at": now}))  # fmt: skip
        applied |= marked
    for result in results:
        if result.outcome in ("retry", "failed") and _apply_failure(session, result):
            applied.add(result.notification.id)
    _suppress_rejected(session, results, now)
    handed_back = [
        {"row_id": r.notification.id, "lease": r.lease_until, "due": r.due_at}
        for r in results
        if r.outcome == "released"
    ]
    if handed_back:
        session.execute(_HAND_BACK, handed_back)
    tried = [r for r in results if r.outcome != "released"]
    unapplied = {r.notification.id for r in tried} - applied
    # The attempt is kept even where its result was not applied, unless the row is gone.
    vanished: set[int] = set()
    if unapplied:
        vanished = unapplied - set(session.scalars(_EXISTING, {"ids": sorted(unapplied)}))
    attempts = [
        {
            "notification_pk": r.notification.id,
            "at": r.at,
            "outcome": r.outcome,
            "detail": r.reason,
        }
        for r in tried
        if r.notification.id not in vanished and r.notification.id not in recorded
    ]
    if attempts:
        session.execute(_INSERT_ATTEMPTS, attempts)
    return applied, vanished


def _suppress_rejected(session: Session, results: Sequence[Result], now: datetime) -> None:
    """Addresses a mail server refused join the suppression list (customers' only:
    staff addresses are the shop's configuration, to be fixed there)."""
    reports = [
        suppressions.Report(r.notification.recipient, "rejected", "smtp", r.reason)
        for r in results
        if r.rejects_address
        and r.notification.channel == "email"
        and r.notification.customer_id is not None
    ]
    if reports:
        suppressions.record(session, reports, now)


def _apply_failure(session: Session, result: Result) -> bool:
    values: dict[str, Any]
    if result.outcome == "retry":
        values = {"next_attempt_at": result.due_at}
    else:
        values = {"status": "failed", "next_attempt_at": None}
    statement = (
        update(_TABLE)
        .where(_C.id == result.notification.id, *_ours(result.lease_until))
        .values(attempts=result.attempts, failure_reason=result.reason, **values)
    )
    return bool(cast(CursorResult[Any], session.execute(statement)).rowcount)
