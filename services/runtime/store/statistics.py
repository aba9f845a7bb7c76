"""Table statistics for PostgreSQL's planner while a young store fills up.

PostgreSQL plans every look-up from its statistics. Tables filled from empty
by a burst have none until autovacuum's analyze, a minute or more later, and
meanwhile it plans for tiny tables: a look-up by a unique key becomes a scan
of every row of the shop. The ingest therefore analyzes the busy tables
itself when it has recorded 200 events since it started, then 2,000,
20,000 and so on: a few times in a process's life, each taking milliseconds
to a second. SQLite plans by its indexes alone and needs none of this.
"""

from __future__ import annotations

import structlog
from sqlalchemy import Engine

log = structlog.get_logger("aftersale.store")

#: The tables every event touches.
BUSY_TABLES = ("events", "customers", "orders", "order_items", "tickets", "returns",
               "handled_events", "notifications", "timers")  # fmt: skip
#: Recorded events at the first analyze; each later one at ten times the last.
FIRST_AT = 200


class StatisticsKeeper:
    """Analyzes the busy tables as the ingest's count of recorded events grows."""

    def __init__(self, engine: Engine, first_at: int = FIRST_AT) -> None:
        self._engine = engine
        self._enabled = engine.dialect.name == "postgresql"
        self._recorded = 0
        self._next_at = first_at

    def recorded(self, count: int) -> None:
        """Note `count` more recorded events; analyze when a threshold is passed."""
        if not self._enabled or count <= 0:
            return
        self._recorded += count
        if self._recorded < self._next_at:
            return
        self._next_at *= 10
        try:
            with self._engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE " + ", ".join(BUSY_TABLES))
        except Exception as exc:  # statistics are an optimisation, never a failure
            log.warning("could not analyze the store", error=type(exc).__name__)
            return
        log.info("store statistics refreshed", recorded=self._recorded)
