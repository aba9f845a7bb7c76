"""Queue figures: ready and consumers through AMQP (passive declares, no plugin
needed); unacked and rates through the management API when it answers."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions

from services.runtime import topology
from services.runtime.amqp import broker_urls, connect


@dataclass
class QueueFigures:
    name: str
    exists: bool
    ready: int = 0
    consumers: int = 0
    unacked: int | None = None
    publish_rate: float | None = None
    deliver_rate: float | None = None


def system_queues(worker_queues: tuple[str, ...]) -> list[str]:
    names = [spec.name for spec in topology.core_queues()]
    for queue in worker_queues:
        names += [spec.name for spec in topology.worker_queues(queue)]
    return names


def read_queues(amqp_url: str, names: list[str]) -> list[QueueFigures]:
    """Passive declares: a missing queue is reported, never created."""
    figures: list[QueueFigures] = []
    connection = connect(amqp_url, name="aftersale-status")
    try:
        channel = connection.channel()
        for name in names:
            try:
                method = channel.queue_declare(name, passive=True).method
                figures.append(
                    QueueFigures(name, True, method.message_count, method.consumer_count)
                )
            except pika.exceptions.ChannelClosedByBroker:
                figures.append(QueueFigures(name, False))
                channel = connection.channel()
    finally:
        if connection.is_open:
            connection.close()
    return figures


def management_base(amqp_url: str, explicit: str | None) -> str:
    if explicit:
        return explicit.rstrip("/")
    host = urllib.parse.urlsplit(amqp_url).hostname or "localhost"
    return f"http://{host}:15672"


def add_management_figures(
    amqp_url: str, figures: list[QueueFigures], management_url: str | None = None
) -> bool:
    """Fill unacked and rates from the management API (of the first node of a
    cluster whose API answers); False when none does."""
    for node in broker_urls(amqp_url):
        listing = _management_listing(node, management_url)
        if listing is not None:
            break
    else:
        return False
    by_name = {item["name"]: item for item in listing}
    for figure in figures:
        item = by_name.get(figure.name)
        if item is None:
            continue
        figure.unacked = int(item.get("messages_unacknowledged", 0))
        stats = item.get("message_stats", {})
        figure.publish_rate = stats.get("publish_details", {}).get("rate")
        figure.deliver_rate = stats.get("deliver_get_details", {}).get("rate")
    return True


def _management_listing(node_url: str, management_url: str | None) -> list[dict[str, Any]] | None:
    parts = urllib.parse.urlsplit(node_url)
    vhost = urllib.parse.unquote(parts.path[1:]) if parts.path not in ("", "/") else "/"
    token = base64.b64encode(
        f"{urllib.parse.unquote(parts.username or 'guest')}:"
        f"{urllib.parse.unquote(parts.password or 'guest')}".encode()
    ).decode()
    base = management_base(node_url, management_url)
    url = f"{base}/api/queues/{urllib.parse.quote(vhost, safe='')}"
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            listing: list[dict[str, Any]] = json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return listing
