"""`/o/{token}`: the customer's order page; `/o/{token}/withdraw`: the withdrawal
function (GET the confirmation step, POST the confirmation).

A link that does not verify, or names an order the store does not have, gets
404 and a page that shows nothing of any order. Confirming publishes the
withdrawal's `return.requested` through the events exchange (503 when the
broker did not take it: the customer tries again, nothing is half done).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from events import ContractViolation, parse_event
from services.gateway.state import Gateway
from services.order_page.load import load_order
from services.order_page.model import WITHDRAWAL_FUNCTION, OrderFacts, build_page, withdrawal
from services.order_page.render import render
from services.order_page.withdrawal import clean_name, withdrawal_event
from services.order_page.words import WORDS
from services.publishing.publisher import read_envelope
from services.runtime import tokens
from services.runtime.clock import Clock, utcnow
from services.runtime.logging import get_logger, mask_email
from services.runtime.order_links import read_order_token
from services.runtime.policies import load_policies
from services.runtime.rendering import resolve_locale
from services.runtime.settings import Settings, secret_key
from services.runtime.store.engine import read_session_factory

log = get_logger("aftersale.order_page")

HEADERS = {
    # No script at all; styles are inline in the page.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: Largest confirmation form read (names and SKUs; far more than a real one).
MAX_FORM_BYTES = 64 * 1024

_NOT_FOUND = (
    '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Nie znaleziono / Not found</title></head><body>"
    "<h1>Nie znaleziono / Not found</h1>"
    '<p lang="pl">Ten link nie prowadzi do żadnego zamówienia. '
    "Użyj linku z najnowszej wiadomości.</p>"
    '<p lang="en">This link does not lead to any order. Use the link in the latest message.</p>'
    "</body></html>"
)


def not_found() -> HTMLResponse:
    return HTMLResponse(_NOT_FOUND, 404, headers=HEADERS)


def order_routes(settings: Settings, engine: Engine, *, clock: Clock = utcnow) -> list[Route]:
    """The routes to add to the gateway."""
    sessions = read_session_factory(engine)
    all_policies = load_policies(settings.policies)
    key = secret_key(settings)

    def facts_for(token: str) -> OrderFacts | None:
        try:
            ref = read_order_token(key, token, clock())
        except tokens.InvalidToken as exc:
            log.info("order_page.refused", reason=str(exc))
            return None
        with sessions() as session:
            return load_order(session, ref)

    def urls(token: str) -> dict[str, Any]:
        return {"page_url": f"/o/{token}", "withdraw_url": f"/o/{token}/withdraw"}

    def page(facts: OrderFacts, template: str, *, status: int = 200, **context: Any) -> Response:
        policies = all_policies.for_shop(facts.shop_id)
        body = render(template, facts.locale, facts.timezone, policies, o=facts, **context)
        return HTMLResponse(body, status, headers=HEADERS)

    def message(facts: OrderFacts, token: str, heading: str, text: str, status: int) -> Response:
        return page(
            facts, "message.html.j2", status=status, heading=heading, text=text, **urls(token)
        )

    def order_page(request: Request) -> Response:
        token = request.path_params["token"]
        facts = facts_for(token)
        if facts is None:
            return not_found()
        policies = all_policies.for_shop(facts.shop_id)
        model = build_page(facts, clock(), policies)
        return page(facts, "order.html.j2", stages=model.stages, withdrawal=model.withdrawal,
                    status_word=_status_word(facts), period_days=policies.withdrawal.period.days,
                    **urls(token))  # fmt: skip

    def withdraw_form(request: Request) -> Response:
        token = request.path_params["token"]
        facts = facts_for(token)
        if facts is None:
            return not_found()
        return _confirmation(facts, token, chosen={i["sku"] for i in facts.items},
                             name=facts.customer_name or "", error=None)  # fmt: skip

    def _confirmation(
        facts: OrderFacts, token: str, *, chosen: set[str], name: str, error: str | None
    ) -> Response:
        policies = all_policies.for_shop(facts.shop_id)
        state = withdrawal(facts, clock(), policies)
        if state.state != "open":
            return _not_open(facts, token, state.state)
        masked = mask_email(facts.customer_email) if facts.customer_email else ""
        status = 400 if error else 200
        return page(facts, "confirm.html.j2", status=status, chosen=chosen, name=name,
                    error=error, masked_email=masked, **urls(token))  # fmt: skip

    def _not_open(facts: OrderFacts, token: str, state: str) -> Response:
        if state == "done":
            return _received(facts, token, None)
        words = _words(facts)
        return message(facts, token, words["confirm_title"], words["unavailable"], 409)

    def _received(facts: OrderFacts, token: str, at: datetime | None) -> Response:
        policies = all_policies.for_shop(facts.shop_id)
        earlier = [r.requested_at for r in facts.returns if r.source == WITHDRAWAL_FUNCTION]
        received_at = min(earlier) if earlier else at or clock()
        return page(facts, "received.html.j2", received_at=received_at,
                    refund_by=received_at + policies.withdrawal.refund_within,
                    **urls(token))  # fmt: skip

    async def withdraw(request: Request) -> Response:
        token = request.path_params["token"]
        facts = await run_in_threadpool(facts_for, token)
        if facts is None:
            return not_found()
        form = await _read_form(request)
        if form is None:
            return _bad_form()
        known = {i["sku"] for i in facts.items}
        chosen = {sku for sku in form.get("sku", []) if sku in known}
        name = clean_name(form.get("name", [""])[0])
        if not chosen:
            return _confirmation(facts, token, chosen=chosen, name=name,
                                 error=_words(facts)["no_items"])  # fmt: skip
        policies = all_policies.for_shop(facts.shop_id)
        now = clock()
        state = withdrawal(facts, now, policies)
        if state.state != "open":
            return _not_open(facts, token, state.state)
        event = withdrawal_event(facts, sorted(chosen), name, now, facts.locale)
        try:
            parse_event(event)  # what the ingest would refuse is never published
        except ContractViolation as exc:
            log.warning("order_page.withdrawal_refused", reason=exc.reason, shop_id=facts.shop_id)
            return _bad_form()
        gateway: Gateway = request.app.state.gateway
        outcome = await run_in_threadpool(gateway.pool.publish_all, [read_envelope(event)])
        if not outcome.all_accepted:
            words = _words(facts)
            return message(facts, token, words["confirm_title"], words["not_now"], 503)
        log.info("order_page.withdrawal", shop_id=facts.shop_id, order_id=facts.order_id,
                 items=len(chosen))  # fmt: skip
        return _received(facts, token, now)

    return [
        Route("/o/{token:path}/withdraw", _guarded(withdraw_form), methods=["GET"]),
        Route("/o/{token:path}/withdraw", _guarded_async(withdraw), methods=["POST"]),
        Route("/o/{token:path}", _guarded(order_page), methods=["GET"]),
    ]


async def _read_form(request: Request) -> dict[str, list[str]] | None:
    """The urlencoded form, or None when it is too large or malformed."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                return None
            chunks.append(chunk)
    except ClientDisconnect:  # gone before the whole form: nothing is done
        return None
    try:
        return parse_qs(b"".join(chunks).decode("utf-8", "replace"), max_num_fields=2000)
    except ValueError:
        return None


