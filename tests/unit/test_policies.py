"""Policies (SPEC section 5): defaults, TOML overrides, per-shop overrides, error messages."""

from __future__ import annotations

import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.domain.durations import ClockRange
from services.runtime.policies import (
    Policies,
    PolicyBook,
    PolicyError,
    SlaTarget,
    defaults_toml,
    load_policies,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "policies.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _get(policies: Policies, dotted: str) -> Any:
    value: Any = policies
    for part in dotted.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


# Every default of SPEC section 5, written out by hand.
SPEC_DEFAULTS: list[tuple[str, Any]] = [
    ("sla.email.first_response", H),
    ("sla.email.hard_limit", 24 * H),
    ("sla.email.warn_before", 15 * M),
    ("sla.form.first_response", H),
    ("sla.form.hard_limit", 24 * H),
    ("sla.form.warn_before", 15 * M),
    ("sla.social.first_response", H),
    ("sla.social.hard_limit", 24 * H),
    ("sla.social.warn_before", 15 * M),
    ("sla.chat.first_response", 2 * M),
    ("sla.chat.hard_limit", 15 * M),
    ("sla.chat.warn_before", M),
    ("sla.phone.first_response", 4 * H),
    ("sla.phone.hard_limit", 24 * H),
    ("sla.phone.warn_before", 30 * M),
    ("sla.email.urgent", None),
    ("business_hours.enabled", False),
    ("business_hours.timezone", "Europe/Warsaw"),
    ("business_hours.days", ("mon", "tue", "wed", "thu", "fri")),
    ("business_hours.periods", (ClockRange(time(9), time(17)),)),
    ("business_hours.holidays", ()),
    ("escalation.level1", ("mailto:support-lead@shop.example",)),
    ("escalation.level2", ("mailto:manager@shop.example",)),
    ("escalation.repeat_every", 4 * H),
    ("complaints.reply_within", 14 * D),
    ("complaints.alert_before", (4 * D, D)),
    ("withdrawal.refund_within", 14 * D),
    ("withdrawal.alert_before", (3 * D, D)),
    ("callbacks.grace", timedelta(0)),
    ("shipping.delay_grace", 12 * H),
    ("checkins.after_delivery", 7 * D),
    ("checkins.min_interval", 30 * D),
    ("checkins.quiet_hours", ClockRange(time(21), time(8))),
    ("checkins.category", {}),
    ("feedback.compensation.kind", "discount_code"),
    ("feedback.compensation.percent", 10),
    ("feedback.compensation.valid_for", 30 * D),
    ("feedback.person_contacts_within", 24 * H),
    ("feedback.review_url", "https://shop.example/reviews"),
    ("ingest.wait_for_parent", 10 * M),
]


@pytest.mark.parametrize(("dotted", "expected"), SPEC_DEFAULTS)
def test_builtin_defaults_match_spec(dotted: str, expected: Any) -> None:
    assert _get(load_policies(None).for_shop("any-shop"), dotted) == expected


def test_defaults_toml_round_trips(tmp_path: Path) -> None:
    path = _write(tmp_path, defaults_toml())
    assert load_policies(path).global_policies == Policies() == load_policies(None).global_policies
    assert Policies.model_validate(tomllib.loads(defaults_toml())) == Policies()


def test_partial_override_keeps_every_other_default(tmp_path: Path) -> None:
    policies = load_policies(_write(tmp_path, "[shipping]", 'delay_grace = "1h"')).global_policies
    assert policies.shipping.delay_grace == H
    assert policies.model_copy(update={"shipping": Policies().shipping}) == Policies()


def test_partial_channel_override_keeps_channel_defaults(tmp_path: Path) -> None:
    policies = load_policies(
        _write(tmp_path, "[sla.chat]", 'first_response = "3m"')
    ).global_policies
    assert policies.sla_for("chat", "normal") == SlaTarget(3 * M, 15 * M, M)


@pytest.mark.parametrize(
    ("lines", "channel", "priority", "expected"),
    [
        (
            ["[sla.email.urgent]", 'first_response = "15m"'],
            "email",
            "urgent",
            (15 * M, 24 * H, 15 * M),
        ),
        (["[sla.email.urgent]", 'first_response = "15m"'], "email", "normal", (H, 24 * H, 15 * M)),
        (["[sla.email.urgent]", 'first_response = "15m"'], "form", "urgent", (H, 24 * H, 15 * M)),
        (
            ["[sla.phone]", 'low = { first_response = "8h", warn_before = "1h" }'],
            "phone",
            "low",
            (8 * H, 24 * H, H),
        ),
        (["[sla.chat]", 'high.hard_limit = "5m"'], "chat", "high", (2 * M, 5 * M, M)),
    ],
)
def test_per_priority_override(
    tmp_path: Path,
    lines: list[str],
    channel: str,
    priority: str,
    expected: tuple[timedelta, timedelta, timedelta],
) -> None:
    policies = load_policies(_write(tmp_path, *lines)).global_policies
    assert policies.sla_for(channel, priority) == SlaTarget(*expected)


def test_sla_for_rejects_unknown_channel_and_priority() -> None:
    with pytest.raises(ValueError, match="channel"):
        Policies().sla_for("fax", "normal")
    with pytest.raises(ValueError, match="priority"):
        Policies().sla_for("email", "asap")


def test_per_shop_override(tmp_path: Path) -> None:
    book = load_policies(
        _write(
            tmp_path,
            "[shipping]",
            'delay_grace = "6h"',
            "",
            '[shop."shop-42".sla.email]',
            'first_response = "30m"',
            "",
            '[shop."shop-7"]',
            'checkins.quiet_hours = ""',
        )
    )
    assert isinstance(book, PolicyBook)
    assert set(book.shop_ids) == {"shop-42", "shop-7"}
    shop42 = book.for_shop("shop-42")
    assert shop42.sla_for("email", "normal") == SlaTarget(30 * M, 24 * H, 15 * M)
    assert shop42.shipping.delay_grace == 6 * H  # the file's global value is inherited
    assert book.for_shop("shop-7").checkins.quiet_hours is None
    assert book.for_shop("shop-7").sla.email.first_response == H
    other = book.for_shop("shop-1")
    assert other is book.global_policies
    assert other.sla.email.first_response == H
    assert other.shipping.delay_grace == 6 * H
    assert book.for_shop("shop-42") is shop42


def test_other_forms(tmp_path: Path) -> None:
    policies = load_policies(
        _write(
            tmp_path,
            "[business_hours]",
            "enabled = true",
            'days = "mon,tue,sat"',
            'periods = ["08:00-12:00", "13:00-17:00"]',
            "holidays = [2026-12-25, 2026-12-26]",
            "[checkins.category.furniture]",
            'after_delivery = "30d"',
            "[escalation]",
            'level1 = ["https://hooks.example/x", "mailto:a@b.example"]',
            'repeat_every = "PT2H"',
        )
    ).global_policies
    hours = policies.business_hours
    assert hours.days == ("mon", "tue", "sat")
    assert hours.weekdays == frozenset({0, 1, 5})
    assert [str(p) for p in hours.periods] == ["08:00-12:00", "13:00-17:00"]
    assert hours.holidays == (date(2026, 12, 25), date(2026, 12, 26))
    assert policies.checkins.after_delivery_for("furniture") == 30 * D
    assert policies.checkins.after_delivery_for("books") == 7 * D
    assert policies.escalation.repeat_every == 2 * H


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
        ("mon-sat", ("mon", "tue", "wed", "thu", "fri", "sat")),
        ("mon,tue,sat", ("mon", "tue", "sat")),
        (["sun", "mon-tue"], ("mon", "tue", "sun")),
        ("fri-mon", ("mon", "fri", "sat", "sun")),
    ],
)
def test_days_forms(days: Any, expected: tuple[str, ...]) -> None:
    policies = Policies.model_validate({"business_hours": {"days": days}})
    assert policies.business_hours.days == expected


