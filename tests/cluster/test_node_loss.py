"""`aftersale up` on a three-node RabbitMQ cluster loses the node that leads
its ingest queue mid-stream: every order still gets exactly one confirmation,
nothing restarts, and the node rejoins when it comes back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.runtime.topology import INGEST_QUEUE
from tests.cli.up_process import free_port, running_up, up_env
from tests.support import factories
from tests.support.cluster import Cluster, FailoverPublisher
from tests.support.polling import wait_until
from tests.support.smtp import Inbox, smtp_sink

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ORDERS = 1000
#: Published before the node is stopped: enough that a slow stop (seconds on a busy
#: machine, while the parts keep working) still lands mid-stream.
BEFORE_THE_LOSS = 900


def confirmations(inbox: Inbox) -> Counter[str]:
    return Counter(str(m["X-Aftersale-Key"]) for m in inbox.of_kind("order_confirmation"))


def test_losing_the_ingest_leader_node_mid_stream_loses_and_doubles_nothing(
    cluster: Cluster, cluster_vhost: str, tmp_path: Path
) -> None:
    def ingest_queue(cluster: Cluster) -> dict[str, Any]:
        return dict(cluster.queues(cluster_vhost)[INGEST_QUEUE])

    urls = cluster.urls_for(cluster_vhost)
    folder = tmp_path / "up"
    folder.mkdir()
    with smtp_sink() as (inbox, smtp_port):
        env = {
            **up_env(urls, folder, free_port()),
            "AFTERSALE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        }
        with running_up(env, folder) as up:
            wait_until(lambda: "ready:" in up.shown(), timeout=120, what="up ready")
            queue = ingest_queue(cluster)
            assert queue["type"] == "quorum"
            assert len(queue["online"]) == 3  # replicated on every node
            events = [factories.order_placed(f"ord-cl{n}") for n in range(ORDERS)]
            publisher = FailoverPublisher(urls)
            for event in events[:BEFORE_THE_LOSS]:
                publisher.publish(event)
            wait_until(lambda: len(confirmations(inbox)) >= 50, timeout=180, what="a first part")
            # Mid-stream: most events still in the queue or in hand when the stop begins.
            assert len(confirmations(inbox)) < BEFORE_THE_LOSS // 2, "the loss came too late"

            leader = cluster.node_named(str(queue["leader"]))
            cluster.stop(leader)
            for event in events[BEFORE_THE_LOSS:]:
                publisher.publish(event)
            wait_until(lambda: len(confirmations(inbox)) >= ORDERS, timeout=600, what="every order")
            assert str(ingest_queue(cluster)["leader"]) != leader.name
            assert up.events("exited; restarting") == []  # every part moved on its own
            assert up.process.poll() is None

            cluster.start(leader)
            cluster.await_started(leader)
            wait_until(
                lambda: cluster.running_nodes() == {node.name for node in cluster.nodes},
                timeout=120,
                what="the node to rejoin",
            )
            wait_until(
                lambda: len(ingest_queue(cluster)["online"]) == 3,
                timeout=120,
                what="the ingest queue's member on the node to come back",
            )
            late = factories.order_placed("ord-cl-after-rejoin")
            publisher.publish(late)
            wait_until(
                lambda: len(confirmations(inbox)) > ORDERS,
                timeout=120,
                what="an order after the rejoin",
            )
            publisher.close()

    sent = confirmations(inbox)
    assert len(sent) == ORDERS + 1
    resent = [key for key, times in sent.items() if times > 1]
    # The deliverer works from the store, not the broker: a node loss resends
    # nothing; at most the one message in flight, under its same Message-ID.
    assert len(resent) <= 1, resent
    for key in resent:
        ids = {m["Message-ID"] for m in inbox.of_kind("order_confirmation")
               if m["X-Aftersale-Key"] == key}  # fmt: skip
        assert len(ids) == 1
