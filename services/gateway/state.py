"""What every request handler needs, built once by `build_app`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from services.gateway.publishing import PublisherPool
from services.gateway.replays import ReplayGuard
from services.gateway.reports.config import ReportsConfig
from services.runtime.clock import Clock

#: Largest body `POST /v1/events` accepts (1 MiB); each event is further
#: limited to 256 KiB by the contract.
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class Gateway:
    shop_secrets: Mapping[str, str]
    secret_key: str
    public_url: str
    clock: Clock
    pool: PublisherPool
    replays: ReplayGuard
    #: The store, for what the gateway writes itself (suppressions).
    sessions: sessionmaker[Session]
    #: Which delivery-report providers may report, and their credentials.
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    max_request_bytes: int = MAX_REQUEST_BYTES
