"""`/f/{token}`: the one-click satisfaction links of a check-in.

A valid link publishes `feedback.received` (scale csat5, channel survey)
through the events exchange, so a survey answer goes the same way as any
event from the shop. The event and feedback ids come from the check-in (shop
and order), so the first click counts and later clicks change nothing.
HEAD never publishes.
"""

from __future__ import annotations

import hashlib
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from events import ContractViolation, parse_event
from services.gateway.state import Gateway
from services.gateway.unsubscribe import invalid_page, page, unavailable_page
from services.publishing.publisher import read_envelope
from services.runtime import tokens
from services.runtime.logging import get_logger

log = get_logger("aftersale.gateway")

#: Purpose of the tokens in check-in links (see services.checkins).
CSAT_PURPOSE = "csat"


def answer_ids(shop_id: str, order_id: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{shop_id}\x1f{order_id}".encode()).hexdigest()[:24]
    return f"csat-{digest}", f"checkin-{order_id}"[:128]


def thanks_page(score: int) -> HTMLResponse:
    return page(
        200,
        "Dziękujemy! / Thank you!",
        [
            ("pl", f"Zapisaliśmy Twoją ocenę: {score}/5. Dziękujemy, że poświęcasz nam czas."),
            ("en", f"We recorded your rating: {score}/5. Thank you for your time."),
        ],
    )


async def survey_answer(request: Request) -> HTMLResponse:
    gateway: Gateway = request.app.state.gateway
    token = request.path_params["token"]
    try:
        payload = tokens.verify(gateway.secret_key, CSAT_PURPOSE, token, gateway.clock())
    except tokens.InvalidToken as exc:
        log.info("gateway.survey_refused", reason=str(exc))
        return invalid_page(str(exc))
    shop_id, customer_id = payload.get("shop"), payload.get("customer")
    order_id, score = payload.get("order"), payload.get("score")
    if not (
        isinstance(shop_id, str)
        and isinstance(customer_id, str)
        and isinstance(order_id, str)
        and type(score) is int  # not a bool
        and 1 <= score <= 5
    ):
        return invalid_page("the link is unreadable")
    if request.method == "HEAD":
        return thanks_page(score)
    event_id, feedback_id = answer_ids(shop_id, order_id)
    body = json.dumps(
        {
            "event_id": event_id,
            "type": "feedback.received",
            "schema_version": 1,
            "occurred_at": gateway.clock().isoformat(),
            "shop_id": shop_id,
            "data": {
                "feedback_id": feedback_id,
                "order_id": order_id,
                "customer_id": customer_id,
                "scale": "csat5",
                "score": score,
                "channel": "survey",
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    try:
        parse_event(body)
    except ContractViolation as exc:  # ids the contract refuses: nothing is published
        log.info("gateway.survey_refused", reason=exc.reason, shop_id=shop_id)
        return invalid_page("the link is unreadable")
    outcome = await run_in_threadpool(gateway.pool.publish_all, [read_envelope(body)])
    log.info("gateway.survey_answer", event_id=event_id, shop_id=shop_id, score=score)
    if not outcome.all_accepted:
        return unavailable_page()
    return thanks_page(score)
