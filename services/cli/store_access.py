"""The store as operator commands open it: never created by a command that only
reads it, and a one-line answer, naming the store, when it is missing, empty,
behind or unreachable."""

from __future__ import annotations

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.runtime.settings import Settings, redact_url
from services.runtime.store.engine import build_engine, missing_store, readers
from services.runtime.store.migrate import current_revision, head_revision, known_revision


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
        revision = current_revision(readers(engine))  # a plain read: no write lock
    except SQLAlchemyError as exc:
        engine.dispose()
        raise click.ClickException(
            f"cannot read the store at {where}: {str(exc).splitlines()[0][:200]}"
        ) from None
    if revision != head_revision():
        engine.dispose()
        if revision is not None and not known_revision(revision):
            raise click.ClickException(
                f"the store at {where} is newer than this version of aftersale "
                f"(revision {revision}): use the version that upgraded it"
            )
        state = "is empty" if revision is None else "is older than this version"
        raise click.ClickException(f"the store at {where} {state}: run `aftersale db upgrade`")
    return engine
