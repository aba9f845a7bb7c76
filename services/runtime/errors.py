"""Failures told in a few words: what went wrong, never the data it went wrong on.

Dead letters, failure records and operator pages show these reasons. The text
of a SQLAlchemy error carries the whole statement and its parameters (a
customer's email and phone among them) and a database's DETAIL line quotes
the offending row; neither belongs in a reason.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
    StatementError,
)

from services.runtime.logging import mask_personal_data

#: The longest reason given (characters): a line an operator reads at a glance.
MAX_REASON = 300

#: What each kind of store error means, most specific first.
_STORE_PROBLEMS: tuple[tuple[type[SQLAlchemyError], str], ...] = (
    (IntegrityError, "the store refused the row"),
    (DataError, "the store refused a value"),
    (OperationalError, "the store could not run the statement"),
    (ProgrammingError, "the store rejected the statement"),
    (DBAPIError, "the store failed"),
    (StatementError, "the store could not take a value"),
)

#: Where SQLAlchemy starts quoting the statement, its parameters or its docs.
_QUOTED_PARTS = re.compile(r"\[SQL:|\[parameters:|\[generated in|\(Background on this error")


def _first_line(text: str) -> str:
    """The message's first line, cut before anything SQLAlchemy appends."""
    text = _QUOTED_PARTS.split(text, maxsplit=1)[0]
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())
    return ""


def _named(exc: BaseException) -> str:
    line = _first_line(str(exc))
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _store_problem(exc: SQLAlchemyError) -> str | None:
    for kind, meaning in _STORE_PROBLEMS:
        if isinstance(exc, kind):
            assert isinstance(exc, StatementError)  # every kind above is one
            orig = exc.orig
            if isinstance(exc, DBAPIError):
                # The driver's own words, without its "(psycopg.errors.X)" prefix.
                detail = _first_line(str(orig)) if orig is not None else ""
            else:
                detail = _named(orig) if orig is not None else ""
            return f"{meaning}: {detail}" if detail else meaning
    return None


def describe_failure(exc: BaseException) -> str:
    """A short reason naming the problem of `exc`, safe to show and to keep.

    Store errors say what the store refused, in the driver's first line (no
    SQL, no parameters, no DETAIL), e.g. ``the store refused a value: invalid
    byte sequence for encoding "UTF8": 0x00``; anything else is its type and
    the first line of its message. Addresses and phone numbers are masked and
    the reason is at most :data:`MAX_REASON` characters.

    Parameters:
        exc: the failure, as caught.

    Returns:
        One line of text.
    """
    described = _store_problem(exc) if isinstance(exc, SQLAlchemyError) else None
    reason = mask_personal_data(described if described is not None else _named(exc))
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1].rstrip() + "…"
    return reason
