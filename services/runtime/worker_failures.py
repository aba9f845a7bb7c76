"""What happens when an actor fails: retry what can succeed later, dead-letter
the rest at once, with its reason.

A store outage, an event not visible yet or a broker hiccup is retried with
dramatiq's back-off (a store outage for as long as it lasts). A failure that
cannot succeed by retrying (a template that cannot render, an event the
contract no longer reads) does not loop: its message goes straight to the
worker queue's ``.XQ`` with the reason in words, where ``aftersale status``
(health ``degraded``), ``/metrics`` (``aftersale_dead_letters``), the board
and ``aftersale dlq`` show it and an operator can replay it. So does any other
error once its retries run out; the reason is then the last error, not the
one before it (dramatiq's own dead-lettering keeps the body of the previous
attempt).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dramatiq
import pika
import structlog
from dramatiq.middleware import CurrentMessage
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from events import ContractViolation
from services.runtime.clock import utcnow
from services.runtime.errors import describe_failure
from services.runtime.eventlog_reader import EventMissing
from services.runtime.rendering import RenderError

log = structlog.get_logger("aftersale.worker")

#: Retries of a failing actor before its message is dead-lettered (for errors
#: in the actor itself; a store outage is waited out for ever).
MAX_RETRIES = 12

#: The store is away or the ingest's commit is not visible yet: wait it out.
OUTAGES = (OperationalError, InterfaceError, EventMissing)

#: Failures that retrying cannot cure: the same input fails the same way.
PERMANENT = (RenderError, ContractViolation, ValidationError)

#: Keys a dead-lettered dramatiq message carries in its options (and as headers).
ERROR = "x-aftersale-error"
ERROR_CODE = "x-aftersale-error-code"
DEAD_LETTERED_AT = "x-aftersale-dead-lettered-at"
#: What a replay drops from a dead letter's options.
FAILURE_OPTIONS = (ERROR, ERROR_CODE, DEAD_LETTERED_AT, "traceback")


def retry_when(retries: int, exception: BaseException) -> bool:
    """dramatiq's retry rule: outages (the store away, the ingest's commit not
    visible yet) for ever, other errors `MAX_RETRIES` times, permanent ones never."""
    if isinstance(exception, PERMANENT):
        return False
    if isinstance(exception, OUTAGES):
        return True
    return retries < MAX_RETRIES


def failure_code(retries: int, exception: BaseException) -> str | None:
    """None to let dramatiq retry; else why the message is dead-lettered now."""
    if isinstance(exception, PERMANENT):
        return "permanent_failure"
    if retry_when(retries, exception):
        return None
    return "retries_exhausted"


def dead_letter(
    broker: Any, message: dramatiq.Message[Any], reason: str, code: str, now: datetime
) -> None:
    """Put `message` on its queue's `.XQ` with the reason; confirmed by the broker.

    Raises when the broker does not take it, so the caller lets dramatiq retry
    instead (the message is never acked without its dead letter).
    """
    queue = message.queue_name.removesuffix(".DQ")
    failure = {ERROR: reason, ERROR_CODE: code, DEAD_LETTERED_AT: now.isoformat()}
    copy = message.copy(queue_name=queue, options={**message.options, **failure})
    broker.channel.basic_publish(
        exchange="",
        routing_key=f"{queue}.XQ",
        body=copy.encode(),
        properties=pika.BasicProperties(delivery_mode=2, headers=failure),
        mandatory=True,
    )


def guarded(broker: Any, fn: Callable[..., Any], actor_name: str) -> Callable[..., Any]:
    """`fn` as an actor body whose hopeless failures end as dead letters."""

    def body(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            message = CurrentMessage.get_current_message()
            if message is None:
                raise
            code = failure_code(int(message.options.get("retries", 0)), exc)
            if code is None:
                raise
            reason = f"{actor_name}: {describe_failure(exc)}"
            try:
                dead_letter(broker, message, reason, code, utcnow())
            except Exception:
                log.exception("cannot dead-letter a failed message; dramatiq retries it")
                raise exc from None
            log.error("message dead-lettered", actor=actor_name, code=code, reason=reason,
                      message_id=message.message_id)  # fmt: skip
            return None

    body.__name__ = getattr(fn, "__name__", "actor")
    return body
