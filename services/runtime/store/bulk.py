"""Many rows in one statement, skipping those whose unique key already exists.

Both stores speak ``INSERT … ON CONFLICT DO NOTHING``; a row that clashes with
one committed by another process (or still in flight: PostgreSQL waits for it)
is left out, without a savepoint or a look-up first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

#: Rows per statement: well under SQLite's 32,766 bound parameters for our widest table.
CHUNK = 500


def insert_new(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert `rows` in order, leaving out those whose `key` columns clash.

    Returns the `returning` columns of the rows actually inserted (empty when
    none are asked for). Rows are inserted in the order given, so their ids
    ascend in that order.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start : start + CHUNK])
        # One single-row statement run for many rows: compiled once and cached
        # (SQLAlchemy sends it as multi-row VALUES where the driver allows).
        statement = insert(table).on_conflict_do_nothing(index_elements=list(key))
        if returning:
            columns = [table.c[name] for name in returning]
            result = session.execute(statement.returning(*columns), chunk)
            inserted.extend(tuple(row) for row in result)
        else:
            session.execute(statement, chunk)
    return inserted
