"""Helpers for bench/ingest.py: throwaway vhosts and stores, the event stream, the
in-process ingest harness, statistics.

Nothing here measures anything; it sets the stage and cleans up after it.
"""

from __future__ import annotations

import base64
import contextlib
import cProfile
import json
import math
import random
import shutil
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pika
import psycopg
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from services.ingest.batch import BatchOutcome
from services.ingest.consumer import IngestService
from services.runtime.policies import load_policies

Envelope = dict[str, Any]

# --------------------------------------------------------------------------- broker


@dataclass(frozen=True)
class Management:
    """The RabbitMQ management API, used only to create and delete a throwaway vhost."""

    api: str = "http://127.0.0.1:15672/api"
    user: str = "guest"
    password: str = "guest"
    amqp_host: str = "127.0.0.1"
    amqp_port: int = 5672

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method)
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def amqp_url(self, vhost: str) -> str:
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"amqp://{credentials}@{self.amqp_host}:{self.amqp_port}/{quote(vhost, safe='')}"

    def version(self) -> str:
        return str(self.call("GET", "/overview").get("rabbitmq_version", "?"))


@contextlib.contextmanager
def throwaway_vhost(management: Management) -> Iterator[str]:
    """A fresh vhost with full rights for the management user; deleted afterwards."""
    name = f"aftersale-bench-{uuid.uuid4().hex[:10]}"
    path = quote(name, safe="")
    management.call("PUT", f"/vhosts/{path}", {})
    try:
        rights = {"configure": ".*", "write": ".*", "read": ".*"}
        management.call("PUT", f"/permissions/{path}/{quote(management.user, safe='')}", rights)
        yield management.amqp_url(name)
    finally:
        management.call("DELETE", f"/vhosts/{path}")


def properties(message_id: str) -> pika.BasicProperties:
    """What a shop sends (SPEC section 3): JSON, persistent, message_id = event_id."""
    return pika.BasicProperties(
        content_type="application/json", delivery_mode=2, message_id=message_id
    )


def publish_all(channel: BlockingChannel, exchange: str, items: Sequence[Message]) -> None:
    for item in items:
        channel.basic_publish(exchange, item.routing_key, item.body, properties(item.message_id))


