"""A plain urllib client for the gateway tests, and a look into the ingest queue."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pika

from services.gateway.signing import sign_body
from services.runtime.topology import INGEST_QUEUE

SHOP = "shop-42"
SECRET = "s3cret-of-shop-42"


@dataclass
class Reply:
    """Header names in lower case."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return Reply(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, _lower(error.headers.items()), error.read())


def signed_headers(
    body: bytes, *, shop: str = SHOP, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "X-Aftersale-Shop": shop,
        "X-Aftersale-Timestamp": str(stamp),
        "X-Aftersale-Signature": sign_body(secret, stamp, body),
    }


def post_events(base_url: str, body: bytes | Iterable[bytes], headers: dict[str, str]) -> Reply:
    return request(f"{base_url}/v1/events", method="POST", body=body, headers=headers)


@dataclass
class Delivered:
    routing_key: str
    message_id: str | None
    content_type: str | None
    delivery_mode: int | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def take_ingest(amqp_url: str) -> list[Delivered]:
    """Every message waiting in `aftersale.ingest`, with its routing key (acked)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        taken: list[Delivered] = []
        while True:
            method, properties, body = channel.basic_get(INGEST_QUEUE, auto_ack=True)
            if method is None:
                return taken
            taken.append(
                Delivered(
                    method.routing_key,
                    properties.message_id,
                    properties.content_type,
                    properties.delivery_mode,
                    body,
                )
            )
    finally:
        connection.close()
