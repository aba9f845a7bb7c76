"""`POST /v1/events`: signed events from shops, published with confirms before 202.

A batch is all or nothing at validation: when any event is invalid the whole
request is refused with 400 and every problem listed by index and field path,
and nothing is published, so the shop fixes it and sends the same batch again
(repeats are harmless: the ingest records each event_id once). An event naming
another shop than the signing one makes the answer 403.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from services.gateway.auth import Unauthorized, check_headers, check_signature
from services.gateway.batch import NotABatch, check_request
from services.gateway.replays import ReplayStoreUnavailable
from services.gateway.state import Gateway
from services.runtime.logging import get_logger

log = get_logger("aftersale.gateway")


#: Bounds of what an early refusal still reads from the client (see `_discard`).
DISCARD_BYTES = 8 * 1024 * 1024
DISCARD_SECONDS = 5.0


class TooLarge(Exception):
    """413: the body is over the limit."""


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'HMAC-SHA256 realm="aftersale"'} if status == 401 else None
    return JSONResponse({"error": code, "message": message, **extra}, status, headers=headers)


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else None


async def _discard(chunks: AsyncIterator[bytes]) -> None:
    """Read what the client is still sending, within bounds, before a refusal.

    Most clients send the whole body before reading the answer; answering and
    closing while they send resets the connection and they never see the
    answer. So an early refusal first reads (and drops) up to
    :data:`DISCARD_BYTES` more within :data:`DISCARD_SECONDS`.
    """
    dropped = 0
    with anyio.move_on_after(DISCARD_SECONDS):
        try:
            async for chunk in chunks:
                dropped += len(chunk)
                if dropped > DISCARD_BYTES:
                    return
        except ClientDisconnect:
            return


async def _read_body(request: Request, limit: int) -> bytes:
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        await _discard(request.stream())
        raise TooLarge(f"the body is {declared} bytes; the limit is {limit} bytes (1 MiB)")
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            await _discard(stream)
            raise TooLarge(f"the body is over the limit of {limit} bytes (1 MiB)")
        chunks.append(chunk)
    return b"".join(chunks)


async def post_events(request: Request) -> Response:
    """Accept one event envelope or an array of them, signed by the shop."""
    try:
        return await _post_events(request)
    except ClientDisconnect:  # gone before sending the whole body: nothing was done
        log.info("gateway.client_disconnected")
        return Response(status_code=400)


async def _post_events(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    try:
        try:
            caller = check_headers(
                request.headers, gateway.shop_secrets, gateway.clock().timestamp()
            )
        except Unauthorized:
            await _discard(request.stream())
            raise
        body = await _read_body(request, gateway.max_request_bytes)
        check_signature(caller, body)
        await run_in_threadpool(gateway.replays.admit, caller, gateway.clock().timestamp())
    except Unauthorized as exc:
        log.info(
            "gateway.unauthorized", code=exc.code, shop_id=request.headers.get("x-aftersale-shop")
        )
        return _error(401, exc.code, exc.reason)
    except TooLarge as exc:
        return _error(413, "too_large", str(exc))
    except ReplayStoreUnavailable:
        # Without the store no gateway can tell a replay; nothing was published.
        return JSONResponse(
            {
                "error": "unavailable",
                "message": "the store is unreachable; send the same request again later",
                "accepted": 0,
                "results": [],
            },
            503,
            headers={"Retry-After": "5"},
        )
    try:
        envelopes, errors = check_request(
            body, caller.shop_id, request.headers.get("content-type"), request.headers
        )
    except NotABatch as exc:
        return _error(400, exc.code, str(exc))
    if errors:
        wrong_shop = any(error.wrong_shop for error in errors)
        return _error(
            403 if wrong_shop else 400,
            "wrong_shop" if wrong_shop else "invalid",
            "nothing was published: fix the events listed and send the batch again",
            errors=[error.as_json() for error in errors],
        )
    outcome = await run_in_threadpool(gateway.pool.publish_all, envelopes)
    results = [
        {"index": index, "event_id": envelope.event_id, "status": status}
        for index, (envelope, status) in enumerate(zip(envelopes, outcome.statuses, strict=True))
    ]
    accepted = sum(1 for status in outcome.statuses if status == "accepted")
    for envelope, status in zip(envelopes, outcome.statuses, strict=True):
        log.info(
            "gateway.event",
            event_id=envelope.event_id,
            type=envelope.type,
            shop_id=caller.shop_id,
            status=status,
        )
    if not outcome.all_accepted:
        # Retrying the same signed request is safe (each event_id is recorded
        # once), so it is not refused as a replay.
        await run_in_threadpool(gateway.replays.forget, caller)
        return JSONResponse(
            {
                "error": "unavailable",
                "message": f"{outcome.problem}; send the batch again later",
                "accepted": accepted,
                "results": results,
            },
            503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"accepted": accepted, "results": results}, 202)
