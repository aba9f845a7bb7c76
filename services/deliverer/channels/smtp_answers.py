"""What an SMTP server's answers and failures mean for a message: sent again later,
never (a permanent failure), or never to that address (it joins the suppression list)."""

from __future__ import annotations

import re
import smtplib

from services.deliverer.channels.base import AddressRejected, PermanentFailure, TemporaryFailure


def sender_refused(code: int, answer: bytes | str) -> TemporaryFailure:
    # The sender is a setting of ours, not this recipient's fault: retry.
    return TemporaryFailure(f"sender refused: {code} {answer_text(answer)} (AFTERSALE_MAIL_FROM)")


def failure(exc: BaseException, where: str) -> TemporaryFailure | PermanentFailure:
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentFailure(f"the SMTP server cannot take this message: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return TemporaryFailure(
            f"SMTP server {where} answered {exc.smtp_code} {answer_text(exc.smtp_error)}"
        )
    return TemporaryFailure(f"SMTP server {where}: {describe(exc)}")


#: Enhanced status codes (RFC 3463) that say the recipient's address is bad: 5.1.x
#: (bad mailbox, domain, syntax, moved, no MX) and 5.2.1 (disabled); but not 5.1.7
#: and 5.1.8, the *sender's* address, which a relay may answer at RCPT too.
_BAD_ADDRESS = re.compile(r"^\s*5\.(?:1\.(?!7\b|8\b)\d{1,3}|2\.1)\b")


def refused_recipient(code: int, answer: bytes | str) -> None:
    """RCPT TO refused: a bad address is suppressed; a policy refusal (5.7.1 relaying
    denied: the sender's configuration) or a temporary one is not."""
    text = answer_text(answer)
    reason = f"recipient refused: {code} {text}"
    sender = "sender" in text.lower()  # e.g. Postfix's "Sender address rejected"
    if 500 <= code < 600 and _BAD_ADDRESS.match(text) and not sender:
        raise AddressRejected(reason) from None
    raise_for(code, reason)


def raise_for(code: int, reason: str) -> None:
    if 500 <= code < 600:
        raise PermanentFailure(reason) from None
    raise TemporaryFailure(reason) from None


def answer_text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(text.split())


def describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError | smtplib.SMTPServerDisconnected) and not str(exc):
        return "timed out" if isinstance(exc, TimeoutError) else "disconnected"
    return " ".join(text.split())
