"""Claim due timers in batches and hand them to their actors.

One store transaction per batch: claim (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several schedulers share the work), publish the firings in one
broker transaction, mark the timers fired, commit. A crash after the publish
and before the commit fires the batch again; handlers check the timer's
version and write their effects once per (timer, version), so nothing happens
twice.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import pika
import pika.exceptions
import structlog
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.runtime import topology
from services.runtime.amqp import serve_with_reconnects
from services.runtime.clock import Clock, utcnow
from services.runtime.heartbeat import Heartbeat
from services.runtime.store import timers
from services.runtime.workers import ActorRef, timer_message
from services.scheduler.routes import TIMER_ROUTES

log = structlog.get_logger("aftersale.scheduler")


@dataclass
class SchedulerStats:
    fired: int = 0
    ticks: int = 0
    unroutable: int = 0


@dataclass
class Scheduler:
    amqp_url: str
    sessions: sessionmaker[Session]
    tick: timedelta = timedelta(seconds=1)
    batch_size: int = 500
    #: How long a claimed timer is reserved for this scheduler's publish.
    lease: timedelta = timedelta(seconds=60)
    queue_type: topology.QueueType = "quorum"
    heartbeat: Heartbeat = field(default_factory=lambda: Heartbeat("scheduler"))
    _returned: list[str] = field(default_factory=list, init=False)
    routes: Mapping[str, ActorRef] = field(default_factory=lambda: dict(TIMER_ROUTES))
    clock: Clock = utcnow
    stats: SchedulerStats = field(default_factory=SchedulerStats)
    ready: threading.Event = field(default_factory=threading.Event)

    def fire_due(self, channel: BlockingChannel) -> int:
        """Fire one batch of due timers; the number taken.

        Lease and commit, publish in one broker transaction, then mark fired:
        no store lock is held while the broker is slow, and a scheduler that
        dies after publishing leaves leases that run out, so the timers fire
        again (handlers act once per timer version).
        """
        now = self.clock()
        with self.sessions.begin() as session:
            due = timers.claim_due(session, now, self.batch_size, self.lease)
            for timer in due:
                if timer.kind not in self.routes:
                    # Keep it visible instead of spinning on it every tick.
                    log.error("timer of unknown kind", kind=timer.kind, timer_id=timer.id)
                    timer.state = "unroutable"
                    self.stats.unroutable += 1
            routable = [(t.id, t.version, t.kind) for t in due if t.kind in self.routes]
        if not due:
            return 0
        self._publish(channel, routable, int(now.timestamp() * 1000))
        with self.sessions.begin() as session:
            timers.mark_fired(session, [(i, v) for i, v, _ in routable], now)
        self.stats.fired += len(routable)
        return len(due)

    def _publish(
        self, channel: BlockingChannel, due: list[tuple[int, int, str]], now_ms: int
    ) -> None:
        returned = self._returned
        returned.clear()
        for timer_id, version, kind in due:
            ref = self.routes[kind]
            message = timer_message(ref.queue, ref.actor, timer_id, version, now_ms)
            channel.basic_publish(
                exchange="",
                routing_key=ref.queue,
                body=message.encode(),
                properties=pika.BasicProperties(delivery_mode=2),
                mandatory=True,
            )
        if due:
            channel.tx_commit()
            channel.connection.process_data_events(time_limit=0)
        if returned:  # a queue vanished: keep the timers pending (leases run out)
            raise pika.exceptions.AMQPError(f"firings returned by the broker: {returned[:3]}")

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop`; reconnect to the broker and wait out the store."""
        serve_with_reconnects(self.amqp_url, "aftersale-scheduler", self._loop, stop)

    def _loop(self, connection: pika.BlockingConnection, stop: threading.Event) -> None:
        channel = connection.channel()
        queues = tuple(sorted({ref.queue for ref in self.routes.values()}))
        topology.declare(channel, queues, self.queue_type)
        channel.tx_select()
        channel.add_on_return_callback(
            lambda _ch, method, _props, _body: self._returned.append(method.routing_key)
        )
        self.ready.set()
        log.info("scheduler running", tick_s=self.tick.total_seconds())
        while not stop.is_set():
            self.stats.ticks += 1
            try:
                fired = self.fire_due(channel)
                self.heartbeat.beat()
            except (OperationalError, InterfaceError) as exc:
                self.heartbeat.beat(ready=False)
                log.error("store unavailable; retrying", error=str(exc).splitlines()[0][:200])
                fired = 0
                connection.sleep(min(5.0, self.tick.total_seconds() * 2))
            if fired < self.batch_size:
                connection.sleep(self.tick.total_seconds())
        self.ready.clear()
