"""The directly written message is byte for byte what the stdlib's email package writes."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from services.deliverer.channels.email_message import build_message, message_bytes
from services.deliverer.channels.mime import boundary_for
from services.runtime.store.models import Notification
from tests.deliverer.conftest import email_content, transient

MAIL_FROM = "Sklep Żółw <sklep@shop.example>"


def stdlib_bytes(notification: Notification, mail_from: str = MAIL_FROM) -> bytes:
    message = build_message(notification, mail_from)
    if message.is_multipart():
        message.set_boundary(boundary_for(notification.idempotency_key))
    return message.as_bytes()


def test_the_usual_messages_match() -> None:
    for content in (
        email_content(),
        email_content(unsubscribe_url="https://shop.example/u?t=" + "x" * 120),
        email_content(html=None),
        email_content(text=None),
        email_content(text="a\r\nb\rc\n\nd.\n.\n", html="<p>" + "długi " * 40 + "</p>"),
        email_content(subject=""),
        email_content(subject="Plain ASCII subject that is long enough to need folding at 78"),
    ):
        notification = transient(content=content)
        assert message_bytes(notification, MAIL_FROM) == stdlib_bytes(notification)


def test_subjects_around_the_folding_length_match() -> None:
    for length in range(60, 100):
        for subject in ("x" * length, ("word " * 30)[:length].strip(), "ż" + "y" * length):
            notification = transient(content=email_content(subject=subject))
            assert message_bytes(notification, MAIL_FROM) == stdlib_bytes(notification), subject


def test_the_boundary_is_fixed_per_key() -> None:
    assert boundary_for("k-1") == boundary_for("k-1") != boundary_for("k-2")
    assert len(boundary_for("k-1")) == 36


def test_unusual_values_take_the_stdlib_path_and_still_parse() -> None:
    notification = transient(
        recipient="jan..kowalski@example.com",
        kind="order_confirmation",
        content=email_content(unsubscribe_url="https://shop.example/u?t==?utf-8?q?x?="),
    )
    raw = message_bytes(notification, MAIL_FROM)
    assert raw == stdlib_bytes(notification)
    assert email.message_from_bytes(raw, policy=email.policy.default)["X-Aftersale-Key"]


_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=300)


@settings(max_examples=300, deadline=None)
@given(
    subject=_text,
    text=_text,
    html=st.one_of(st.none(), _text),
    unsubscribe=st.one_of(
        st.none(), st.from_regex(r"https://[a-z.]{1,20}/[ -~]{0,150}", fullmatch=True)
    ),
    local=st.from_regex(r"[a-z0-9._+-]{1,30}", fullmatch=True),
    offset=st.integers(min_value=-12 * 60, max_value=14 * 60),
    key_tail=st.from_regex(r"[ -~]{0,120}", fullmatch=True),
)
def test_any_message_matches(
    subject: str,
    text: str,
    html: str | None,
    unsubscribe: str | None,
    local: str,
    offset: int,
    key_tail: str,
) -> None:
    if not text and not html:
        text = "x"
    created = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).astimezone(
        timezone(timedelta(minutes=offset))
    )
    notification = transient(
        recipient=f"{local}@example.com",
        idempotency_key=f"evt-1:order_confirmation:{key_tail}",
        created_at=created,
        content={"subject": subject, "text": text, "html": html, "unsubscribe_url": unsubscribe},
    )
    try:
        expected = stdlib_bytes(notification)
    except Exception as exc:  # what the stdlib cannot write, the fast path need not either
        try:
            message_bytes(notification, MAIL_FROM)
        except Exception as mine:
            assert type(mine) is type(exc)
        return
    assert message_bytes(notification, MAIL_FROM) == expected
