"""Two of each part, run separately (`aftersale ingest|worker|scheduler|deliverer`),
on the cluster and PostgreSQL: a burst of 10,000 events gives every customer
exactly one confirmation, and every timer fires once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.runtime.store.engine import build_engine, read_session_factory
from services.runtime.store.migrate import upgrade
from services.runtime.store.models import Timer
from tests.support import factories
from tests.support.cluster import Cluster, FailoverPublisher
from tests.support.polling import wait_until
from tests.support.services import Postgres
from tests.support.smtp import smtp_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

#: The burst; AFTERSALE_TEST_BURST makes it smaller for a quick look.
EVENTS = int(os.environ.get("AFTERSALE_TEST_BURST", "10000"))
TICKETS = EVENTS // 20
ORDERS = EVENTS - TICKETS
PARTS = ("ingest", "worker", "scheduler", "deliverer")
#: Each ticket's reply clock: a warning, then a breach at the target and one at
#: the hard limit (seconds, so all of them fall due during the test).
POLICIES = """
[sla.email]
first_response = "4s"
hard_limit = "8s"
warn_before = "2s"

[escalation]
repeat_every = "7d"
"""


@contextmanager
def two_of_each(env: dict[str, str], folder: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    logs = {}
    try:
        for part in PARTS:
            for n in (1, 2):
                logs[(part, n)] = log = folder / f"{part}-{n}.log"
                with log.open("wb") as sink:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "services.cli.main", part],
                            cwd=folder,
                            env={**env, "AFTERSALE_HEALTH_DIR": str(health_dir(folder, n))},
                            stdout=sink,
                            stderr=sink,
                        )
                    )
        yield processes
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for (part, n), process in zip(logs, processes, strict=True):
            code = process.wait(timeout=90)
            assert code == 0, f"{part} {n} exited {code}: {logs[(part, n)].read_text()[-3000:]}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def health_dir(folder: Path, n: int) -> Path:
    """Process `n` of each part writes its heartbeats here (as in its own pod)."""
    return folder / f"health-{n}"


def ready(part: str, n: int, env: dict[str, str], folder: Path) -> bool:
    """Process `n` of `part` is connected and working (its first heartbeat
    comes after it declared the topology and began to consume)."""
    probe = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "probe", part, "--ready"],
        env={**env, "AFTERSALE_HEALTH_DIR": str(health_dir(folder, n))},
        capture_output=True, timeout=60,
    )  # fmt: skip
    return probe.returncode == 0


def with_customer(event: dict[str, Any], n: int) -> dict[str, Any]:
    event["data"]["customer"] = factories.customer(f"c-m{n}", email=f"customer{n}@example.com")
    return event


class Tally:
    """An SMTP server's handler that keeps only each message's kind and key: at
    14,000 messages, parsing each one whole in this process (as the tests' Inbox
    does) would take the CPU the parts under test need."""

    def __init__(self) -> None:
        self.kinds: dict[str, Counter[str]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        content = envelope.content
        kind, key = (re.search(rb"^X-Aftersale-%s: *(.+?)\r?$" % name, content, re.M | re.I)
                     for name in (b"Kind", b"Key"))  # fmt: skip
        assert kind is not None and key is not None, content[:500]
        with self.lock:
            self.kinds.setdefault(kind[1].decode(), Counter())[key[1].decode()] += 1
        return "250 OK"

    def count(self, kind: str) -> int:
        with self.lock:
            return len(self.kinds.get(kind, ()))


@contextmanager
def smtp_tally() -> Iterator[tuple[Tally, int]]:
    tally = Tally()
    with smtp_server(tally) as port:
        yield tally, port


def test_two_of_each_part_handle_a_burst_once(
    cluster: Cluster, cluster_vhost: str, postgres: Postgres, tmp_path: Path
) -> None:
    database_url = postgres.create_database()
    upgrade(database_url)
    policies = tmp_path / "policies.toml"
    policies.write_text(POLICIES)
    engine = build_engine(database_url)
    readers = read_session_factory(engine)

    def timers(*where: object) -> int:
        with readers() as session:
            return int(session.scalar(select(func.count()).select_from(Timer).where(*where)))

    try:
        with smtp_tally() as (tally, smtp_port):
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("AFTERSALE_")},
                "AFTERSALE_AMQP_URL": cluster.urls_for(cluster_vhost),
                "AFTERSALE_DATABASE_URL": database_url,
                "AFTERSALE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                "AFTERSALE_POLICIES": str(policies),
                "AFTERSALE_SECRET_KEY": "many-processes",
                "AFTERSALE_SCHEDULER_TICK": "0.2s",
                "AFTERSALE_LOG_FORMAT": "json",
                "AFTERSALE_LOG_LEVEL": "warning",
            }
            with two_of_each(env, tmp_path):
                for part in PARTS:  # every one connected and working
                    for n in (1, 2):
                        wait_until(
                            lambda part=part, n=n: ready(part, n, env, tmp_path),
                            timeout=120,
                            what=f"{part} {n} ready",
                        )
                publisher = FailoverPublisher(cluster.urls_for(cluster_vhost))
                for n in range(ORDERS):  # every order its own customer, as in a real burst
                    publisher.publish(with_customer(factories.order_placed(f"ord-m{n}"), n))
                for n in range(TICKETS):
                    publisher.publish(with_customer(factories.ticket_opened(f"tkt-m{n}"), n))
                publisher.close()

                def done() -> bool:
                    return (
                        tally.count("order_confirmation") >= ORDERS
                        and tally.count("sla_warning") >= TICKETS
                        and tally.count("sla_breach") >= 2 * TICKETS
                    )

                wait_until(done, timeout=900, interval=1.0, what="every email of the burst")
                wait_until(
                    lambda: timers(Timer.state == "pending", Timer.kind != "sla_reminder") == 0,
                    timeout=60,
                    what="every timer fired",
                )
    finally:
        engine.dispose()
        postgres.drop_database(database_url)

    kinds = tally.kinds
    assert len(kinds["order_confirmation"]) == ORDERS
    assert len(kinds["sla_warning"]) == TICKETS
    assert len(kinds["sla_breach"]) == 2 * TICKETS  # level 1 at the target, 2 at the limit
    resent = [key for counts in kinds.values() for key, times in counts.items() if times > 1]
    # Each deliverer may resend the one message it had in hand at its stop.
    assert len(resent) <= 2, resent[:10]
