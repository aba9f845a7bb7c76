"""Telling deliverers that pending notifications were written (PostgreSQL only).

A writer calls :func:`notify_outbox` inside the transaction that adds outbox
rows; PostgreSQL delivers the ``NOTIFY`` when that transaction commits (and
folds repeats within one transaction into one), so a waiting deliverer starts
at once instead of at its next poll. On SQLite it does nothing: deliverers
there poll, cheaply. Losing a signal costs latency only, never a message.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

#: The LISTEN/NOTIFY channel of new outbox rows.
OUTBOX_CHANNEL = "aftersale_outbox"

_NOTIFY = text(f"NOTIFY {OUTBOX_CHANNEL}")


def notify_outbox(session: Session | Connection) -> None:
    """Signal deliverers when this transaction commits (no-op unless PostgreSQL)."""
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if dialect.name == "postgresql":
        session.execute(_NOTIFY)
