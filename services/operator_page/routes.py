"""The operator board's routes on the gateway.

    GET  /                          redirects to /board
    GET  /board[?refresh=SECONDS]   the page (refreshes itself, every 5 s by default)
    GET  /board/fragment            the board's contents, swapped in by the page's script
    GET  /board.json                the same figures as JSON
    GET  /static/{board.js,board.css,favicon.svg}   the page's script, style and icon
    POST /api/dlq/{id}/replay       replay one dead letter (operator token required)

The replay API needs ``AFTERSALE_OPERATOR_TOKEN``: without it the board is
read-only (no buttons) and the API answers 403; with it a request must carry
``Authorization: Bearer <token>`` (or an url-encoded form field ``token``),
else 401. The
page asks for the token once and keeps it in the tab's session storage.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs

import pika.exceptions
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from services.operator.dlq import UnknownDeadLetter
from services.operator_page.dead_letters import replay_one
from services.operator_page.render import render_fragment, render_page, static_file
from services.operator_page.snapshot import take_snapshot
from services.runtime.amqp import BrokerUnreachable
from services.runtime.clock import Clock, utcnow
from services.runtime.logging import get_logger
from services.runtime.settings import Settings

log = get_logger("aftersale.operator")

DEFAULT_REFRESH_SECONDS = 5
MAX_FORM_BYTES = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
STATIC = {"board.js": "text/javascript", "board.css": "text/css", "favicon.svg": "image/svg+xml"}


def _refresh_seconds(request: Request) -> int:
    raw = request.query_params.get("refresh", "")
    return min(max(int(raw), 1), 300) if raw.isdigit() else DEFAULT_REFRESH_SECONDS


def _presented_token(request: Request, form: dict[str, Any]) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    token = form.get("token")
    return token if isinstance(token, str) and token else None


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = dict(SECURITY_HEADERS)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="aftersale operator"'
    return JSONResponse({"error": message, **extra}, status, headers=headers)


def board_routes(settings: Settings, engine: Engine, *, clock: Clock = utcnow) -> list[Route]:
    """The routes to add to the gateway."""
    token = settings.operator_token or None

    def snapshot() -> Any:
        return take_snapshot(settings, engine, clock())

    def root(_request: Request) -> Response:
        return RedirectResponse("/board", 307)

    def page(request: Request) -> Response:
        body = render_page(snapshot(), can_replay=token is not None,
                           refresh_seconds=_refresh_seconds(request))  # fmt: skip
        return HTMLResponse(body, headers=SECURITY_HEADERS)

    def fragment(_request: Request) -> Response:
        body = render_fragment(snapshot(), can_replay=token is not None)
        return HTMLResponse(body, headers=SECURITY_HEADERS)

    def board_json(_request: Request) -> Response:
        return JSONResponse(snapshot().as_json(), headers=SECURITY_HEADERS)

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response("not found", 404, headers=SECURITY_HEADERS)
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return Response(static_file(name), media_type=STATIC[name], headers=headers)

    async def replay(request: Request) -> Response:
        if token is None:
            return _error(403, "replays are disabled: no operator token is configured "
                               "(set AFTERSALE_OPERATOR_TOKEN)")  # fmt: skip
        form: dict[str, Any] = {}
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = await request.body()
            if len(body) <= MAX_FORM_BYTES:
                form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
        presented = _presented_token(request, form)
        if presented is None or not hmac.compare_digest(presented.encode(), token.encode()):
            log.warning("operator.replay_refused", client=request.client and request.client.host)
            return _error(401, "a valid operator token is needed: Authorization: Bearer <token>")
        dead_letter_id = request.path_params["dead_letter_id"]
        try:
            report = await run_in_threadpool(replay_one, settings.amqp_url, dead_letter_id)
        except UnknownDeadLetter as exc:
            return _error(404, str(exc.args[0]))
        except (BrokerUnreachable, pika.exceptions.AMQPConnectionError) as exc:
            return _error(503, f"RabbitMQ is unreachable: {exc}")
        if report.failed:
            return _error(502, str(report.failed[0].get("problem")), id=dead_letter_id)
        log.info("operator.replayed", dead_letter_id=dead_letter_id)
        return JSONResponse({"replayed": dead_letter_id}, headers=SECURITY_HEADERS)

    return [
        Route("/", root, methods=["GET"]),
        Route("/board", page, methods=["GET"]),
        Route("/board/fragment", fragment, methods=["GET"]),
        Route("/board.json", board_json, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/api/dlq/{dead_letter_id}/replay", replay, methods=["POST"]),
    ]
