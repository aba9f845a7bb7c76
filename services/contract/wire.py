"""The publishing side of the wire contract (SPEC section 3), as the documents state it."""

from __future__ import annotations

from events import EXCHANGE, MAX_BODY_BYTES
from services.domain.policy_models import Ingest
from services.runtime.settings import DEFAULT_AMQP_URL

EXCHANGE_TYPE = "topic"
CONTENT_TYPE = "application/json"
#: AMQP delivery mode of a persistent message.
PERSISTENT = 2
DEAD_LETTER_QUEUE = "aftersale.dead-letter"
ERROR_HEADER = "x-aftersale-error"
DEFAULT_HOST = "localhost:5672"
DEFAULT_VHOST = "/"
AMQP_URL_VARIABLE = "AFTERSALE_AMQP_URL"
#: How long an event waits for its order, return or ticket by default, in minutes.
WAIT_FOR_PARENT_MINUTES = int(Ingest().wait_for_parent.total_seconds() // 60)
BODY_LIMIT_TEXT = f"{MAX_BODY_BYTES // 1024} KiB ({MAX_BODY_BYTES} bytes)"

#: The contract in a few sentences, shared by the AsyncAPI document and the README.
RULES: tuple[str, ...] = (
    f"publish to the exchange `{EXCHANGE}` (type `{EXCHANGE_TYPE}`, durable) with the "
    "event's `type` as routing key;",
    f"make messages persistent (delivery mode {PERSISTENT}) with content type `{CONTENT_TYPE}`;",
    "set the AMQP `message_id` to the envelope's `event_id` (unique per shop, 1–128 characters);",
    f"send one JSON envelope (UTF-8, no byte order mark) per message, at most {BODY_LIMIT_TEXT};",
    'write money as a decimal string such as "1234.50", never a JSON number, with no more '
    "decimals than the currency has;",
    "write every time as RFC 3339 with seconds and a zone offset "
    "(`2026-11-23T10:15:00+01:00`); the offset only fixes the instant: customers read every "
    "date in their own IANA time zone (`customer.timezone`, default `Europe/Warsaw`);",
    "unknown extra fields are kept in the event log and otherwise ignored.",
)

VHOST_TEXT = (
    f"The virtual host is not fixed to `{DEFAULT_VHOST}`: aftersale uses the one its "
    f"`{AMQP_URL_VARIABLE}` names, the URL's path, percent-encoded (the default "
    f"`{DEFAULT_AMQP_URL}` names `/`, as `%2F`; `amqp://user:pass@host:5672/shops` names "
    "`shops`). Publish to that virtual host, with a user allowed to write to the exchange "
    "there."
)

DEAD_LETTER_TEXT = (
    "Bad input (not UTF-8 JSON, not an envelope, an unknown type, a field of the wrong type, a "
    f"body over {MAX_BODY_BYTES // 1024} KiB) goes to the dead-letter queue "
    f"`{DEAD_LETTER_QUEUE}` with a header `{ERROR_HEADER}` that says in words what is wrong "
    "and where; the original body is kept byte for byte. An event about an order, return or "
    "ticket not yet known is retried with back-off (events may arrive out of order) for the "
    f"policy `ingest.wait_for_parent` (default {WAIT_FOR_PARENT_MINUTES} minutes) before it is "
    "dead-lettered as unknown."
)
