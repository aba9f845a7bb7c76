"""Alembic migrations run from code: `aftersale db upgrade` and `aftersale up`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from services.runtime.store.engine import normalise_url, readers

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the store at `url` to `revision` (idempotent)."""
    command.upgrade(alembic_config(url), revision)


def known_revision(revision: str) -> bool:
    """Whether this version's migrations know ``revision`` (a newer store's do not)."""
    try:
        return ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed ids
        return False


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def schema_problem(engine: Engine, where: str) -> str | None:
    """Why this version cannot use the store at ``where`` (its URL, redacted), in
    words an operator can act on; None when its schema is current. Read as a
    reader: looking never waits for SQLite's write lock."""
    revision = current_revision(readers(engine))
    if revision == head_revision():
        return None
    if revision is None:
        return f"the store at {where} is empty: run `aftersale db upgrade`"
    if not known_revision(revision):
        return (
            f"the store at {where} is newer than this version of aftersale "
            f"(revision {revision}): use the version that upgraded it"
        )
    return f"the store at {where} is older than this version: run `aftersale db upgrade`"
