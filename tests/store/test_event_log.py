"""The event log and the UtcDateTime column, alike on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.event_log import count_events, find_recorded, mark_dispatched
from services.runtime.store.models import EventRecord

WARSAW_WINTER = timezone(timedelta(hours=1))
OCCURRED = datetime(2026, 11, 23, 10, 15, tzinfo=WARSAW_WINTER)
RECEIVED = datetime(2026, 11, 23, 9, 15, 2, 123456, tzinfo=UTC)
DISPATCHED = datetime(2026, 11, 23, 9, 15, 3, tzinfo=UTC)

#: Not what json.dumps would write: non-ASCII, CRLF, tabs, trailing blanks, a BOM, NBSP.
BODY = (
    '\ufeff{ "event_id":\t"01JD-ż",\r\n  "data": {"name": "Zofia Wiśniewska\u00a0",'
    ' "note": "café — 東京 🎁"}  }\r\n\t \n'
).encode()


def record_event(session: Session, **fields: object) -> EventRecord:
    """One row of the log, as the ingest's bulk insert writes it."""
    row = EventRecord(**fields)
    session.add(row)
    return row


def log(session: Session, shop_id: str, event_id: str, body: bytes = b"{}") -> EventRecord:
    return record_event(
        session,
        shop_id=shop_id,
        event_id=event_id,
        type="order.placed",
        occurred_at=OCCURRED,
        received_at=RECEIVED,
        body=body,
        order_id="PL-2026-000981",
    )


def test_an_aware_time_comes_back_equal_and_in_utc(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        log(session, "shop-42", "e-1")

    with sessions() as session:
        row = session.scalars(select(EventRecord)).one()
        assert row.occurred_at == OCCURRED
        assert row.occurred_at.utcoffset() == timedelta(0)
        assert row.occurred_at.tzinfo == UTC
        assert (row.occurred_at.hour, row.occurred_at.minute) == (9, 15)
        assert row.received_at == RECEIVED  # microseconds survive
        assert row.dispatched_at is None


def test_comparisons_with_times_in_other_zones_are_by_instant(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        log(session, "shop-42", "e-1")

    just_before = datetime(2026, 11, 23, 18, 14, tzinfo=timezone(timedelta(hours=9)))
    with sessions() as session:
        at_or_after = select(EventRecord.event_id).where(EventRecord.occurred_at >= just_before)
        assert session.scalars(at_or_after).all() == ["e-1"]
        later = select(EventRecord.event_id).where(EventRecord.occurred_at > OCCURRED)
        assert session.scalars(later).all() == []


def test_a_naive_time_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        record_event(
            session,
            shop_id="shop-42",
            event_id="e-naive",
            type="order.placed",
            occurred_at=datetime(2026, 11, 23, 10, 15),
            received_at=RECEIVED,
            body=b"{}",
        )
    with sessions() as session:
        assert count_events(session) == 0


def test_a_recorded_event_is_found_by_its_key(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        log(session, "shop-42", "e-1")
        log(session, "shop-7", "e-2")

    with sessions() as session:
        found = find_recorded(
            session, [("shop-42", "e-1"), ("shop-42", "e-2"), ("shop-42", "e-1"), ("x", "y")]
        )
        assert list(found) == [("shop-42", "e-1")]
        assert found["shop-42", "e-1"].order_id == "PL-2026-000981"
        assert find_recorded(session, []) == {}


def test_find_recorded_looks_past_one_chunk_of_keys(sessions: sessionmaker[Session]) -> None:
    keys = [("shop-42", f"e-{number:04d}") for number in range(620)]
    with sessions.begin() as session:
        for shop_id, event_id in keys[::2]:
            log(session, shop_id, event_id)

    with sessions() as session:
        found = find_recorded(session, keys)
    assert sorted(found) == keys[::2]


def test_the_same_event_twice_in_one_shop_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        log(session, "shop-42", "e-1")

    with pytest.raises(IntegrityError), sessions.begin() as session:
        log(session, "shop-42", "e-1", body=b'{"again": true}')

    with sessions() as session:
        assert count_events(session) == 1
        assert session.scalars(select(EventRecord.body)).one() == b"{}"


def test_the_same_event_id_in_another_shop_is_another_event(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        log(session, "shop-42", "e-1")
    with sessions.begin() as session:
        log(session, "shop-7", "e-1")

    with sessions() as session:
        assert count_events(session) == 2
        assert count_events(session, "shop-7") == 1
        assert set(find_recorded(session, [("shop-42", "e-1"), ("shop-7", "e-1")])) == {
            ("shop-42", "e-1"),
            ("shop-7", "e-1"),
        }


def test_mark_dispatched_stamps_only_undispatched_rows(sessions: sessionmaker[Session]) -> None:
    earlier = DISPATCHED - timedelta(minutes=5)
    with sessions.begin() as session:
        first, second, untouched = (log(session, "shop-42", f"e-{n}") for n in range(3))
        session.flush()
        mark_dispatched(session, [("shop-42", "e-0")], earlier)
        ids = {"first": first.id, "second": second.id, "untouched": untouched.id}

    with sessions.begin() as session:
        mark_dispatched(session, [("shop-42", "e-0"), ("shop-42", "e-1")], DISPATCHED)
        mark_dispatched(session, [], DISPATCHED)

    with sessions() as session:
        stamps = {name: session.get_one(EventRecord, pk).dispatched_at for name, pk in ids.items()}
    assert stamps == {"first": earlier, "second": DISPATCHED, "untouched": None}


def test_the_body_comes_back_byte_for_byte(sessions: sessionmaker[Session]) -> None:
    odd = BODY + b"\x00\xff\xfe not UTF-8"
    with sessions.begin() as session:
        log(session, "shop-42", "e-1", body=BODY)
        log(session, "shop-42", "e-2", body=odd)

    with sessions() as session:
        rows = session.execute(select(EventRecord.event_id, EventRecord.body))
        bodies = {event_id: body for event_id, body in rows}
    assert bodies == {"e-1": BODY, "e-2": odd}
    assert isinstance(bodies["e-1"], bytes)
