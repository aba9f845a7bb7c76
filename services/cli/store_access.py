"""The store as operator commands open it: never created by a command that only
reads it, and a one-line answer, naming the store, when it is missing, empty,
behind or unreachable."""

from __future__ import annotations

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.runtime.settings import Settings, redact_url
from services.runtime.store.engine import build_engine, missing_store
from services.runtime.store.migrate import schema_problem


def existing_store(settings: Settings) -> Engine:
    """An engine on the store at ``AFTERSALE_DATABASE_URL``, which exists and is
    current; else a one-line ``ClickException`` (exit 1) and nothing created."""
    url = settings.database_url
    missing = missing_store(url)
    if missing is not None:
        raise click.ClickException(missing)
    where = redact_url(url)
    engine = build_engine(url, pooled=False)
    try:
        problem = schema_problem(engine, where)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise click.ClickException(
            f"cannot read the store at {where}: {str(exc).splitlines()[0][:200]}"
        ) from None
    if problem is not None:
        engine.dispose()
        raise click.ClickException(problem)
    return engine
