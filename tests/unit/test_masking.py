"""Masking holds for any address and any phone number, in any script (property-based).

The examples are generated: unquoted local parts of RFC 5322/6531 characters in
many scripts, quoted local parts, plus-addressing, IDN and punycode domains,
address literals; phone numbers of 7 to 15 digits of one script, grouped with
spaces, dots, dashes or parentheses, with or without ``+`` or ``00``.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from services.runtime.logging import mask_email, mask_personal_data, mask_processor

#: Letters and digits of several scripts, and the atext specials of RFC 5322.
_SCRIPTS = st.characters(
    categories=("Lu", "Ll", "Lo", "Nd"), min_codepoint=0x30, max_codepoint=0x9FFF
)
_ATEXT = st.sampled_from(list("!#$%&'*+/=?^_`{|}~-."))
_WORDS = st.text(st.one_of(_SCRIPTS, st.sampled_from(list("abcxyz019"))), min_size=1, max_size=12)

unquoted_local = st.text(st.one_of(_SCRIPTS, _ATEXT), min_size=1, max_size=40)
plus_local = st.builds(lambda user, tag: f"{user}+{tag}", _WORDS, _WORDS)
quoted_local = st.builds(
    lambda inner: f'"{inner}"',
    st.text(st.characters(exclude_characters='"\\\r\n', codec="utf-8"), max_size=20),
)
local_parts = st.one_of(unquoted_local, plus_local, quoted_local)

_LABEL = st.text(st.one_of(_SCRIPTS, st.just("-")), min_size=1, max_size=15).filter(
    lambda label: not label.startswith("-") and not label.endswith("-")
)
domains = st.one_of(
    st.builds(".".join, st.lists(_LABEL, min_size=1, max_size=4)),
    st.builds(
        lambda label: f"xn--{label}.example", st.from_regex(r"[a-z0-9]{3,12}", fullmatch=True)
    ),
    st.builds(lambda a, b: f"[192.0.{a}.{b}]", st.integers(0, 255), st.integers(0, 255)),
)
#: What may stand before and after an address in free text.
_BEFORE = st.sampled_from(["", " ", "to: ", "<", "Anna <", "(", "mailto:", "sent to ", ", "])
_AFTER = st.sampled_from(["", " ", ">", ")", ", thanks", ". Done", "\n", "; next"])

_DIGIT_SETS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９"]
_GAPS = st.sampled_from([" ", ".", "-", "–", "\u00a0", " - ", ""])


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(written number, its digits): 7 to 15 digits of one script, grouped."""
    digits = draw(st.sampled_from(_DIGIT_SETS))
    count = draw(st.integers(7, 15))
    number = "".join(draw(st.sampled_from(list(digits))) for _ in range(count))
    groups: list[str] = []
    rest = number
    while rest:
        size = draw(st.integers(2, 4))
        groups.append(rest[:size])
        rest = rest[size:]
    prefix = draw(st.sampled_from(["", "+", "00", "(", "+("]))
    if prefix.endswith("("):
        groups[0] = groups[0] + ")"
    gap = draw(_GAPS)
    written = prefix + gap.join(groups)
    if prefix == "00":
        written, number = "00" + gap.join(groups), "00" + number
    return written, number


def _date_or_amount_shaped(written: str) -> bool:
    # Deliberately kept in logs: dates ("12.05.1987", "1987-05-12") and amounts.
    date = r"\d{4}[-./]\d{1,2}[-./]\d{1,2}(?!\d)|\d{1,2}[-./]\d{1,2}[-./]\d{4}(?!\d)"
    return bool(re.match(date, written) or re.fullmatch(r"\d+\.\d{1,2}", written))


#: No deadline and no speed checks (a busy machine must not fail these), and
#: no example database left in the working tree.
relaxed = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _looks_masked(local: str) -> bool:
    # `j***`, `"***"`: what masking writes; nothing is left to hide in it.
    return re.fullmatch(r'.?\*+|"\*\*\*"', local) is not None


@relaxed
@given(local_parts, domains, _BEFORE, _AFTER)
@example("łukasz.żółć", "example.pl", "to ", "")
@example("anna", "żółw.example", "", "")
@example("anna+shop", "poczta.pl", "<", ">")
@example('"jan kowalski"', "example.com", "", "")
def test_no_local_part_survives(local: str, domain: str, before: str, after: str) -> None:
    assume(not _looks_masked(local))
    text = f"{before}{local}@{domain}{after}"

    masked = mask_email(text)

    assert f"{local}@" not in masked
    hidden = masked.removeprefix(before).removesuffix(after)
    assert hidden.endswith(f"@{domain}")  # the domain stays, to recognise the shop's customers
    assert local not in hidden.removesuffix(f"@{domain}")
    everything = mask_personal_data(text)
    assert f"{local}@" not in everything
    assert local not in everything.removeprefix(before).rpartition("@")[0]


@relaxed
@given(local_parts, domains)
def test_masking_twice_changes_nothing(local: str, domain: str) -> None:
    once = mask_email(f"{local}@{domain}")
    assert mask_email(once) == once


@relaxed
@given(phone_numbers(), st.sampled_from(["", "tel ", "tel.", "call: ", "Phone: ", "numer "]),
       st.sampled_from(["", " now", ".", ", thanks", "\n", "; or email"]))  # fmt: skip
@example(("+48 600 100 200", "48600100200"), "call ", " now")
@example(("0048 600-100-200", "0048600100200"), "", "")
@example(("(22) 123.45.67", "221234567"), "tel. ", "")
def test_no_phone_number_survives(phone: tuple[str, str], before: str, after: str) -> None:
    written, digits = phone
    assume(not _date_or_amount_shaped(written))

    masked = mask_personal_data(f"{before}{written}{after}")

    left = "".join(char for char in masked if char.isdecimal())
    assert len(left) <= 2 < len(digits)
    assert written not in masked


@relaxed
@given(local_parts, domains, phone_numbers())
def test_log_values_are_masked_wherever_they_sit(
    local: str, domain: str, phone: tuple[str, str]
) -> None:
    assume(not _looks_masked(local) and not _date_or_amount_shaped(phone[0]))
    address = f"{local}@{domain}"
    event = {
        "event": f"notification sent to {address}",
        "recipient": address,
        "detail": {"phones": [phone[0]], "error": ValueError(f"refused {address}")},
    }

    masked = repr(mask_processor(None, "info", event))

    assert f"{local}@" not in masked
    assert phone[0] not in masked


def test_what_is_not_personal_data_is_kept() -> None:
    for text in (
        "order PL-2026-000981 total 1234.50",
        "at 2026-11-23T10:15:00.123456+00:00",
        "between 23.11.2026 and 30.11.2026",
        "event 01JD8X3YB7ZP4 of shop-42",
    ):
        assert mask_personal_data(text) == text