# Each bad file: its lines, the dotted key and the line number the message must name.
BAD_FILES: list[tuple[str, list[str], str, int, str]] = [
    (
        "wrong duration",
        [
            "# policies",
            "",
            "[shipping]",
            'delay_grace = "1h"',
            "",
            "[sla.email]",
            'first_response = "1 hour"',
        ],
        "sla.email.first_response",
        7,
        '"1 hour" is not a duration (use 90s, 15m, 1h, 7d or ISO 8601 like PT1H)',
    ),
    (
        "unknown table",
        ["[shipping]", 'delay_grace = "1h"', "[sla.emial]", 'first_response = "1h"'],
        "sla.emial",
        3,
        "unknown key",
    ),
    (
        "unknown key",
        ["[checkins]", 'after_delivery = "7d"', "", 'min_intervall = "30d"'],
        "checkins.min_intervall",
        4,
        "unknown key",
    ),
    (
        "bad target",
        ["[escalation]", 'repeat_every = "4h"', 'level2 = ["mailto:boss@shop.example", "boss"]'],
        "escalation.level2[1]",
        3,
        "is not an escalation target",
    ),
    (
        "bad target, multi-line array",
        ["[escalation]", "level1 = [", '  "https://ok.example/hook",', '  "ftp://nope",', "]"],
        "escalation.level1[1]",
        2,
        "mailto:",
    ),
    (
        "bare number",
        ["[ingest]", "wait_for_parent = 600"],
        "ingest.wait_for_parent",
        2,
        "bare number",
    ),
    (
        "dotted key",
        ["# a dotted key at the top", "", 'sla.phone.warn_before = "soon"'],
        "sla.phone.warn_before",
        3,
        "is not a duration",
    ),
    (
        "inline table",
        [
            "[feedback]",
            'review_url = "https://r.example"',
            'compensation = { kind = "discount_code", percent = 150 }',
        ],
        "feedback.compensation.percent",
        3,
        "100",
    ),
    (
        "per-priority override",
        ["[sla.chat]", 'warn_before = "1m"', "[sla.chat.urgent]", 'warn_before = "1 min"'],
        "sla.chat.urgent.warn_before",
        4,
        "is not a duration",
    ),
    (
        "unknown priority",
        ["[sla.chat.asap]", 'first_response = "1m"'],
        "sla.chat.asap",
        1,
        "unknown key",
    ),
    (
        "hard limit before first response",
        ["[sla.form]", 'first_response = "2h"', 'hard_limit = "1h"'],
        "sla.form.hard_limit",
        3,
        "shorter than first_response",
    ),
    (
        "bad quiet hours",
        ["[checkins]", 'quiet_hours = "9pm-8am"'],
        "checkins.quiet_hours",
        2,
        "HH:MM-HH:MM",
    ),
    (
        "bad day",
        ["[business_hours]", "enabled = true", 'days = "mon-fry"'],
        "business_hours.days",
        3,
        "fry",
    ),
    (
        "bad time zone",
        ["[business_hours]", 'timezone = "Europe/Warsow"'],
        "business_hours.timezone",
        2,
        "time zone",
    ),
    (
        "string for a boolean",
        ["[business_hours]", 'enabled = "yes"'],
        "business_hours.enabled",
        2,
        "boolean",
    ),
    (
        "shop override, wrong duration",
        [
            "[shipping]",
            'delay_grace = "1h"',
            "",
            '[shop."shop-42".sla.email]',
            'first_response = "1 hour"',
        ],
        'shop."shop-42".sla.email.first_response',
        5,
        "is not a duration",
    ),
    (
        "shop override, unknown key",
        ['[shop."shop-42"]', 'shiping.delay_grace = "1h"'],
        'shop."shop-42".shiping',
        2,
        "unknown key",
    ),
    (
        "shop override, bad target",
        ['[shop."shop-9".escalation]', 'level1 = ["nobody"]'],
        'shop."shop-9".escalation.level1[0]',
        2,
        "not an escalation target",
    ),
]


