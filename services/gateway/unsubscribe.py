"""`/u/{token}`: the unsubscribe link of every non-transactional message.

A valid token publishes a `customer.updated` with ``opted_out: true`` for the
shop and customer it names, and puts the customer's address on the
suppression list as unsubscribed (RFC 8058's one-click POST and a click
alike). The event_id is derived from the token, so a second click (or a mail
client's one-click POST after the customer's own click) is the same event and
has no second effect. HEAD never publishes.
"""

from __future__ import annotations

import hashlib
import html
import json

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from events import ContractViolation, parse_event
from services.gateway.state import Gateway
from services.publishing.publisher import read_envelope
from services.runtime import tokens
from services.runtime.logging import get_logger
from services.runtime.store import suppressions
from services.runtime.store.models import Customer

log = get_logger("aftersale.gateway")

_REASONS_PL = {
    "the link is incomplete": "link jest niekompletny",
    "the link has been altered": "link został zmieniony",
    "the link is unreadable": "link jest nieczytelny",
    "the link is not meant for this": "ten link nie służy do wypisania się",
    "the link has expired": "link wygasł",
    "the link is too long": "link jest za długi",
}

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Robots-Tag": "noindex",
}


def page(status: int, title: str, paragraphs: list[tuple[str, str]]) -> HTMLResponse:
    body = "".join(f'<p lang="{lang}">{html.escape(text)}</p>' for lang, text in paragraphs)
    document = (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5;color:#222}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status, headers=_HEADERS)


def unsubscribed_page() -> HTMLResponse:
    return page(
        200,
        "Wypisano Cię / You are unsubscribed",
        [
            (
                "pl",
                "Nie będziemy już wysyłać Ci próśb o opinię ani propozycji. Wiadomości "
                "o Twoich zamówieniach, zwrotach i zgłoszeniach nadal będą przychodzić.",
            ),
            (
                "en",
                "We will no longer send you requests for feedback or offers. Messages "
                "about your orders, returns and tickets will still arrive.",
            ),
        ],
    )


def invalid_page(reason: str) -> HTMLResponse:
    return page(
        400,
        "Ten link nie działa / This link does not work",
        [
            (
                "pl",
                f"Nie wypisano Cię: {_REASONS_PL.get(reason, reason)}. Użyj linku z najnowszej "
                "wiadomości albo odpowiedz na nią, a wypiszemy Cię ręcznie.",
            ),
            (
                "en",
                f"You were not unsubscribed: {reason}. Use the link in the latest message, "
                "or reply to it and we will unsubscribe you by hand.",
            ),
        ],
    )


def unavailable_page() -> HTMLResponse:
    return page(
        503,
        "Spróbuj za chwilę / Please try again in a moment",
        [
            ("pl", "Nie udało się teraz zapisać Twojej prośby. Otwórz link ponownie za chwilę."),
            ("en", "We could not record your request just now. Open the link again shortly."),
        ],
    )


def unsubscribe_event_id(token: str) -> str:
    """The same token always makes the same event."""
    return "unsub-" + hashlib.sha256(token.encode()).hexdigest()[:24]


def unsubscribe_body(gateway: Gateway, token: str, shop_id: str, customer_id: str) -> bytes:
    event = {
        "event_id": unsubscribe_event_id(token),
        "type": "customer.updated",
        "schema_version": 1,
        "occurred_at": gateway.clock().isoformat(),
        "shop_id": shop_id,
        "data": {"customer_id": customer_id, "opted_out": True},
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


async def unsubscribe(request: Request) -> HTMLResponse:
    """Opt the customer named by the signed token out of non-transactional messages."""
    gateway: Gateway = request.app.state.gateway
    token = request.path_params["token"]
    try:
        payload = tokens.verify(gateway.secret_key, "unsubscribe", token, gateway.clock())
    except tokens.InvalidToken as exc:
        log.info("gateway.unsubscribe_refused", reason=str(exc))
        return invalid_page(str(exc))
    shop_id, customer_id = payload.get("shop"), payload.get("customer")
    if not isinstance(shop_id, str) or not isinstance(customer_id, str):
        return invalid_page("the link is unreadable")
    if request.method == "HEAD":  # link checkers and previews must not unsubscribe anyone
        return unsubscribed_page()
    body = unsubscribe_body(gateway, token, shop_id, customer_id)
    try:
        parse_event(body)
    except ContractViolation as exc:  # signed by us, so only a bug gets here
        log.error("gateway.unsubscribe_invalid_event", reason=exc.reason, shop_id=shop_id)
        return invalid_page("the link is unreadable")
    envelope = read_envelope(body)
    outcome = await run_in_threadpool(gateway.pool.publish_all, [envelope])
    log.info(
        "gateway.unsubscribe",
        event_id=envelope.event_id,
        type=envelope.type,
        shop_id=shop_id,
        status=outcome.statuses[0],
    )
    if not outcome.all_accepted:
        return unavailable_page()
    source = "one_click" if request.method == "POST" else "link"
    await run_in_threadpool(_suppress_address, gateway, shop_id, customer_id, source)
    return unsubscribed_page()


def _suppress_address(gateway: Gateway, shop_id: str, customer_id: str, source: str) -> None:
    """The customer's address joins the suppression list as unsubscribed (non-transactional
    mail only). The opt-out itself is the published event; a store outage here is logged."""
    try:
        with gateway.sessions.begin() as session:
            email = session.scalar(
                select(Customer.email).where(
                    Customer.shop_id == shop_id, Customer.customer_id == customer_id
                )
            )
            if email:
                report = suppressions.Report(email, "unsubscribe", source, None, shop_id)
                suppressions.record(session, [report], gateway.clock())
    except SQLAlchemyError:
        log.exception("gateway.unsubscribe_not_listed", shop_id=shop_id)
