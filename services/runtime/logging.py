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

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d ()-]{5,}\d)(?![\w-])")


def mask_email(address: str) -> str:
    """`jan.kowalski@example.com` → `j***@example.com`."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", address)


def mask_phone(number: str) -> str:
    """Keep the last two digits only: `+48 600 100 200` → `***00`."""
    digits = re.sub(r"\D", "", number)
    return "***" + digits[-2:] if len(digits) >= 6 else number


def mask_url(url: str) -> str:
    """Scheme, host and port only: paths of incoming webhooks (Slack) are secrets."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
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


def mask_personal_data(text: str) -> str:
    """Mask every email address and phone-like number inside free text."""
    text = mask_email(text)

    def _phone(match: re.Match[str]) -> str:
        candidate = match.group(1)
        digits = re.sub(r"\D", "", candidate)
        # Dates, amounts and ids look like numbers too; only mask phone-length runs.
        if 7 <= len(digits) <= 15 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", candidate):
            return mask_phone(candidate)
        return candidate

    return _PHONE.sub(_phone, text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, Mapping):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(item) for item in value]
    return value


def mask_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: no full email or phone number ever reaches a log line."""
    for key, value in list(event_dict.items()):
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
