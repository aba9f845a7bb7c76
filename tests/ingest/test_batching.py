"""At a steady trickle the ingest gathers events into batches bounded by age,
so the workers get a few large messages rather than one per broker delivery."""

from __future__ import annotations

import time

from services.ingest.consumer import BATCH_MAX_AGE_SECONDS
from services.publishing.publisher import EventPublisher
from tests.support import factories
from tests.support.ingest import running_ingest
from tests.support.polling import wait_until


def test_a_steady_trickle_is_recorded_in_batches_bounded_by_age(
    amqp_url: str, database_url: str
) -> None:
    events, rate = 100, 100.0  # one second of a shop platform's ordinary traffic
    with running_ingest(amqp_url, database_url) as ingest:
        with EventPublisher(amqp_url) as publisher:
            started = time.monotonic()
            for n in range(events):
                # Pacing the publisher (a rate, not a synchronisation).
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                publisher.publish_event(factories.order_placed(f"ord-trickle-{n}"))
            publishing = time.monotonic() - started
        wait_until(lambda: ingest.recorded() == events, timeout=60, what="every event")
        batches = ingest.service.stats.batches
    # Each batch lasts about its maximum age; one per broker delivery (or per
    # handled batch) would be dozens.
    most = int(publishing / BATCH_MAX_AGE_SECONDS) + 3
    assert 2 <= batches <= most, (batches, most)
