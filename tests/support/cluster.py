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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"


@dataclass
class Cluster:
    folder: Path
    nodes: list[Node] = field(default_factory=list)

    @property
    def urls(self) -> str:
        """`AFTERSALE_AMQP_URL` for the whole cluster: every node, comma-separated."""
        return ",".join(node.url for node in self.nodes)

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
        alive = next(n for n in self.nodes if n.process and n.process.poll() is None)
        status = json.loads(self.ctl(alive, "cluster_status", "--formatter", "json"))
        return set(status["running_nodes"])

    def queues(self) -> dict[str, dict[str, object]]:
        """Every queue of "/" with its type, leader and online members."""
        alive = next(n for n in self.nodes if n.process and n.process.poll() is None)
        listed = self.ctl(
            alive, "list_queues", "name", "type", "leader", "members", "online",
            "messages", "--formatter", "json",
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