def _bad_form() -> HTMLResponse:
    return _short_page("Nieprawidłowy formularz / The form could not be read", 400)


def _words(facts: OrderFacts) -> dict[str, str]:
    return WORDS[resolve_locale(facts.locale)]


def _status_word(facts: OrderFacts) -> str:
    if facts.cancelled_at is not None:
        return "cancelled"
    if facts.delivered_at is not None:
        return "delivered"
    if any(step.status == "shipped" for step in facts.history):
        return "shipped"
    return "placed"


def _unavailable() -> HTMLResponse:
    return _short_page("Spróbuj za chwilę / Please try again in a moment", 503)


def _short_page(heading: str, status: int) -> HTMLResponse:
    """A page of one heading, for answers that show nothing of the order."""
    text = html.escape(heading)
    return HTMLResponse(f"<!doctype html><title>{text}</title><h1>{text}</h1>", status,
                        headers=HEADERS)  # fmt: skip


def _guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """A store outage is a 503 page, never a stack trace."""

    def run(request: Request) -> Response:
        try:
            return handler(request)
        except SQLAlchemyError as exc:
            log.warning("order_page.store_unavailable", error=str(exc).splitlines()[0][:200])
            return _unavailable()

    return run


def _guarded_async(handler: Any) -> Any:
    async def run(request: Request) -> Response:
        try:
            response: Response = await handler(request)
            return response
        except SQLAlchemyError as exc:
            log.warning("order_page.store_unavailable", error=str(exc).splitlines()[0][:200])
            return _unavailable()

    return run
