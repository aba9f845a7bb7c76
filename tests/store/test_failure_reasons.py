"""Reasons made from real store errors name the problem, never the SQL or the customer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.errors import MAX_REASON, describe_failure
from services.runtime.store.models import Customer

AT = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
EMAIL = "łukasz.żółć@example.pl"
PHONE = "+48 600 100 200"


def customer(**overrides: Any) -> dict[str, Any]:
    return {
        "shop_id": "shop-42",
        "customer_id": "c-1",
        "email": EMAIL,
        "phone": PHONE,
        "name": "Łukasz Żółć",
        "locale": "pl",
        "timezone": "Europe/Warsaw",
        "marketing_consent": False,
        "opted_out": False,
        "updated_at": AT,
        **overrides,
    }


def failure(sessions: sessionmaker[Session], *rows: dict[str, Any]) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught, sessions.begin() as session:
        for row in rows:
            session.execute(insert(Customer).values(**row))
    raw = str(caught.value)
    assert "łukasz.żółć" in raw and "[SQL:" in raw  # what the reason must not repeat
    return caught.value


def assert_safe(reason: str) -> None:
    assert "łukasz.żółć" not in reason and "600 100 200" not in reason
    assert "[SQL" not in reason and "INSERT" not in reason and "parameters" not in reason
    assert "DETAIL" not in reason and "Failing row" not in reason
    assert "\n" not in reason and len(reason) <= MAX_REASON


def test_a_duplicate_row_is_named_without_its_values(sessions: sessionmaker[Session]) -> None:
    reason = describe_failure(failure(sessions, customer(), customer()))

    assert_safe(reason)
    assert reason.startswith("the store refused the row: ")
    assert "unique" in reason.lower()


def test_a_missing_value_is_named_without_the_row(sessions: sessionmaker[Session]) -> None:
    reason = describe_failure(failure(sessions, customer(shop_id=None)))

    assert_safe(reason)
    assert reason.startswith("the store refused the row: ")
    assert "shop_id" in reason and "null" in reason.lower()


def test_a_nul_character_on_postgresql(postgres_sessions: sessionmaker[Session]) -> None:
    reason = describe_failure(failure(postgres_sessions, customer(name="Łukasz\x00Żółć")))

    assert_safe(reason)
    assert reason.startswith("the store refused a value: ")
    assert "NUL" in reason or "0x00" in reason


def test_a_value_quoted_by_the_database_is_masked(
    postgres_sessions: sessionmaker[Session],
) -> None:
    # PostgreSQL repeats the bad value in its first line: invalid input syntax … "<value>".
    with pytest.raises(SQLAlchemyError) as caught, postgres_sessions() as session:
        session.execute(text("SELECT CAST(:value AS integer)"), {"value": EMAIL})

    reason = describe_failure(caught.value)

    assert_safe(reason)
    assert reason.startswith("the store refused a value: invalid input syntax for type integer")
    assert "ł***@example.pl" in reason


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ValueError(f"no channel for {EMAIL}\nTraceback (most recent call last): …"),
         "ValueError: no channel for ł***@example.pl"),
        (KeyError("order_id"), "KeyError: 'order_id'"),
        (RuntimeError(), "RuntimeError"),
        (RuntimeError(f"sms to {PHONE} [SQL: SELECT 1] [parameters: ('{EMAIL}',)]"),
         "RuntimeError: sms to ***00"),
    ],
)  # fmt: skip
def test_other_failures_are_their_type_and_first_line(exc: BaseException, expected: str) -> None:
    assert describe_failure(exc) == expected


def test_a_long_reason_is_cut() -> None:
    reason = describe_failure(ValueError("x" * 5000))
    assert len(reason) == MAX_REASON and reason.endswith("…")
