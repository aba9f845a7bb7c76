"""The ingest refreshes PostgreSQL's statistics as a young store fills up."""

from __future__ import annotations

from sqlalchemy import Engine, text

from services.runtime.store.statistics import StatisticsKeeper
from tests.support.polling import wait_until


def analyzed(engine: Engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'events'")
        ).scalar_one()
    return int(value)


def test_busy_tables_are_analyzed_at_each_tenfold(engine: Engine) -> None:
    keeper = StatisticsKeeper(engine, first_at=10)
    if engine.dialect.name != "postgresql":
        keeper.recorded(1_000)  # SQLite: nothing to do, and nothing fails
        return
    before = analyzed(engine)
    keeper.recorded(9)
    keeper.recorded(1)  # 10
    wait_until(lambda: analyzed(engine) == before + 1, what="the first analyze")
    keeper.recorded(89)  # 99: the next one is at 100
    keeper.recorded(1)
    wait_until(lambda: analyzed(engine) >= before + 2, what="the second analyze")
    assert analyzed(engine) == before + 2  # none at 9 nor at 99
