"""The published JSON Schema and `events.parse_event` give the same answer on every body.

Pure and fast: the corpus of edge cases (each with its expected answer), thousands of
seeded mutations of the examples, and property tests of the value rules. The same
bodies go through the real ingest in `test_ingest_agrees.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import ContractViolation, parse_event
from events.zones import iana_zone_names
from tests.conformance.bodies import Case, encode, put, variant
from tests.conformance.corpus import hand_cases
from tests.conformance.mutations import mutations
from tests.conformance.reference import schema_problem

SEED = 20261123
PROPERTIES = settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def validator_problem(body: bytes) -> str | None:
    try:
        parse_event(body)
    except ContractViolation as violation:
        return violation.reason
    return None


def _disagreement(case: Case, *, formats: bool) -> str | None:
    schema = schema_problem(case.body, formats=formats)
    code = validator_problem(case.body)
    expected = case.valid
    if (schema is None) == (code is None) and (expected is None or expected == (code is None)):
        return None
    return (
        f"{case.name}: expected {'valid' if expected else 'invalid' if expected is False else '?'}"
        f"; schema: {schema or 'valid'}; validator: {code or 'valid'}; "
        f"body: {case.body[:160]!r}"
    )


@pytest.mark.parametrize("formats", [True, False], ids=["format-assertion", "annotation"])
def test_every_edge_case_gets_its_answer_from_both(formats: bool) -> None:
    problems = [p for case in hand_cases() if (p := _disagreement(case, formats=formats))]
    assert not problems, "\n".join(problems)


def test_the_corpus_covers_the_cases_of_the_issue() -> None:
    names = {case.name for case in hand_cases()}
    for expected in (
        "NaN in an extra field",
        "Infinity in an extra field",
        "encoding utf-16",
        "encoding utf-32",
        "utf-8 with a BOM",
        "occurred_at 0 1795000000",
        "occurred_at 1 -1",
        "occurred_at 2 1.5",
        "occurred_at 5 '2026-11-23 10:15:00+01:00'",
        "occurred_at 6 '2026-11-23T10:15+01:00'",
        "promised_delivery_by a time without a zone",
        "promised_delivery_by a number",
        "schema_version true",
        'marketing_consent "yes"',
        'marketing_consent "true"',
        "marketing_consent 1",
        "total Arabic-Indic digits",
        "money PLN 3 decimals",
        "timezone Mars/Olympus",
        "timezone a trailing space",
        "quantity 2.0",
        "occurred_at 12 '2026-12-31T23:59:60Z'",
        "customer name with NUL",
    ):
        assert expected in names, expected
    valid = sum(1 for case in hand_cases() if case.valid)
    assert 60 < valid < len(hand_cases()) - 100  # both answers are well represented


@pytest.mark.parametrize("formats", [True, False], ids=["format-assertion", "annotation"])
def test_seeded_mutations_of_the_examples_get_one_answer(formats: bool) -> None:
    cases = mutations(SEED, 4000)
    problems = [p for case in cases if (p := _disagreement(case, formats=formats))]
    assert not problems, "\n".join(problems[:20])
    accepted = sum(1 for case in cases if validator_problem(case.body) is None)
    assert 0.1 < accepted / len(cases) < 0.6, accepted  # mutations hit both sides


# Property tests of the value rules ----------------------------------------------------


def _agree(body: bytes) -> bool:
    schema, code = schema_problem(body) is None, validator_problem(body) is None
    assert schema == code, (schema_problem(body), validator_problem(body), body[:200])
    return code


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda number: f"{number:02d}")


#: Date-times near the form: each part a little out of range now and then, each
#: separator sometimes the wrong one.
_NEAR_TIMES = st.tuples(
    st.integers(1890, 3010).map(lambda year: f"{year:04d}"),
    _two(0, 13),
    _two(0, 32),
    st.sampled_from(["T", "T", "T", "t", " "]),
    _two(0, 25),
    _two(0, 61),
    st.sampled_from([":00", ":59", ":60", ":7", ""]),
    st.sampled_from(["", ".5", ".123456", ".123456789", ".1234567890", "."]),
    st.sampled_from(["Z", "+01:00", "-00:00", "+23:59", "+24:00", "+0100", "z", "", "Z\n"]),
).map(lambda parts: "{}-{}-{}{}{}:{}{}{}{}".format(*parts))


@PROPERTIES
@given(_NEAR_TIMES)
def test_date_times_near_the_form_get_one_answer(value: str) -> None:
    _agree(encode(variant("prop-time", "order.delivered", {("data", "delivered_at"): value})))


@PROPERTIES
@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30)),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_every_real_moment_in_range_is_valid(moment: datetime, minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    body = encode(variant("prop-moment", "ticket.opened", {("occurred_at",): aware.isoformat()}))
    assert _agree(body)
    assert parse_event(body).occurred_at == aware


@PROPERTIES
@given(
    st.from_regex(r"-?[0-9٠-٩]{0,17}(\.[0-9]{0,6})?\n?", fullmatch=True),
    st.sampled_from(["PLN", "EUR", "JPY", "KRW", "KWD", "BHD", "CLF", "XYZ"]),
)
def test_amounts_get_one_answer_in_every_currency(amount: str, currency: str) -> None:
    document = variant("prop-money", "order.placed", {("data", "total"): amount})
    put(document, ("data", "currency"), currency)
    _agree(encode(document))


@PROPERTIES
@given(st.text(max_size=40))
def test_any_text_as_a_name_a_comment_or_an_id_gets_one_answer(value: str) -> None:
    _agree(encode(variant("prop-name", "order.placed", {("data", "customer", "name"): value})))
    _agree(encode(variant("prop-comment", "feedback.received", {("data", "comment"): value})))
    _agree(encode(variant("prop-id", "ticket.opened", {("data", "ticket_id"): value})))
    _agree(encode(variant("prop-mail", "order.placed", {("data", "customer", "email"): value})))


@PROPERTIES
@given(st.one_of(st.sampled_from(iana_zone_names()), st.text(max_size=30)))
def test_time_zones_get_one_answer(value: str) -> None:
    _agree(encode(variant("prop-zone", "order.placed", {("data", "customer", "timezone"): value})))


@PROPERTIES
@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.text(max_size=5)))
def test_any_json_value_as_a_quantity_or_a_flag_gets_one_answer(value: object) -> None:
    _agree(encode(variant("prop-qty", "order.placed", {("data", "items", 0, "quantity"): value})))
    flag = ("data", "customer", "marketing_consent")
    _agree(encode(variant("prop-flag", "order.placed", {flag: value})))


def test_every_zone_the_schema_lists_is_one_python_can_load() -> None:
    from zoneinfo import ZoneInfo

    for name in iana_zone_names():
        assert datetime(2026, 11, 23, tzinfo=ZoneInfo(name)).utcoffset() is not None, name
    assert "Europe/Warsaw" in iana_zone_names() and "localtime" not in iana_zone_names()


# The reasons stay clear: the path, then the problem ------------------------------------


REASONS = {
    'quantity "2"': (
        'invalid order.placed: data.items[0].quantity: Input should be a valid integer (got "2")'
    ),
    "NaN in an extra field": "not JSON: NaN is not a JSON value",
    "encoding utf-16": "not JSON: body is not UTF-8 text",
    "utf-8 with a BOM": "not JSON: the body starts with a byte order mark",
    "duplicate type": 'not JSON this system accepts: the name "type" appears twice',
    "lone surrogate in an extra field": "at x holds the lone surrogate U+D800",
    "nested 65 levels": "nested deeper than 64 levels",
    "money PLN 3 decimals": (
        "invalid order.placed: data.total: has 3 decimals; PLN has 2 (ISO 4217)"
    ),
    "money JPY price with decimals": "data.items[0].unit_price: has 1 decimals; JPY has 0",
    "total Arabic-Indic digits": 'data.total: is not a decimal amount such as "1234.50"',
    "timezone Mars/Olympus": "data.customer.timezone: is not an IANA time zone name",
    "customer name with NUL": (
        "data.customer.name: must not contain the control character U+0000 (at character 4)"
    ),
    "occurred_at 0 1795000000": "occurred_at: must be a string such as",
    "occurred_at 12 '2026-12-31T23:59:60Z'": "occurred_at: must be an RFC 3339 date-time",
    "promised_delivery_by a time without a zone": "data.promised_delivery_by: must be a whole day",
    "schema_version true": "schema_version: must be the number 1, not a boolean",
    "schema_version 2": "unsupported schema_version 2",
    'marketing_consent "yes"': "data.customer.marketing_consent: Input should be a valid boolean",
    "score csat5 0": "data.score: Value error, score 0 is outside 1–5 of scale csat5",
    "customer_id ' cust-1'": "data.customer.customer_id: must not start or end with a space",
}


@pytest.mark.parametrize("name", list(REASONS))
def test_the_reason_names_the_field_and_the_problem(name: str) -> None:
    [case] = [case for case in hand_cases() if case.name == name]
    reason = validator_problem(case.body)
    assert reason is not None and REASONS[name] in reason, reason


def test_a_valid_body_reads_as_sent() -> None:
    document = variant("as-sent", "order.placed", {("data", "items", 0, "quantity"): 2.0})
    put(document, ("schema_version",), 1.0)
    event = parse_event(json.dumps(document).encode())
    assert event.schema_version == 1
    assert event.data.items[0].quantity == 2  # type: ignore[attr-defined]
    assert isinstance(event.data.items[0].quantity, int)  # type: ignore[attr-defined]
    assert str(event.data.total) == "1234.50"  # type: ignore[attr-defined]
    assert event.occurred_at == datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
