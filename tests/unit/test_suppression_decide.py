"""What a suppressed address means for one message, and what each provider's report
says: pure tables, no store, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.deliverer.suppression import Reroute, Suppress, route_around
from services.gateway.reports import providers
from services.runtime.store.suppressions import Entry

WHEN = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BOUNCED = Entry("jan@example.com", "bounce", "ses", "General; 550 5.1.1 no such user", WHEN)
UNSUBSCRIBED = Entry("jan@example.com", "unsubscribe", "one_click", None, WHEN)
PHONE = "+48600100200"
HOOK = "https://shop.example/hook"

# (entry, channel, for customer, transactional, prefer, phone, sms, webhook) -> expected
CASES: dict[str, tuple[Any, ...]] = {
    "not listed: sent": (None, "email", True, True, ("email", "sms"), PHONE, True, None, None),
    "an SMS is not screened": (
        BOUNCED, "sms", True, True, ("email", "sms"), PHONE, True, None, None),
    "a staff alert is not screened": (
        BOUNCED, "email", False, True, ("email",), None, True, None, None),
    "a check-in to a bounced address: suppressed": (
        BOUNCED, "email", True, False, ("email", "sms"), PHONE, True, None, Suppress),
    "a confirmation to a bounced address: by SMS": (
        BOUNCED, "email", True, True, ("email", "sms", "webhook"), PHONE, True, HOOK,
        Reroute("sms", PHONE, "")),
    "no phone: the shop's webhook": (
        BOUNCED, "email", True, True, ("email", "sms", "webhook"), None, True, HOOK,
        Reroute("webhook", HOOK, "")),
    "the shop prefers its webhook to SMS": (
        BOUNCED, "email", True, True, ("email", "webhook", "sms"), PHONE, True, HOOK,
        Reroute("webhook", HOOK, "")),
    "a phone but no SMS provider, no webhook: suppressed": (
        BOUNCED, "email", True, True, ("email", "sms", "webhook"), PHONE, False, None, Suppress),
    "SMS not among the shop's channels": (
        BOUNCED, "email", True, True, ("email",), PHONE, True, None, Suppress),
    "unsubscribed: transactional still by email": (
        UNSUBSCRIBED, "email", True, True, ("email", "sms"), PHONE, True, None, None),
    "unsubscribed: a review request is suppressed": (
        UNSUBSCRIBED, "email", True, False, ("email", "sms"), PHONE, True, None, Suppress),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_route_around_a_suppressed_address(case: str) -> None:
    entry, channel, for_customer, transactional, prefer, phone, sms, hook, expected = CASES[case]
    decision = route_around(
        entry,
        channel=channel,
        for_customer=for_customer,
        transactional=transactional,
        prefer=prefer,
        phone=phone,
        sms_available=sms,
        webhook_url=hook,
    )
    if expected is None:
        assert decision is None
    elif expected is Suppress:
        assert isinstance(decision, Suppress)
        assert decision.reason.startswith(f"suppressed ({entry.reason}, {entry.source})")
    else:
        assert isinstance(decision, Reroute)
        assert (decision.channel, decision.recipient) == (expected.channel, expected.recipient)
        assert "bounced permanently" in decision.why


def test_the_reason_says_why_in_words() -> None:
    assert BOUNCED.why() == (
        "suppressed (bounce, ses): the address bounced permanently: General; 550 5.1.1 no such user"
    )


def _ses(kind: str, **fields: Any) -> str:
    return json.dumps({"notificationType": kind, **fields})


SES = {
    "permanent bounce": (
        _ses("Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "General",
                               "bouncedRecipients": [{"emailAddress": "A@Example.com",
                                                      "diagnosticCode": "smtp; 550 5.1.1"}]}),
        [("A@Example.com", "bounce")]),
    "transient bounce: nothing": (
        _ses("Bounce", bounce={"bounceType": "Transient",
                               "bouncedRecipients": [{"emailAddress": "a@example.com"}]}), []),
    "complaint": (
        _ses("Complaint", complaint={"complainedRecipients": [{"emailAddress": "b@example.com"}],
                                     "complaintFeedbackType": "abuse"}),
        [("b@example.com", "complaint")]),
    "event publishing's eventType": (
        json.dumps({"eventType": "Bounce", "bounce": {
            "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "c@example.com"}]}}),
        [("c@example.com", "bounce")]),
    "a delivery: nothing": (_ses("Delivery", delivery={}), []),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SES))
def test_ses_notifications(case: str) -> None:
    message, expected = SES[case]
    reports = providers.ses_reports(message)
    assert [(r.address, r.reason) for r in reports] == expected
    assert all(r.source == "ses" for r in reports)


POSTMARK = {
    "hard bounce": ({"RecordType": "Bounce", "Type": "HardBounce", "Email": "a@example.com",
                     "Description": "The server was unable to deliver"},
                    [("a@example.com", "bounce")]),
    "soft bounce: nothing": ({"RecordType": "Bounce", "Type": "SoftBounce",
                              "Email": "a@example.com"}, []),
    "spam complaint": ({"RecordType": "SpamComplaint", "Type": "SpamComplaint",
                        "Email": "b@example.com"}, [("b@example.com", "complaint")]),
    "a delivery: nothing": ({"RecordType": "Delivery", "Recipient": "c@example.com"}, []),
}  # fmt: skip


@pytest.mark.parametrize("case", list(POSTMARK))
def test_postmark_webhooks(case: str) -> None:
    document, expected = POSTMARK[case]
    reports = providers.postmark_reports(json.dumps(document).encode())
    assert [(r.address, r.reason) for r in reports] == expected


def test_sendgrid_events() -> None:
    events = [
        {"email": "a@example.com", "event": "bounce", "type": "bounce", "status": "5.1.1"},
        {"email": "b@example.com", "event": "bounce", "type": "blocked"},  # temporary
        {"email": "c@example.com", "event": "dropped", "reason": "Bounced Address"},
        {"email": "d@example.com", "event": "dropped", "reason": "Unsubscribed Address"},
        {"email": "e@example.com", "event": "spamreport"},
        {"email": "f@example.com", "event": "delivered"},
        {"email": "g@example.com", "event": "dropped", "reason": "Spam Content"},  # the message
    ]
    reports = providers.sendgrid_reports(json.dumps(events).encode())
    assert [(r.address, r.reason) for r in reports] == [
        ("a@example.com", "bounce"),
        ("c@example.com", "bounce"),
        ("d@example.com", "unsubscribe"),
        ("e@example.com", "complaint"),
    ]


NOT_REPORTS = {
    "SES: not JSON": (providers.ses_reports, "{no", "not JSON"),
    "SES: no type": (providers.ses_reports, "{}", "notificationType"),
    "Postmark: no RecordType": (providers.postmark_reports, b"{}", "RecordType"),
    "Postmark: bounce without Email": (
        providers.postmark_reports, b'{"RecordType": "Bounce", "Type": "HardBounce"}', "Email"),
    "SendGrid: an object": (providers.sendgrid_reports, b"{}", "JSON array"),
    "generic: unknown type": (
        providers.generic_reports, b'{"type": "lost", "email": "a@example.com"}', "type must be"),
    "generic: no address": (providers.generic_reports, b'{"type": "bounce"}', "email must be"),
    "generic: manual is the operator's": (
        providers.generic_reports, b'{"type": "manual", "email": "a@example.com"}', "type must"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(NOT_REPORTS))
def test_what_is_not_a_report_is_refused_in_words(case: str) -> None:
    parse, body, words = NOT_REPORTS[case]
    with pytest.raises(providers.NotAReport) as caught:
        parse(body)
    assert words in str(caught.value)


def test_the_generic_form_takes_one_report_or_an_array() -> None:
    one = providers.generic_reports(b'{"type": "complaint", "email": "a@example.com"}')
    assert [(r.reason, r.source) for r in one] == [("complaint", "generic")]
    many = providers.generic_reports(
        json.dumps([
            {"type": "bounce", "email": "b@example.com", "source": "mailgun", "reason": "550"},
            {"type": "unsubscribe", "email": "c@example.com"},
        ]).encode()
    )  # fmt: skip
    assert [(r.address, r.reason, r.source, r.detail) for r in many] == [
        ("b@example.com", "bounce", "mailgun", "550"),
        ("c@example.com", "unsubscribe", "generic", None),
    ]


SMTP_REFUSALS = {
    "550 5.1.1 user unknown": "rejected",
    "553 5.1.3 bad destination mailbox address syntax": "rejected",
    "550 5.1.10 null MX": "rejected",
    "550 5.2.1 mailbox disabled": "rejected",
    "550 5.1.8 <shop@example.com>: Sender address rejected: Domain not found": "permanent",
    "550 5.1.7 bad sender mailbox syntax": "permanent",
    "550 5.1.0 <shop@example.com>: Sender address rejected: not owned by user": "permanent",
    "550 5.7.1 relaying denied": "permanent",
    "550 no such user here": "permanent",  # no enhanced status: not sure enough
    "450 4.1.1 mailbox unavailable, try later": "temporary",
}


@pytest.mark.parametrize("answer", list(SMTP_REFUSALS))
def test_only_a_refusal_of_the_address_itself_suppresses_it(answer: str) -> None:
    from services.deliverer.channels import smtp_answers
    from services.deliverer.channels.base import (
        AddressRejected,
        PermanentFailure,
        TemporaryFailure,
    )

    code, text = int(answer[:3]), answer[4:]
    with pytest.raises((TemporaryFailure, PermanentFailure)) as caught:
        smtp_answers.refused_recipient(code, text)
    kind = (
        "rejected"
        if isinstance(caught.value, AddressRejected)
        else "permanent"
        if isinstance(caught.value, PermanentFailure)
        else "temporary"
    )
    assert kind == SMTP_REFUSALS[answer]


def test_sendgrid_drops_about_the_message_suppress_nothing() -> None:
    events = [
        {"email": "a@example.com", "event": "dropped", "reason": "Invalid SMTPAPI header"},
        {"email": "b@example.com", "event": "dropped", "reason": "Invalid"},
        {"email": "c@example.com", "event": "dropped", "reason": "Spam Reporting Address"},
    ]
    reports = providers.sendgrid_reports(json.dumps(events).encode())
    assert [(r.address, r.reason) for r in reports] == [
        ("b@example.com", "bounce"),
        ("c@example.com", "complaint"),
    ]
