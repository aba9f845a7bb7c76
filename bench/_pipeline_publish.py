"""Publishing the benchmark's events as a shop would (SPEC section 3), fast enough not
to be what is measured.

pika's BlockingChannel waits for each confirm before the next publish (about 650
messages/s here, below what the pipeline is meant to reach), so this uses pika's
asynchronous SelectConnection: publisher confirms on, mandatory publishes (an unrouted
event is a failure, not a silent loss), and up to `WINDOW` messages in flight, as a
shop's publisher with a bounded buffer would. One connection and one channel keep the
publish order, so an order.shipped never overtakes its order.placed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pika
import pika.channel
import pika.frame
import pika.spec
from _pipeline_events import Planned, encode
from _pipeline_system import BenchFailure

EXCHANGE = "aftersale.events"
#: Messages published but not yet confirmed, at most.
WINDOW = 500
#: How often (in messages) the `check` callback runs.
CHECK_EVERY = 200


class Publisher:
    """Publishes a stream once, as fast as confirms allow or paced at `rate` events/s.

    `published[event_id]` is the Unix time the event was handed to the client library
    (its `occurred_at` says the same), the start of its publish→accepted latency.
    """

    def __init__(
        self,
        amqp_url: str,
        stream: Sequence[Planned],
        rate: float | None = None,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self.url = amqp_url
        self.stream = stream
        self.rate = rate
        self.check = check
        self.published: dict[str, float] = {}
        self.error: str | None = None
        self._next_index = 0
        self._pending: dict[int, str] = {}  # delivery tag → event id, ascending
        self._tag = 0
        self._started = 0.0
        self._scheduled = False
        self._channel: pika.channel.Channel | None = None
        self._connection: pika.SelectConnection | None = None

    def run(self) -> dict[str, float]:
        """Publish everything and wait for every confirm; raise BenchFailure if not."""
        self._connection = pika.SelectConnection(
            pika.URLParameters(self.url),
            on_open_callback=self._on_open,
            on_open_error_callback=lambda _c, exc: self._fail(f"cannot connect: {exc!r}"),
            on_close_callback=lambda _c, _exc: self._stop_loop(),
        )
        self._connection.ioloop.start()
        if self.error is not None:
            raise BenchFailure(f"publishing failed: {self.error}")
        if self._pending or len(self.published) < len(self.stream):
            raise BenchFailure(f"published {len(self.published)} of {len(self.stream)} events")
        return self.published

    # ------------------------------------------------------------------ connection

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: pika.channel.Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirming)

    def _on_confirming(self, _frame: pika.frame.Method) -> None:
        self._started = time.monotonic()
        self._pump()

    def _on_channel_closed(self, _channel: pika.channel.Channel, reason: Exception) -> None:
        if self.error is None and (self._pending or self._next_index < len(self.stream)):
            self.error = f"the channel closed: {reason!r}"
        self._close()

    def _fail(self, error: str) -> None:
        if self.error is None:
            self.error = error
        self._close()

    def _close(self) -> None:
        connection = self._connection
        if connection is not None and connection.is_open:
            connection.close()
        elif connection is not None and connection.is_closed:
            self._stop_loop()

    def _stop_loop(self) -> None:
        if self._connection is not None:
            self._connection.ioloop.stop()

    # ------------------------------------------------------------------ publishing

    def _pump(self) -> None:
        """Publish what is due and fits in the window; come back when more is."""
        self._scheduled = False
        channel = self._channel
        if channel is None or self.error is not None:
            return
        now = time.monotonic()
        while self._next_index < len(self.stream) and len(self._pending) < WINDOW:
            if self.rate is not None and self._due(self._next_index) > now:
                self._schedule(self._due(self._next_index) - now)
                return
            self._publish(channel, self.stream[self._next_index])
            self._next_index += 1
            if self._next_index % CHECK_EVERY == 0:
                try:
                    self.check()
                except BenchFailure as exc:
                    self._fail(str(exc))
                    return
                now = time.monotonic()
        # Otherwise the window is full (a confirm calls _pump again) or all is out.
        self._maybe_done()

    def _due(self, index: int) -> float:
        assert self.rate is not None
        return self._started + index / self.rate

    def _schedule(self, delay: float) -> None:
        if not self._scheduled and self._connection is not None:
            self._scheduled = True
            self._connection.ioloop.call_later(max(0.0, delay), self._pump)

    def _publish(self, channel: pika.channel.Channel, planned: Planned) -> None:
        now = time.time()
        body = encode(planned, datetime.fromtimestamp(now, UTC))
        properties = pika.BasicProperties(
            content_type="application/json", delivery_mode=2, message_id=planned.event_id
        )
        channel.basic_publish(EXCHANGE, planned.type, body, properties, mandatory=True)
        self._tag += 1
        self._pending[self._tag] = planned.event_id
        self.published[planned.event_id] = now

    def _on_confirm(self, frame: pika.frame.Method) -> None:
        method: Any = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            self._fail(f"the broker refused (nack) delivery tag {method.delivery_tag}")
            return
        tag = int(method.delivery_tag)
        if method.multiple:
            for pending in [t for t in self._pending if t <= tag]:
                del self._pending[pending]
        else:
            self._pending.pop(tag, None)
        if self._scheduled:
            self._maybe_done()
        else:
            self._pump()

    def _on_return(
        self,
        _channel: pika.channel.Channel,
        _method: Any,
        properties: pika.BasicProperties,
        _body: bytes,
    ) -> None:
        self._fail(
            f"{EXCHANGE} routed event {properties.message_id} to no queue: the topology is missing"
        )

    def _maybe_done(self) -> None:
        if self._next_index >= len(self.stream) and not self._pending:
            self._close()