def wait_for_depth(channel: BlockingChannel, queue: str, depth: int, timeout: float) -> None:
    """Poll a queue's ready count until it reaches `depth` (a deadline, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        ready = channel.queue_declare(queue, passive=True).method.message_count
        if ready >= depth:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{queue} holds {ready} of {depth} messages after {timeout}s")
        channel.connection.sleep(0.05)


# --------------------------------------------------------------------------- store


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def throwaway_store(kind: str, pg_url: str) -> Iterator[str]:
    """A fresh, empty store URL: a temporary SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix="aftersale-bench-")
        try:
            yield f"sqlite:///{directory}/bench.db"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    name = f"aftersale_bench_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_url(pg_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(pg_url: str) -> str:
    with psycopg.connect(_pg_admin_url(pg_url)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# --------------------------------------------------------------------------- events

SHOPS = ("shop-42", "shop-7", "shop-1138")
CARRIERS = ("InPost", "DPD", "DHL", "Poczta Polska", "GLS")
PRODUCTS = (
    ("KET-2200-BLK", "Czajnik elektryczny 2200 W", "agd", Decimal("189.99")),
    ("MUG-SET-6", "Zestaw kubków (6 szt.)", "kuchnia", Decimal("79.00")),
    ("SOFA-3-GRY", "Sofa trzyosobowa, szara", "furniture", Decimal("2499.00")),
    ("HDP-BT-200", "Słuchawki Bluetooth", "rtv", Decimal("349.50")),
    ("TWL-BATH-2", "Ręczniki kąpielowe (2 szt.)", "dom", Decimal("59.90")),
)
SUBJECTS = ("Gdzie jest moja paczka?", "Wrong size delivered", "Faktura VAT", "Zmiana adresu")


@dataclass(frozen=True)
class Message:
    routing_key: str
    message_id: str
    body: bytes


def _customer(rng: random.Random, shop: str, number: int) -> dict[str, Any]:
    locale = rng.choice(("pl", "pl", "pl", "en"))
    return {
        "customer_id": f"{shop}-c{number}",
        "email": f"customer{number}@example.pl",
        "phone": f"+48 600 {number % 1000:03d} {number // 1000 % 1000:03d}",
        "name": f"Klient {number}",
        "locale": locale,
        "timezone": "Europe/Warsaw" if locale == "pl" else "Europe/London",
        "marketing_consent": rng.random() < 0.4,
    }


def _placed(rng: random.Random, order_id: str, shop: str, customers: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for sku, name, category, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        total += price * quantity
        items.append(
            {
                "sku": sku,
                "name": name,
                "quantity": quantity,
                "unit_price": str(price),
                "category": category,
            }
        )
    promised = (datetime.now(UTC) + timedelta(days=rng.randint(2, 5))).date().isoformat()
    return {
        "order_id": order_id,
        "customer": _customer(rng, shop, rng.randrange(customers)),
        "items": items,
        "total": str(total),
        "currency": "PLN",
        "promised_delivery_by": promised,
    }


def _shipped(rng: random.Random, order_id: str) -> dict[str, Any]:
    tracking = f"{rng.randrange(10**23, 10**24)}"
    eta = (datetime.now(UTC) + timedelta(days=rng.randint(1, 4))).date().isoformat()
    return {
        "order_id": order_id,
        "carrier": rng.choice(CARRIERS),
        "tracking_number": tracking,
        "tracking_url": f"https://tracking.example/{tracking}",
        "estimated_delivery": eta,
    }


def _ticket(rng: random.Random, ticket_id: str, shop: str, order_id: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ticket_id": ticket_id,
        "customer": _customer(rng, shop, rng.randrange(1000)),
        "channel": rng.choice(("email", "form", "chat", "social")),
        "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
        "subject": rng.choice(SUBJECTS),
    }
    if order_id is not None:
        data["order_id"] = order_id
    return data


def make_stream(count: int, tag: str, seed: int) -> list[Envelope]:
    """`count` distinct, valid envelopes: ~55% order.placed, ~30% order.shipped, ~15%
    ticket.opened. Each order.shipped comes 20–400 places after its order.placed (often in
    a later prefetch window). `occurred_at` is filled in by :func:`encode`."""
    rng = random.Random(seed)
    stream: list[Envelope] = []
    due: dict[int, list[tuple[str, str]]] = {}  # position -> [(shop, order_id)]
    placed: list[tuple[str, str]] = []
    while len(stream) < count:
        position = len(stream)
        for shop, order_id in due.pop(position, []):
            stream.append(
                _envelope(f"{tag}{len(stream)}", "order.shipped", shop, _shipped(rng, order_id))
            )
        if len(stream) >= count:
            break
        shop = rng.choice(SHOPS)
        if placed and rng.random() < 0.2:
            # Most tickets are about an order of that shop; some name none.
            shop, about = rng.choice(placed)
            data = _ticket(
                rng, f"{tag}-T{len(stream)}", shop, about if rng.random() < 0.6 else None
            )
            stream.append(_envelope(f"{tag}{len(stream)}", "ticket.opened", shop, data))
            continue
        order_id = f"{tag}-ORD-{len(stream)}"
        stream.append(
            _envelope(
                f"{tag}{len(stream)}",
                "order.placed",
                shop,
                _placed(rng, order_id, shop, max(count // 4, 1)),
            )
        )
        placed.append((shop, order_id))
        if rng.random() < 0.6:
            due.setdefault(position + rng.randint(20, 400), []).append((shop, order_id))
    return stream[:count]


def _envelope(event_id: str, type_: str, shop: str, data: dict[str, Any]) -> Envelope:
    return {
        "event_id": event_id,
        "type": type_,
        "schema_version": 1,
        "shop_id": shop,
        "occurred_at": None,
        "data": data,
    }


def encode(envelope: Envelope, at: datetime) -> Message:
    """The wire bytes, with `occurred_at` = `at` (UTC, microseconds): the publish stamp."""
    body = dict(envelope, occurred_at=at.isoformat(timespec="microseconds"))
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Message(envelope["type"], envelope["event_id"], raw)


def type_mix(stream: Sequence[Envelope]) -> str:
    counts: dict[str, int] = {}
    for envelope in stream:
        counts[envelope["type"]] = counts.get(envelope["type"], 0) + 1
    return ", ".join(f"{t} {100 * c / len(stream):.0f}%" for t, c in sorted(counts.items()))


# --------------------------------------------------------------------------- ingest harness

#: Seconds any one phase may take before the run is declared failed.
TIMEOUT = 600.0


class Progress:
    """Fed by `IngestService.on_batch` (after each ack): how many recorded, and when acked."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.recorded = 0
        self.rejected = 0
        self.acked_at: dict[str, float] = {}

    def on_batch(self, outcome: BatchOutcome) -> None:
        now = time.time()
        with self._cond:
            self.recorded += outcome.recorded
            self.rejected += len(outcome.dead_letters) + len(outcome.retries)
            for dispatch in outcome.dispatches:
                self.acked_at.setdefault(dispatch.event_id, now)
            self._cond.notify_all()

    def wait_for(self, total: int, alive: Callable[[], bool]) -> float:
        """Block until `total` events are recorded; the perf_counter at that moment."""
        deadline = time.monotonic() + TIMEOUT
        with self._cond:
            while self.recorded < total:
                if self.rejected:
                    raise RuntimeError(f"ingest rejected or parked {self.rejected} events")
                if not alive():
                    raise RuntimeError("the ingest thread stopped")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.recorded} of {total} recorded after {TIMEOUT}s")
                self._cond.wait(0.5)
            return time.perf_counter()


class IngestThread:
    """The real ingest, in-process, in a thread; optionally under cProfile."""

    def __init__(
        self,
        url: str,
        sessions: sessionmaker[Session],
        progress: Progress,
        profiler: cProfile.Profile | None,
        prefetch: int,
    ) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.profiler = profiler
        self.service = IngestService(
            amqp_url=url,
            sessions=sessions,
            policies=load_policies(None),
            prefetch=prefetch,
            on_batch=progress.on_batch,
        )
        self.thread = threading.Thread(target=self._run, name="ingest", daemon=True)

    def _run(self) -> None:
        try:
            if self.profiler is not None:
                self.profiler.runcall(self.service.run, self.stop)
            else:
                self.service.run(self.stop)
        except BaseException as exc:
            self.error = exc

    def alive(self) -> bool:
        return self.thread.is_alive()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        if self.error is not None:
            raise RuntimeError(f"ingest failed: {self.error!r}") from self.error


# --------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
