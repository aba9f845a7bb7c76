"""What each provider's delivery report says, as suppression reports: pure parsing.

Only what is permanent counts: an SES ``Permanent`` bounce (not ``Transient``
or ``Undetermined``), a Postmark ``HardBounce`` or ``BadEmailAddress``, a
SendGrid ``bounce`` of type ``bounce`` (not ``blocked``) or a ``dropped``
for a bounced, invalid or spam-reporting address; and every complaint.
Anything else in a report is understood and ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.runtime.store.suppressions import REASONS, Reason, Report


class NotAReport(ValueError):
    """400: the body is not a delivery report of this provider; the message says why."""


def _loads(body: bytes | str, what: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAReport(f"not JSON: {what} must be a JSON document") from exc


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _detail(*parts: Any) -> str | None:
    words = [str(p) for p in parts if p not in (None, "")]
    return "; ".join(words)[:1000] or None


def sns_envelope(body: bytes) -> dict[str, Any]:
    """An SNS HTTP(S) message: its ``Type`` and fields (the SES notification is in
    ``Message``, a JSON string)."""
    document = _loads(body, "an SNS message")
    if not isinstance(document, dict) or not isinstance(document.get("Type"), str):
        raise NotAReport("not an SNS message: expected a JSON object with a `Type`")
    return document


def ses_reports(message: str) -> list[Report]:
    """The suppressions of one SES notification (an SNS ``Notification``'s ``Message``):
    SES notifications (``notificationType``) and SES event publishing (``eventType``)."""
    document = _loads(message, "the SNS Message")
    if not isinstance(document, Mapping):
        raise NotAReport("not an SES notification: the SNS Message is not a JSON object")
    kind = document.get("notificationType") or document.get("eventType")
    if kind == "Bounce":
        bounce = document.get("bounce")
        if not isinstance(bounce, Mapping):
            raise NotAReport("an SES Bounce without `bounce`")
        if bounce.get("bounceType") != "Permanent":
            return []
        return [
            Report(address, "bounce", "ses",
                   _detail(bounce.get("bounceSubType"), recipient.get("diagnosticCode")))
            for recipient in _list(bounce.get("bouncedRecipients"))
            if (address := _text(recipient.get("emailAddress")))
        ]  # fmt: skip
    if kind == "Complaint":
        complaint = document.get("complaint")
        if not isinstance(complaint, Mapping):
            raise NotAReport("an SES Complaint without `complaint`")
        return [
            Report(address, "complaint", "ses", _detail(complaint.get("complaintFeedbackType")))
            for recipient in _list(complaint.get("complainedRecipients"))
            if (address := _text(recipient.get("emailAddress")))
        ]
    if isinstance(kind, str):
        return []  # Delivery, Send, Open, …: nothing to suppress
    raise NotAReport("not an SES notification: no `notificationType` or `eventType`")


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


#: Postmark bounce types that say the address is gone.
POSTMARK_PERMANENT = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated"})


def postmark_reports(body: bytes) -> list[Report]:
    """One Postmark webhook: ``RecordType`` ``Bounce`` or ``SpamComplaint``."""
    document = _loads(body, "a Postmark webhook")
    if not isinstance(document, Mapping) or not isinstance(document.get("RecordType"), str):
        raise NotAReport("not a Postmark webhook: expected a JSON object with a `RecordType`")
    address = _text(document.get("Email"))
    record = document["RecordType"]
    if record == "SpamComplaint" and address:
        return [Report(address, "complaint", "postmark", _detail(document.get("Type")))]
    if record == "Bounce" and address and document.get("Type") in POSTMARK_PERMANENT:
        return [Report(address, "bounce", "postmark",
                       _detail(document.get("Type"), document.get("Description")))]  # fmt: skip
    if record in ("Bounce", "SpamComplaint") and not address:
        raise NotAReport(f"a Postmark {record} without `Email`")
    return []


#: SendGrid ``dropped`` reasons that say the address is the problem (others, such as
#: "Invalid SMTPAPI header" or "Spam Content", are about the message).
_DROPPED_FOR_ADDRESS: dict[str, Reason] = {
    "bounced address": "bounce",
    "invalid": "bounce",
    "spam reporting address": "complaint",
    "unsubscribed address": "unsubscribe",
}


def sendgrid_reports(body: bytes) -> list[Report]:
    """A SendGrid event webhook: a JSON array of events."""
    events = _loads(body, "a SendGrid event webhook")
    if not isinstance(events, list):
        raise NotAReport("not a SendGrid event webhook: expected a JSON array of events")
    reports: list[Report] = []
    for event in _list(events):
        address, name = _text(event.get("email")), event.get("event")
        if address is None:
            continue
        reason = event.get("reason")
        if name == "spamreport":
            reports.append(Report(address, "complaint", "sendgrid", None))
        elif name == "bounce" and event.get("type", "bounce") == "bounce":
            reports.append(
                Report(address, "bounce", "sendgrid", _detail(event.get("status"), reason))
            )
        elif name == "dropped" and str(reason).strip().lower() in _DROPPED_FOR_ADDRESS:
            kind = _DROPPED_FOR_ADDRESS[str(reason).strip().lower()]
            reports.append(Report(address, kind, "sendgrid", _detail("dropped", reason)))
    return reports


#: The generic form's reasons (the list's own, but an operator's `manual`).
GENERIC_REASONS: tuple[Reason, ...] = tuple(r for r in REASONS if r != "manual")


def generic_reports(body: bytes) -> list[Report]:
    """The generic form: ``{"type": "bounce"|"complaint"|"rejected"|"unsubscribe",
    "email": "…", "reason": "…", "source": "…"}``, or a JSON array of them."""
    document = _loads(body, "a delivery report")
    items = document if isinstance(document, list) else [document]
    reports: list[Report] = []
    for index, item in enumerate(items):
        where = f"[{index}] " if isinstance(document, list) else ""
        if not isinstance(item, Mapping):
            raise NotAReport(f"{where}expected a JSON object")
        kind, address = item.get("type"), _text(item.get("email"))
        if kind not in GENERIC_REASONS:
            raise NotAReport(f"{where}type must be one of {', '.join(GENERIC_REASONS)}")
        if address is None or "@" not in address:
            raise NotAReport(f"{where}email must be an email address")
        source = _text(item.get("source")) or "generic"
        reports.append(Report(address, kind, source[:16], _text(item.get("reason"))))
    return reports
