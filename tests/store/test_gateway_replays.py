"""The gateway's replay guard in the store: shared, race-free, and cleaned up cheaply."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from services.gateway.auth import TOLERANCE_SECONDS, Caller, Unauthorized
from services.gateway.replays import CLOCK_MARGIN_SECONDS, ReplayGuard
from services.runtime.store.engine import build_engine
from services.runtime.store.models import GatewayReplay

NOW = 1_795_000_000


def caller(number: int = 1, *, timestamp: int = NOW, shop: str = "shop-42") -> Caller:
    return Caller(shop, "secret", str(timestamp), f"sha256={number:064x}")


def rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(GatewayReplay)) or 0)


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """Several engines on one store, as several gateway processes would have."""
    built = [build_engine(database_url) for _ in range(4)]
    yield built
    for engine in built:
        engine.dispose()


def test_a_signature_is_admitted_once_by_any_guard(engines: list[Engine]) -> None:
    first, second = ReplayGuard(engines[0]), ReplayGuard(engines[1])

    first.admit(caller(), NOW)
    with pytest.raises(Unauthorized, match="replayed") as refused:
        second.admit(caller(), NOW)
    with pytest.raises(Unauthorized):
        first.admit(caller(), NOW)

    assert refused.value.code == "replayed"
    second.admit(caller(shop="shop-7"), NOW)  # the same signature of another shop is another
    second.admit(caller(2), NOW)
    upper = Caller("shop-42", "secret", str(NOW), f"SHA256={1:064X}")
    with pytest.raises(Unauthorized):  # the hex is compared without regard to case
        second.admit(upper, NOW)


def test_concurrent_gateways_admit_a_request_exactly_once(engines: list[Engine]) -> None:
    guards = [ReplayGuard(engine) for engine in engines]
    start = threading.Barrier(len(guards))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(guard: ReplayGuard) -> None:
        start.wait()
        try:
            guard.admit(caller(), NOW)
            outcome = "admitted"
        except Unauthorized as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(guard,)) for guard in guards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["admitted"] + ["replayed"] * (len(guards) - 1)


def test_forgetting_allows_the_request_again(engines: list[Engine]) -> None:
    guard = ReplayGuard(engines[0])
    guard.admit(caller(), NOW)

    ReplayGuard(engines[1]).forget(caller())

    guard.admit(caller(), NOW)
    assert rows(engines[0]) == 1


def test_a_sweep_deletes_only_rows_past_their_window_and_a_bounded_number(
    engines: list[Engine],
) -> None:
    guard = ReplayGuard(engines[0], sweep_every=10_000, sweep_batch=3)
    for number in range(5):  # windows over long ago
        guard.admit(caller(number, timestamp=NOW - 3600), NOW - 3600)
    # Over for this gateway's clock, but not for one up to the margin behind.
    guard.admit(caller(10, timestamp=NOW - TOLERANCE_SECONDS - CLOCK_MARGIN_SECONDS + 5), NOW)
    guard.admit(caller(11), NOW)

    assert guard.sweep(NOW) == 3
    assert guard.sweep(NOW) == 2
    assert guard.sweep(NOW) == 0
    assert rows(engines[0]) == 2
    with pytest.raises(Unauthorized):
        ReplayGuard(engines[1]).admit(caller(10, timestamp=NOW - 595), NOW)


def test_admissions_sweep_now_and_then(engines: list[Engine]) -> None:
    guard = ReplayGuard(engines[0], sweep_every=4, sweep_batch=100)
    for number in range(3):
        guard.admit(caller(number, timestamp=NOW - 3600), NOW - 3600)
    assert rows(engines[0]) == 3  # the first admission swept an empty table

    for number in range(3, 5):
        guard.admit(caller(number), NOW)

    assert rows(engines[0]) == 2  # the fifth admission swept the three old ones
