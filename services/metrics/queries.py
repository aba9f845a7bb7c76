"""The store's figures behind the metrics: aggregate queries, one each, cheap to run.

Durations (delivery latency, timer lateness) are taken over the last hour only:
a bounded number of rows, bucketed in Python the same way on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.domain.sla import breach_subject
from services.runtime.store import suppressions
from services.runtime.store.models import EventRecord, Notification, Timer

#: How far back the duration distributions look.
WINDOW = timedelta(hours=1)
#: Upper bounds (seconds) of the histogram buckets; +Inf is added.
LATENCY_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
LATENESS_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass
class Distribution:
    """Observations bucketed: cumulative counts per upper bound, and their sum."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe_all(self, values: Iterable[float]) -> Distribution:
        for value in values:
            value = max(value, 0.0)
            self.counts[bisect_left(self.bounds, value)] += 1
            self.total += value
        return self

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, count) pairs, +Inf last, as a Prometheus histogram has them."""
        out: list[tuple[str, int]] = []
        running = 0
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            out.append(("+Inf" if bound == float("inf") else repr(bound), running))
        return out


@dataclass
class StoreFigures:
    events_by_type: dict[str, int]
    notifications: dict[tuple[str, str, str], int]
    sla_breaches: dict[str, int]
    timers_pending: dict[str, int]
    delivery_latency: Distribution
    timer_lateness: Distribution
    #: Addresses on the suppression list, by reason (every reason, zeros too).
    suppressed_addresses: dict[str, int] = field(default_factory=dict)


def _seconds(pairs: Sequence[tuple[datetime | None, datetime | None]]) -> list[float]:
    return [(end - start).total_seconds() for start, end in pairs if start and end]


def store_figures(session: Session, now: datetime) -> StoreFigures:
    """Every store figure of a scrape, in seven queries."""
    events = {
        str(kind): int(n)
        for kind, n in session.execute(
            select(EventRecord.type, func.count()).group_by(EventRecord.type)
        )
    }
    notifications = {
        (str(kind), str(channel), str(status)): int(n)
        for kind, channel, status, n in session.execute(
            select(
                Notification.kind, Notification.channel, Notification.status, func.count()
            ).group_by(Notification.kind, Notification.channel, Notification.status)
        )
    }
    # A breach is an `sla_breach` timer that fired: subject `T#1` at the
    # target (level 1), `T#2` at the hard limit (level 2). One per ticket and
    # level, whatever the number of staff targets alerted.
    level_of = case((Timer.subject_id.like("%" + breach_subject("", 2)), "2"), else_="1")
    breaches = {"1": 0, "2": 0}
    for level, n in session.execute(
        select(level_of, func.count())
        .where(Timer.kind == "sla_breach", Timer.state == "fired")
        .group_by(level_of)
    ):
        breaches[str(level)] = int(n)
    pending = {
        str(kind): int(n)
        for kind, n in session.execute(
            select(Timer.kind, func.count()).where(Timer.state == "pending").group_by(Timer.kind)
        )
    }
    since = now - WINDOW
    sent = session.execute(
        select(Notification.created_at, Notification.sent_at).where(
            Notification.sent_at.is_not(None), Notification.sent_at >= since
        )
    ).all()
    fired = session.execute(
        select(Timer.due_at, Timer.fired_at).where(
            Timer.state == "fired", Timer.fired_at.is_not(None), Timer.fired_at >= since
        )
    ).all()
    return StoreFigures(
        events_by_type=events,
        notifications=notifications,
        sla_breaches=breaches,
        timers_pending=pending,
        delivery_latency=Distribution(LATENCY_BUCKETS).observe_all(
            _seconds([(a, b) for a, b in sent])
        ),
        timer_lateness=Distribution(LATENESS_BUCKETS).observe_all(
            _seconds([(a, b) for a, b in fired])
        ),
        suppressed_addresses=suppressions.counts(session),
    )
