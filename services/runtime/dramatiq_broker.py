"""dramatiq's RabbitMQ broker, declaring its queues as the topology does.

dramatiq has no option for a queue's type: this subclass declares each queue,
its `.DQ` and `.XQ`, with dramatiq's own names and arguments plus the
installation's queue type (`services.runtime.topology.worker_queues`), so the
workers and the ingest, which declares the same queues, always agree.
"""

from __future__ import annotations

from typing import Any

from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import dq_name, xq_name

from services.runtime.amqp import broker_urls
from services.runtime.topology import QueueType, worker_queues


class TopologyBroker(RabbitmqBroker):
    """A `RabbitmqBroker` for one or several node URLs (a cluster: pika tries
    them in order on every connect) whose queues follow the topology."""

    def __init__(self, url: str, *, queue_type: QueueType = "quorum", **options: Any) -> None:
        urls = broker_urls(url)
        super().__init__(url=urls if len(urls) > 1 else urls[0], **options)
        self.queue_type: QueueType = queue_type

    def _arguments(self, canonical: str, name: str) -> dict[str, Any]:
        specs = {spec.name: spec for spec in worker_queues(canonical, self.queue_type)}
        return specs[name].arguments

    def _declare_queue(self, queue_name: str) -> Any:
        arguments = self._arguments(queue_name, queue_name)
        return self.channel.queue_declare(queue=queue_name, durable=True, arguments=arguments)

    def _declare_dq_queue(self, queue_name: str) -> Any:
        name = dq_name(queue_name)
        arguments = self._arguments(queue_name, name)
        return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)

    def _declare_xq_queue(self, queue_name: str) -> Any:
        name = xq_name(queue_name)
        arguments = self._arguments(queue_name, name)
        return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)
