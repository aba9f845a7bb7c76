"""Migrations bring every store to the models' schema, and SQLite gets its settings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.engine import build_engine
from services.runtime.store.migrate import current_revision, head_revision, is_current, upgrade
from services.runtime.store.models import Base, Customer, Order
from services.runtime.store.timers import schedule

AT = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)


def schema_differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_a_migrated_store_is_current(engine: Engine) -> None:
    assert head_revision() is not None
    assert current_revision(engine) == head_revision()
    assert is_current(engine)


def test_upgrading_twice_is_harmless_and_keeps_the_data(
    database_url: str, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        schedule(session, shop_id="shop-42", kind="sla", subject_id="T-1", due_at=AT, now=AT)

    upgrade(database_url)
    upgrade(database_url)

    assert is_current(engine)
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM timers")) == 1
        assert session.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_an_empty_store_is_not_current(tmp_path: Path) -> None:
    # The other half of `is_current`: a store the migrations never touched.
    engine = build_engine(f"sqlite:///{tmp_path}/empty.db", pooled=False)
    try:
        assert current_revision(engine) is None
        assert not is_current(engine)
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine, Base.metadata) == []


def test_the_schema_comparison_notices_a_model_without_a_migration(engine: Engine) -> None:
    # Guards the test above: were the comparison blind, it would pass forever.
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("refund_requests", changed, Column("id", Integer, primary_key=True))
    changed.tables["orders"].append_column(Column("coupon", String(32), nullable=True))
    changed.tables["orders"].c.currency.type = String(8)

    differences = schema_differences(engine, changed)

    plain = [diff for diff in differences if isinstance(diff, tuple)]
    grouped = [step for diff in differences if isinstance(diff, list) for step in diff]
    assert {diff[1].name for diff in plain if diff[0] == "add_table"} == {"refund_requests"}
    assert {diff[3].name for diff in plain if diff[0] == "add_column"} == {"coupon"}
    assert [(step[0], step[3]) for step in grouped] == [("modify_type", "currency")]


def test_foreign_keys_are_enforced(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(
            Order(
                shop_id="shop-42",
                order_id="PL-1",
                customer_pk=424242,  # no such customer
                status="placed",
                total=1,
                currency="PLN",
                placed_at=AT,
            )
        )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_sqlite_connections_use_wal_and_foreign_keys(sqlite_url: str) -> None:
    engine = build_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_url: str) -> None:
    # BEGIN IMMEDIATE: a transaction that has only read still holds off other writers,
    # so two writers never both read and then deadlock upgrading to a write lock.
    engine = build_engine(sqlite_url)
    path = make_url(sqlite_url).database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT count(*) FROM timers"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released with the commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()
