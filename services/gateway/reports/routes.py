"""``POST /v1/reports/{provider}``: delivery reports into the suppression list.

Each provider is verified its own way (see `config`): SES through SNS by a
shared secret in the URL (SNS's own signature needs a certificate download
from AWS for every new key; the secret is the documented alternative), Postmark
by basic auth, SendGrid by its ECDSA signature, the generic form by a Standard
Webhooks signature. A report is answered 200 once its suppressions are
committed; 4xx says what is wrong and records nothing. Reports are idempotent:
a provider's retry changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.gateway.auth import Unauthorized, check_signature, standard_webhooks_caller
from services.gateway.reports import providers
from services.gateway.reports.config import ReportsConfig
from services.gateway.state import Gateway
from services.runtime.logging import get_logger
from services.runtime.store import suppressions
from services.runtime.store.suppressions import Report

log = get_logger("aftersale.gateway")

#: Delivery reports are small; a larger body is refused before it is read whole.
MAX_REPORT_BYTES = 1024 * 1024
SENDGRID_SIGNATURE = "x-twilio-email-event-webhook-signature"
SENDGRID_TIMESTAMP = "x-twilio-email-event-webhook-timestamp"


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="aftersale"'} if status == 401 else None
    return JSONResponse({"error": code, "message": message}, status, headers=headers)


def _not_configured(provider: str) -> JSONResponse:
    return _error(
        404,
        "not_configured",
        f"{provider} reports are not configured: add a [{provider}] table to the file "
        "named by AFTERSALE_DELIVERY_REPORTS",
    )


async def _body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REPORT_BYTES:
            return None
    return body


async def _record(request: Request, provider: str, reports: list[Report]) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway

    def write() -> int:
        with gateway.sessions.begin() as session:
            return suppressions.record(session, reports, gateway.clock())

    try:
        new = await run_in_threadpool(write) if reports else 0
    except SQLAlchemyError:
        log.exception("gateway.report_store_unavailable", provider=provider)
        return JSONResponse(
            {"error": "unavailable", "message": "the store is unreachable; send it again"},
            503,
            headers={"Retry-After": "5"},
        )
    counted: dict[str, int] = {}
    for report in reports:
        counted[report.reason] = counted.get(report.reason, 0) + 1
    log.info("gateway.delivery_report", provider=provider, new=new, **counted)
    return JSONResponse({"suppressed": len(reports), "new": new, "reasons": counted}, 200)


def _config(request: Request) -> ReportsConfig:
    config: ReportsConfig = request.app.state.gateway.reports
    return config


async def ses(request: Request) -> JSONResponse:
    config = _config(request)
    if config.ses_token is None:
        return _not_configured("ses")
    if not hmac.compare_digest(request.path_params["token"].encode(), config.ses_token.encode()):
        return _error(401, "bad_token", "the token in the URL is not the configured [ses] token")
    body = await _body(request)
    if body is None:
        return _error(413, "too_large", f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        message = providers.sns_envelope(body)
        kind = message["Type"]
        if kind == "SubscriptionConfirmation":
            return await _confirm_subscription(message)
        if kind != "Notification":
            return JSONResponse({"suppressed": 0, "new": 0, "reasons": {}}, 200)
        reports = providers.ses_reports(str(message.get("Message", "")))
    except providers.NotAReport as exc:
        return _error(400, "not_a_report", str(exc))
    return await _record(request, "ses", reports)


def _is_aws(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme == "https" and host.startswith("sns.") and host.endswith(".amazonaws.com")


async def _confirm_subscription(message: dict[str, Any]) -> JSONResponse:
    url = str(message.get("SubscribeURL", ""))
    if not _is_aws(url):
        return _error(
            400,
            "not_a_report",
            "refusing to confirm a subscription: SubscribeURL is not an https://sns.*."
            "amazonaws.com address",
        )

    def confirm() -> int:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)

    try:
        status = await run_in_threadpool(confirm)
    except OSError as exc:
        log.warning("gateway.sns_confirmation_failed", error=str(exc))
        return _error(502, "confirmation_failed", f"could not confirm the subscription: {exc}")
    log.info("gateway.sns_subscription_confirmed", topic=message.get("TopicArn"), status=status)
    return JSONResponse({"confirmed": True}, 200)


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        user, sep, password = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


async def postmark(request: Request) -> JSONResponse:
    config = _config(request)
    if config.postmark_password is None or config.postmark_username is None:
        return _not_configured("postmark")
    given = _basic_auth(request.headers.get("authorization", ""))
    if given is None or not (
        hmac.compare_digest(given[0].encode(), config.postmark_username.encode())
        & hmac.compare_digest(given[1].encode(), config.postmark_password.encode())
    ):
        return _error(
            401, "bad_credentials", "basic auth with the [postmark] username and password"
        )
    return await _parsed(request, "postmark", providers.postmark_reports)


async def sendgrid(request: Request) -> JSONResponse:
    config = _config(request)
    if config.sendgrid_key is None:
        return _not_configured("sendgrid")
    signature = request.headers.get(SENDGRID_SIGNATURE, "")
    timestamp = request.headers.get(SENDGRID_TIMESTAMP, "")
    if not signature or not timestamp:
        return _error(
            401,
            "missing_signature",
            "the signed event webhook's signature and timestamp headers are missing",
        )
    body = await _body(request)
    if body is None:
        return _error(413, "too_large", f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        config.sendgrid_key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return _error(
            401, "bad_signature", "bad signature: not SendGrid's ECDSA signature of timestamp+body"
        )
    return await _parsed(request, "sendgrid", providers.sendgrid_reports, body)


async def generic(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    config = _config(request)
    if config.generic_secret is None:
        return _not_configured("generic")
    body = await _body(request)
    if body is None:
        return _error(413, "too_large", f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        caller = standard_webhooks_caller(
            request.headers, "generic reports", config.generic_secret, gateway.clock().timestamp()
        )
        check_signature(caller, body)
    except Unauthorized as exc:
        return _error(401, exc.code, exc.reason)
    return await _parsed(request, "generic", providers.generic_reports, body)


async def _parsed(
    request: Request,
    provider: str,
    parse: Callable[[bytes], list[Report]],
    body: bytes | None = None,
) -> JSONResponse:
    if body is None:
        body = await _body(request)
        if body is None:
            return _error(413, "too_large", f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        reports = parse(body)
    except providers.NotAReport as exc:
        return _error(400, "not_a_report", str(exc))
    return await _record(request, provider, reports)


def report_routes() -> list[Route]:
    return [
        Route("/v1/reports/ses/{token}", ses, methods=["POST"]),
        Route("/v1/reports/postmark", postmark, methods=["POST"]),
        Route("/v1/reports/sendgrid", sendgrid, methods=["POST"]),
        Route("/v1/reports/generic", generic, methods=["POST"]),
    ]
