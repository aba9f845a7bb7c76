"""No signed request is admitted twice, by any gateway: the guard lives in the store.

A request's signature covers its timestamp, and a timestamp is accepted for
±:data:`~services.gateway.auth.TOLERANCE_SECONDS`; so remembering each
admitted signature until its timestamp has left the window is enough. One
row per admitted request (``gateway_replays``, unique per shop and signature
digest): the insert that finds the row already there is the replay. Every
gateway on the store shares the rows, and they outlive a restart.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from services.gateway.auth import TOLERANCE_SECONDS, Caller, Unauthorized
from services.runtime.errors import describe_failure
from services.runtime.logging import get_logger
from services.runtime.store.models import GatewayReplay

log = get_logger("aftersale.gateway")

#: One admission in this many also deletes expired rows (the first one too).
SWEEP_EVERY = 64
#: At most this many rows deleted per sweep, so a sweep is always short.
SWEEP_BATCH = 1000
#: Rows stay this much longer than their window (seconds): another gateway
#: whose clock is behind still finds them.
CLOCK_MARGIN_SECONDS = TOLERANCE_SECONDS

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class ReplayStoreUnavailable(Exception):
    """The store cannot say whether a request is new: answer 503, let the shop retry."""


def _shop(caller: Caller) -> str:
    # The column holds what the contract allows (128); a longer id from the
    # secrets file is cut, harmlessly: the signature digest alone is unique.
    return caller.shop_id[:128]


def _digest(caller: Caller) -> str:
    # Our scheme: the signature (it covers the timestamp; hex, any case); Standard
    # Webhooks: the webhook-id, as sent (ids are case-sensitive).
    key = caller.replay_key if caller.webhook_id else caller.signature.strip().lower()
    return hashlib.sha256(key.encode()).hexdigest()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class ReplayGuard:
    """Admits each signed request once across every gateway on `engine`; thread-safe.

    Parameters:
        engine: the gateway's one engine (on the store the other gateways use).
        sweep_every: one admission in this many deletes expired rows.
        sweep_batch: at most this many rows per sweep.
    """

    def __init__(
        self, engine: Engine, *, sweep_every: int = SWEEP_EVERY, sweep_batch: int = SWEEP_BATCH
    ) -> None:
        dialect = engine.dialect.name
        if dialect not in _INSERTS:
            raise ValueError(f"the replay guard needs SQLite or PostgreSQL, not {dialect}")
        self._engine = engine
        self._insert = _INSERTS[dialect]
        self._sweep_every = sweep_every
        self._sweep_batch = sweep_batch
        self._admissions = itertools.count()
        self._lock = threading.Lock()

    def admit(self, caller: Caller, now: float) -> None:
        """Remember the request; :class:`Unauthorized` ("replayed") when already seen.

        Raises:
            Unauthorized: the same signed request was admitted before (by any gateway).
            ReplayStoreUnavailable: the store cannot be asked; nothing was recorded.
        """
        statement = (
            self._insert(GatewayReplay)
            .values(
                shop_id=_shop(caller),
                signature_digest=_digest(caller),
                expires_at=_at(int(caller.timestamp) + TOLERANCE_SECONDS),
            )
            .on_conflict_do_nothing(index_elements=["shop_id", "signature_digest"])
            # RETURNING, not rowcount: psycopg reports no count for this insert.
            .returning(GatewayReplay.id)
        )
        try:
            with self._engine.begin() as connection:
                inserted = connection.execute(statement).first() is not None
        except SQLAlchemyError as exc:
            log.warning("gateway.replay_store_unavailable", error=describe_failure(exc))
            raise ReplayStoreUnavailable(describe_failure(exc)) from exc
        if not inserted:
            raise Unauthorized(
                "replayed",
                "replayed: this exact signed request was already received; "
                "sign a retry with a new timestamp",
            )
        with self._lock:
            due = next(self._admissions) % self._sweep_every == 0
        if due:
            self.sweep(now)

    def forget(self, caller: Caller) -> None:
        """Allow the same request again (it was not acted upon); best effort."""
        statement = delete(GatewayReplay).where(
            GatewayReplay.shop_id == _shop(caller),
            GatewayReplay.signature_digest == _digest(caller),
        )
        try:
            with self._engine.begin() as connection:
                connection.execute(statement)
        except SQLAlchemyError as exc:  # the shop then signs its retry anew
            log.warning("gateway.replay_forget_failed", error=describe_failure(exc))

    def sweep(self, now: float) -> int:
        """Delete up to `sweep_batch` rows whose window (plus margin) is over; how many."""
        expired = (
            select(GatewayReplay.id)
            .where(GatewayReplay.expires_at < _at(now - CLOCK_MARGIN_SECONDS))
            .order_by(GatewayReplay.expires_at)
            .limit(self._sweep_batch)
        )
        try:
            with self._engine.begin() as connection:
                result = connection.execute(
                    delete(GatewayReplay).where(GatewayReplay.id.in_(expired.scalar_subquery()))
                )
        except SQLAlchemyError as exc:  # the next sweep tries again
            log.warning("gateway.replay_sweep_failed", error=describe_failure(exc))
            return 0
        return int(result.rowcount)
