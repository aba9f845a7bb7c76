"""`GET /metrics` on the gateway: the store and broker figures, and the workers'.

The workers' figures are dramatiq's Prometheus middleware's, written by every
worker process of this machine into the multi-process directory
(:func:`services.metrics.workers.worker_metrics_dir`) and read here at each
scrape: run a gateway (or point a scraper at one) on each machine that runs
workers. The endpoint is open, like most metrics endpoints; it shows figures
only, no personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.metrics.collector import AftersaleCollector
from services.metrics.workers import worker_metrics_dir
from services.runtime.clock import Clock, utcnow
from services.runtime.settings import Settings


class WorkerMetrics:
    """dramatiq's metrics from the multi-process directory, when there are any."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        if not self.directory.is_dir() or not any(self.directory.glob("*.db")):
            return iter(())
        reader: Any = MultiProcessCollector  # untyped in prometheus_client
        return iter(reader(None, path=str(self.directory)).collect())


def metrics_registry(
    settings: Settings, engine: Engine, clock: Clock = utcnow
) -> CollectorRegistry:
    """The store is read through `engine`: the gateway's, one for every route."""
    registry = CollectorRegistry()
    registry.register(AftersaleCollector(settings, engine, clock))
    registry.register(WorkerMetrics(worker_metrics_dir()))
    return registry


def metrics_routes(settings: Settings, engine: Engine, *, clock: Clock = utcnow) -> list[Route]:
    """The route to add to the gateway."""
    registry = metrics_registry(settings, engine, clock)

    def metrics(_request: Request) -> Response:  # sync: Starlette runs it in a thread
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
