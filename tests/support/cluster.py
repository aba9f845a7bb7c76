"""A private three-node RabbitMQ cluster on free ports, for the scale-out tests.

The nodes run this machine's RabbitMQ (`/usr/lib/rabbitmq/bin`) as the test's
user, with their own names, ports, data and logs in a temporary folder and a
cookie of their own; the machine's broker on 5672 is never touched. Where
RabbitMQ is not installed the tests skip, and fail under `CI=true`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pika.exceptions

from services.publishing.publisher import EventPublisher
from tests.cli.up_process import free_port
from tests.support.services import unavailable

RABBITMQ_BIN = Path(os.environ.get("AFTERSALE_TEST_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


@dataclass
class Node:
    index: int
    port: int
    dist_port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"aftersale-test-{self.index}-{self.port}@localhost"

    @property
    def url(self) -> str:
        return self.url_for("/")

    def url_for(self, vhost: str) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{quote(vhost, safe='')}"


@dataclass
class Cluster:
    folder: Path
    nodes: list[Node] = field(default_factory=list)

    @property
    def urls(self) -> str:
        """`AFTERSALE_AMQP_URL` for the whole cluster: every node, comma-separated."""
        return self.urls_for("/")

    def urls_for(self, vhost: str) -> str:
        return ",".join(node.url_for(vhost) for node in self.nodes)

    def create_vhost(self) -> str:
        """A new virtual host (replicated to every node) that guest may use."""
        vhost = f"aftersale-test-{uuid.uuid4().hex[:10]}"
        alive = self.alive()
        self.ctl(alive, "add_vhost", vhost)
        self.ctl(alive, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        return vhost

    def delete_vhost(self, vhost: str) -> None:
        self.ctl(self.alive(), "delete_vhost", vhost)

    def alive(self) -> Node:
        return next(n for n in self.nodes if n.process and n.process.poll() is None)

    def ensure_all_running(self) -> None:
        """Start again any node a test stopped, and wait until it is back in."""
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                self.start(node)
                self.await_started(node)

    # -- the command line tools, with the cluster's cookie and no machine config

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.folder / "home"),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def ctl(self, node: Node, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", node.name, *args],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {node.name}: {done.stderr}")
        return done.stdout

    # -- nodes

    def start(self, node: Node) -> None:
        config = node.folder / "rabbitmq.conf"
        config.write_text(
            f"listeners.tcp.default = 127.0.0.1:{node.port}\n"
            # The nodes stand in for separate machines; keep them small.
            "vm_memory_high_watermark.relative = 0.2\n"
        )
        env = {
            **self._env(),
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_PORT": str(node.port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_MNESIA_BASE": str(node.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(node.folder / "rabbitmq"),
            # No plugins: the management plugin would want the machine broker's 15672.
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        with (node.folder / "server.out").open("ab") as out:
            node.process = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")],
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def await_started(self, node: Node, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert node.process is not None
            if node.process.poll() is not None:
                raise RuntimeError(
                    f"{node.name} exited: {(node.folder / 'server.out').read_text()[-2000:]}"
                )
            try:
                self.ctl(node, "await_startup", "--timeout", "10", timeout=30)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self, node: Node) -> None:
        """Stop the node as an operator does (its connections close; it leaves
        the running set, its data stays for a restart)."""
        self.ctl(node, "stop")
        assert node.process is not None
        node.process.wait(timeout=60)

    def running_nodes(self) -> set[str]:
        status = json.loads(self.ctl(self.alive(), "cluster_status", "--formatter", "json"))
        return set(status["running_nodes"])

    def queues(self, vhost: str = "/") -> dict[str, dict[str, object]]:
        """Every queue of `vhost` with its type, leader and online members."""
        listed = self.ctl(
            self.alive(), "list_queues", "-p", vhost, "name", "type", "leader", "members",
            "online", "messages", "--formatter", "json",
        )  # fmt: skip
        return {queue["name"]: queue for queue in json.loads(listed)}

    def node_named(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def kill_all(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGKILL)
                node.process.wait(timeout=30)


@contextlib.contextmanager
def rabbitmq_cluster(folder: Path, size: int = 3) -> Iterator[Cluster]:
    if not (RABBITMQ_BIN / "rabbitmq-server").exists():
        unavailable("a RabbitMQ installation to run a private cluster", f"no {RABBITMQ_BIN}")
    cluster = Cluster(folder)
    home = folder / "home"
    home.mkdir(parents=True)
    cookie = home / ".erlang.cookie"
    cookie.write_text(f"AFTERSALETEST{os.getpid()}{free_port()}")
    cookie.chmod(0o600)
    (folder / "rabbitmq-env.conf").write_text("")  # not the machine's NODENAME
    (folder / "enabled_plugins").write_text("[].\n")
    taken: set[int] = set()
    for index in range(1, size + 1):
        ports = []
        while len(ports) < 2:
            port = free_port()
            # Not a port RabbitMQ derives from another one (dist = AMQP + 20000).
            if port not in taken and port + 20000 < 65536:
                taken.add(port)
                ports.append(port)
        node_folder = folder / f"node{index}"
        node_folder.mkdir()
        cluster.nodes.append(Node(index, ports[0], ports[1], node_folder))
    try:
        for node in cluster.nodes:
            cluster.start(node)
        for node in cluster.nodes:
            cluster.await_started(node)
        first = cluster.nodes[0]
        for node in cluster.nodes[1:]:
            cluster.ctl(node, "stop_app")
            cluster.ctl(node, "reset")
            cluster.ctl(node, "join_cluster", first.name)
            cluster.ctl(node, "start_app")
        assert cluster.running_nodes() == {node.name for node in cluster.nodes}
        yield cluster
    finally:
        cluster.kill_all()
        shutil.rmtree(folder / "home", ignore_errors=True)


class FailoverPublisher:
    """Publishes each event until the cluster confirms it, reconnecting to
    another node when its node goes away (an event published twice is
    recorded once: the ingest knows it by its key)."""

    def __init__(self, urls: str) -> None:
        self.urls = urls
        self.publisher: EventPublisher | None = None
        self.reconnects = 0

    def publish(self, event: dict[str, Any]) -> None:
        for _ in range(30):
            try:
                if self.publisher is None:
                    self.publisher = EventPublisher(self.urls).__enter__()
                outcome = self.publisher.publish_event(event)
                assert outcome == "confirmed", f"{event['event_id']}: {outcome}"
                return
            except (pika.exceptions.AMQPError, OSError):
                self.close()
                self.reconnects += 1
        raise AssertionError(f"could not publish {event['event_id']}")

    def close(self) -> None:
        if self.publisher is not None:
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                self.publisher.__exit__(None, None, None)
            self.publisher = None
