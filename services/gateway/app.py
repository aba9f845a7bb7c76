"""The gateway's Starlette application; `build_app` does all the work, import does none.

Routes:
    POST /v1/events       signed events from shops (see `intake`)
    POST /v1/reports/…    delivery reports: bounces, complaints (see `reports.routes`)
    GET|POST /u/{token}   unsubscribe links (see `unsubscribe`)
    GET /f/{token}        one-click satisfaction answers (see `survey`)
    GET /o/{token}        the customer's order page; GET|POST /o/{token}/withdraw its
                          withdrawal function (see `services.order_page`)
    GET /healthz          liveness
    GET /openapi.json     the OpenAPI 3.1 document
    GET /metrics          Prometheus metrics (see `services.metrics`)
    GET /, /board, …      the operator board and its replay API (see `services.operator_page`)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.gateway.intake import post_events
from services.gateway.openapi import openapi_document
from services.gateway.publishing import PublisherFactory, PublisherPool, default_publisher_factory
from services.gateway.replays import ReplayGuard
from services.gateway.reports.config import load_reports_config
from services.gateway.reports.routes import report_routes
from services.gateway.signing import load_shop_secrets
from services.gateway.state import Gateway
from services.gateway.survey import survey_answer
from services.gateway.unsubscribe import unsubscribe
from services.metrics.endpoint import metrics_routes
from services.operator_page.routes import board_routes
from services.order_page.routes import order_routes
from services.runtime.clock import Clock, utcnow
from services.runtime.logging import get_logger
from services.runtime.settings import Settings, secret_key
from services.runtime.store.engine import build_engine, session_factory

log = get_logger("aftersale.gateway")


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def build_app(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    publisher_factory: PublisherFactory = default_publisher_factory,
    publishers: int = 4,
    engine: Engine | None = None,
) -> Starlette:
    """The gateway for `settings`.

    Reads the shop secrets (:class:`~services.gateway.signing.ShopSecretsError`
    when the file is bad) and the delivery reports file
    (:class:`~services.gateway.reports.config.ReportsConfigError`) and the
    signing key; connects to the broker lazily, on the first publish, with at
    most `publishers` connections. The store is reached through `engine`, else
    through one engine built here for the gateway's life (disposed when it stops).
    """
    shop_secrets = load_shop_secrets(settings.shop_secrets)
    if not shop_secrets:
        log.warning(
            "gateway.no_shop_secrets",
            hint="POST /v1/events refuses every shop until AFTERSALE_SHOP_SECRETS names a file",
        )
    own_engine = engine is None
    # One engine for every route, with room for bursts (Starlette runs 40 request
    # threads), so a burst of order pages cannot starve the intake's replay guard.
    store = build_engine(settings.database_url, connections=20) if engine is None else engine
    gateway = Gateway(
        shop_secrets=shop_secrets,
        secret_key=secret_key(settings),
        public_url=settings.public_url,
        clock=clock,
        pool=PublisherPool(settings.amqp_url, publisher_factory, size=publishers),
        replays=ReplayGuard(store),
        sessions=session_factory(store),
        reports=load_reports_config(settings.delivery_reports),
    )
    document: dict[str, Any] = {}

    async def openapi(_request: Request) -> JSONResponse:
        if not document:
            document.update(openapi_document(gateway.public_url))
        return JSONResponse(document)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        gateway.pool.close()
        if own_engine:
            store.dispose()

    app = Starlette(
        routes=[
            Route("/v1/events", post_events, methods=["POST"]),
            *report_routes(),
            # `:path`: a token with a "/" in it is a bad link (400), not a missing page.
            Route("/u/{token:path}", unsubscribe, methods=["GET", "POST"]),
            Route("/f/{token:path}", survey_answer, methods=["GET"]),
            *order_routes(settings, store, clock=clock),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *metrics_routes(settings, store, clock=clock),
            *board_routes(settings, store, clock=clock),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    return app