@pytest.mark.parametrize(
    ("lines", "key", "line", "fragment"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file_names_key_and_line(
    tmp_path: Path, lines: list[str], key: str, line: int, fragment: str
) -> None:
    path = _write(tmp_path, *lines)
    with pytest.raises(PolicyError) as caught:
        load_policies(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).startswith(f"{path} line {line}: {key}: ")
    assert fragment in str(error)
    assert (error.line, error.key) == (line, key)


def test_example_message_from_the_brief(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# x",
        "",
        "[shipping]",
        'delay_grace = "1h"',
        "",
        "[sla.email]",
        'first_response = "1 hour"',
    )
    with pytest.raises(PolicyError) as caught:
        load_policies(path)
    assert str(caught.value) == (
        f'{path} line 7: sla.email.first_response: "1 hour" is not a duration '
        "(use 90s, 15m, 1h, 7d or ISO 8601 like PT1H)"
    )


@pytest.mark.parametrize(
    ("lines", "line"),
    [
        (["[sla.email]", 'first_response = "1h"', "hard_limit = ", ""], 3),
        (["[shipping]", 'delay_grace = "1h"', "[shipping]"], 3),
        (["[shipping", 'delay_grace = "1h"'], 1),
    ],
)
def test_toml_syntax_error_keeps_line_and_column(
    tmp_path: Path, lines: list[str], line: int
) -> None:
    path = _write(tmp_path, *lines)
    with pytest.raises(PolicyError) as caught:
        load_policies(path)
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}, column ")
    assert "invalid TOML" in message
    assert caught.value.line == line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policies(tmp_path / "nope.toml")


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "[ingest]", 'wait_for_parent = "x"', "[callbacks]", 'grace = "y"')
    with pytest.raises(PolicyError) as caught:
        load_policies(path)
    message = str(caught.value)
    assert "line 2: ingest.wait_for_parent" in message
    assert "line 4: callbacks.grace" in message


def test_policies_are_frozen() -> None:
    policies = Policies()
    with pytest.raises(ValueError):
        policies.shipping.delay_grace = H  # type: ignore[misc]
