"""The system under test for bench/pipeline.py: the real `aftersale up` in a throwaway
folder, vhost and store, sending to the SMTP sink (bench/_smtp_sink.py) in its own
process. Everything started here is stopped and removed in `finally` blocks.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pika
import pika.exceptions
from _support import Management, throwaway_store, throwaway_vhost

from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names

REPO = Path(__file__).resolve().parent.parent
SINK = Path(__file__).resolve().with_name("_smtp_sink.py")
INGEST_QUEUE = "aftersale.ingest"
DEAD_LETTER_QUEUE = "aftersale.dead-letter"
#: Seconds `up` gets after SIGTERM (its own children get 30 s) before SIGKILL.
STOP_GRACE = 45.0


class BenchFailure(Exception):
    """The run cannot be measured or did not deliver what it must: say what, loudly."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL to its whole process group (started with a new session)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # Whatever of its group is left (a child that outlived its parent) is killed too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:]) or "    (empty log)"


@dataclass
class Sink:
    process: subprocess.Popen[bytes]
    port: int
    records: Path


def start_sink(folder: Path, id_regex: str, timeout: float = 30.0) -> Sink:
    records = folder / "smtp-sink.jsonl"
    records.touch()
    process = subprocess.Popen(
        [sys.executable, str(SINK), "--out", str(records), "--ids", id_regex],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    # The sink prints one line once it listens; a dead sink closes stdout at once.
    readable, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline().decode() if readable else ""
    if not line.startswith("listening "):
        stop_process(process, 2)
        raise BenchFailure(f"the SMTP sink did not start (said {line!r})")
    return Sink(process, int(line.split()[2]), records)


@dataclass
class System:
    """A running `aftersale up` and what it runs against."""

    folder: Path
    amqp_url: str
    database_url: str
    http_addr: str
    sink: Sink
    up: subprocess.Popen[bytes]
    log: Path
    pg_database: str | None
    management: Management

    def queue_messages(self) -> dict[str, int]:
        """queue → ready + unacknowledged messages (the management API's statistics)."""
        vhost = quote(unquote(urlsplit(self.amqp_url).path[1:]), safe="")
        rows = self.management.call("GET", f"/queues/{vhost}?columns=name,messages")
        return {str(row["name"]): int(row.get("messages") or 0) for row in rows}

    @property
    def worker_queues(self) -> tuple[str, ...]:
        return worker_queue_names(SUBSCRIPTIONS)

    def check_alive(self) -> None:
        code = self.up.poll()
        if code is not None:
            raise BenchFailure(
                f"`aftersale up` exited with code {code}; its log:\n{tail(self.log)}"
            )
        if self.sink.process.poll() is not None:
            raise BenchFailure("the SMTP sink process died")

    def diagnose(self) -> str:
        """Where the work is stuck, for a failure message: queues, the sink, up's log."""
        queues = [INGEST_QUEUE, DEAD_LETTER_QUEUE]
        for name in self.worker_queues:
            queues += [name, f"{name}.DQ", f"{name}.XQ"]
        try:
            state = queue_state(self.amqp_url, queues)
            depths = ", ".join(f"{q} {ready}" for q, (ready, _) in state.items() if ready)
        except pika.exceptions.AMQPError as exc:
            depths = f"unknown ({exc!r})"
        try:
            accepted = sum(1 for _ in self.sink.records.open("rb"))
        except OSError:
            accepted = -1
        return (
            f"queued now: {depths or 'nothing'}; the SMTP sink accepted {accepted} messages"
            f" in all; last lines of `aftersale up`'s log:\n{tail(self.log)}"
        )

    def wait_ready(self, timeout: float) -> float:
        """Until the ingest and every worker queue have a consumer and /healthz answers;
        the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        waiting_for = "the broker"
        while time.monotonic() < deadline:
            self.check_alive()
            waiting_for = self._not_ready()
            if not waiting_for:
                return time.monotonic() - started
            time.sleep(0.2)
        raise BenchFailure(
            f"`aftersale up` not ready after {timeout:.0f}s: waiting for {waiting_for};"
            f" its log:\n{tail(self.log)}"
        )

    def _not_ready(self) -> str:
        try:
            depths = queue_state(self.amqp_url, (INGEST_QUEUE, *self.worker_queues))
        except pika.exceptions.AMQPError as exc:
            return f"the broker ({exc!r})"
        idle = [name for name, (_, consumers) in depths.items() if consumers < 1]
        if idle:
            return "a consumer on " + ", ".join(idle)
        try:
            with urllib.request.urlopen(f"http://{self.http_addr}/healthz", timeout=2) as answer:
                return "" if answer.status == 200 else f"/healthz (answered {answer.status})"
        except (urllib.error.URLError, OSError) as exc:
            return f"/healthz ({exc})"


def queue_state(amqp_url: str, queues: Sequence[str]) -> dict[str, tuple[int, int]]:
    """queue → (ready messages, consumers); a queue not declared yet counts (0, 0)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return QueueProbe(connection).state(queues)
    finally:
        connection.close()


class QueueProbe:
    """Passive declarations on one connection: exact ready counts, unlike the management
    API's statistics, which lag by up to 5 s."""

    def __init__(self, connection: pika.BlockingConnection) -> None:
        self.connection = connection
        self.channel = connection.channel()

    def state(self, queues: Sequence[str]) -> dict[str, tuple[int, int]]:
        result: dict[str, tuple[int, int]] = {}
        for name in queues:
            try:
                method = self.channel.queue_declare(name, passive=True).method
                result[name] = (method.message_count, method.consumer_count)
            except pika.exceptions.ChannelClosedByBroker:
                self.channel = self.connection.channel()  # 404: not declared yet
                result[name] = (0, 0)
        return result


def up_environment(
    folder: Path, amqp_url: str, database_url: str, smtp_port: int, http_addr: str
) -> dict[str, str]:
    """The environment of `up`: ours only, nothing inherited under AFTERSALE_."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    env.update(
        AFTERSALE_AMQP_URL=amqp_url,
        AFTERSALE_DATABASE_URL=database_url,
        AFTERSALE_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        AFTERSALE_SECRET_KEY=secrets.token_urlsafe(32),
        AFTERSALE_HTTP_ADDR=http_addr,
        AFTERSALE_PUBLIC_URL=f"http://{http_addr}",
        AFTERSALE_OUTBOX_DIR=str(folder / "outbox"),
        AFTERSALE_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "warning"),
        AFTERSALE_LOG_FORMAT="json",
    )
    # Experiments: `BENCH_UP_ENV="AFTERSALE_X=1 AFTERSALE_Y=2"` adds settings of `up`.
    for pair in os.environ.get("BENCH_UP_ENV", "").split():
        name, equals, value = pair.partition("=")
        if equals:
            env[name] = value
    return env


@contextlib.contextmanager
def _store(kind: str, pg_url: str, folder: Path) -> Iterator[tuple[str, str | None]]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'aftersale.db'}", None
        return
    with throwaway_store("postgresql", pg_url) as url:
        yield url, url.rsplit("/", 1)[-1]


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM meanwhile: a second Ctrl-C must not cut a clean-up
    short and leave `up`, a vhost or a database behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _save_log(log: Path) -> None:
    """Keep `up`'s log (its processes' stop lines carry their counters) where
    ``BENCH_SAVE_LOG`` says, the last run's only."""
    target = os.environ.get("BENCH_SAVE_LOG")
    if target and log.exists():
        shutil.copyfile(log, target)


@contextlib.contextmanager
def running_system(
    store: str, pg_url: str, management: Management, id_regex: str, processes: int = 1
) -> Iterator[System]:
    """`aftersale up` started (not yet ready) on fresh everything; all removed afterwards,
    in reverse order: `up`, the sink, the store, the vhost, the folder."""
    folder = Path(tempfile.mkdtemp(prefix="aftersale-pipeline-"))
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        cleanup.callback(_save_log, folder / "up.log")
        amqp_url = cleanup.enter_context(throwaway_vhost(management))
        database_url, pg_database = cleanup.enter_context(_store(store, pg_url, folder))
        sink = start_sink(folder, id_regex)
        cleanup.callback(stop_process, sink.process, 5)
        http_addr = f"127.0.0.1:{free_port()}"
        env = up_environment(folder, amqp_url, database_url, sink.port, http_addr)
        log = folder / "up.log"
        with log.open("wb") as log_file:
            up = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", "up", "--processes", str(processes)],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop it
            )
        cleanup.callback(stop_process, up, STOP_GRACE)
        try:
            yield System(
                folder, amqp_url, database_url, http_addr, sink, up, log, pg_database, management
            )
        finally:
            with interrupts_deferred():
                cleanup.close()
