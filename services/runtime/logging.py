"""Structured logs: JSON off a terminal, pretty on one, personal data masked.

Every line carries the bound context (event_id, type, shop_id) through
structlog's contextvars.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import structlog

#: Characters an unquoted local part may hold (RFC 5322 atext and dots, any
#: script per RFC 6531): everything but spaces, controls and the specials.
_LOCAL_ATOM = r'[^\s@<>()\[\]:;\\,"\x00-\x1f\x7f]+'
#: A quoted local part, ``"jan kowalski"@…``, with backslash escapes.
_LOCAL_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
#: A host name in any script (IDN or punycode), one label or several, or an
#: address literal ``[192.0.2.1]``.
_DOMAIN = r"\[[^\]\s]+\]|[\w-]+(?:\.[\w-]+)*"
_EMAIL = re.compile(rf"({_LOCAL_QUOTED}|{_LOCAL_ATOM})@({_DOMAIN})")

#: What may sit between the digits of a phone number: spaces (also no-break
#: and thin ones), dots, hyphens and dashes, parentheses.
_PHONE_GAP = r"[ \u00a0\u2007\u202f().\-\u2010-\u2015]"
#: A phone-like run: optional "(" and "+" (also fullwidth), then digits of any
#: script with gaps. Not inside a word or an id (``PL-2026-…``), nor after a
#: time of day (``10:15:00.123456``).
_PHONE = re.compile(
    rf"(?<![\w+\-\uff0b])(?<!\d\d:\d\d:)(\(?[+\uff0b]?\(?\d(?:{_PHONE_GAP}*\d)+)(?!\w)"
)
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
#: A date at the start of a number-like run (``2026-11-23``, ``23.11.2026``): kept.
_DATE = re.compile(rf"\d{{4}}([-./]){_MONTH}\1{_DAY}(?!\d)|{_DAY}([-./]){_MONTH}\2\d{{4}}(?!\d)")
#: An amount (``1234567.50``) is not a phone number either.
_AMOUNT = re.compile(r"\d+\.\d{1,2}")
#: Phone numbers have 7 to 15 digits (E.164, after ``+`` or ``00``); a longer
#: run without gaps is an id.
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


#: A local part already masked (``j***``), or one that looks just like it.
_MASKED = re.compile(r".?\*+")


def _masked_local(local: str) -> str:
    if _MASKED.fullmatch(local):
        return local  # masking twice changes nothing
    if local.startswith('"'):
        return '"***"'
    # One character kept to recognise the address; none when it would be all of it.
    return local[0] + "***" if len(local) > 1 else "***"


def mask_email(address: str) -> str:
    """Mask the local part of every address in ``address``, in any script.

    ``jan.kowalski@example.com`` → ``j***@example.com``,
    ``łukasz.żółć@example.pl`` → ``ł***@example.pl``,
    ``"jan kowalski"@example.com`` → ``"***"@example.com``.
    """
    return _EMAIL.sub(lambda m: f"{_masked_local(m.group(1))}@{m.group(2)}", address)


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdecimal())


def mask_phone(number: str) -> str:
    """Keep the last two digits only: `+48 600 100 200` → `***00`."""
    digits = _digits(number)
    return "***" + digits[-2:] if len(digits) >= 6 else number


def mask_url(url: str) -> str:
    """Scheme, host and port only: paths of incoming webhooks (Slack) are secrets."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a URL after all (a bad port, a stray bracket)
        return mask_personal_data(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{port}/…"


def mask_recipient(channel: str, recipient: str) -> str:
    """Enough to recognise a recipient, never the whole address, number or hook."""
    if channel == "email":
        return mask_email(recipient)
    if channel == "sms":
        return mask_phone(recipient)
    if recipient.startswith(("http://", "https://")):
        return mask_url(recipient)
    return mask_personal_data(recipient)


def _international(digits: str) -> bool:
    """Dialled with the ``00`` prefix (in any script's zeros)."""
    return len(digits) > 2 and int(digits[0]) == 0 and int(digits[1]) == 0


def _phone(match: re.Match[str]) -> str:
    candidate = match.group(1)
    date = _DATE.match(candidate)
    if date:  # a date, then maybe a number after it ("2026-11-23 600 100 200")
        return candidate[: date.end()] + _PHONE.sub(_phone, candidate[date.end() :])
    digits = _digits(candidate)
    gapped = len(digits) != len(candidate)
    # Amounts and ids look like numbers too; but a run with gaps or a prefix
    # longer than 15 digits is several numbers written together, so masked.
    significant = len(digits) - 2 if _international(digits) else len(digits)
    if len(digits) < MIN_PHONE_DIGITS or (not gapped and significant > MAX_PHONE_DIGITS):
        return candidate
    if _AMOUNT.fullmatch(candidate):
        return candidate
    return mask_phone(candidate)


def mask_personal_data(text: str) -> str:
    """Mask every email address and phone-like number inside free text."""
    return _PHONE.sub(_phone, mask_email(text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_value(item) for item in value]
    # Exceptions and other objects would be rendered with their str()/repr():
    # mask that text rather than let an address inside it through.
    if isinstance(value, BaseException):
        return mask_personal_data(f"{type(value).__name__}: {value}")
    return mask_personal_data(str(value))


def mask_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: no full email or phone number ever reaches a log line."""
    for key, value in list(event_dict.items()):
        if not key.startswith("_"):  # structlog's own (`_record`) stay as they are
            event_dict[key] = _mask_value(value)
    return event_dict


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """Configure structlog and the standard library logging once per process."""
    pretty = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if pretty else structlog.processors.JSONRenderer()
    )
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries (pika, dramatiq, alembic) log through the standard library.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric_level, logging.INFO))
    # pika reports connection failures with tracebacks; we log our own line instead.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
