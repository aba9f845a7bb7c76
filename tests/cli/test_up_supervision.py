"""`aftersale up` as a person runs it: configuration errors stop it, crashes do not,
and two of them do not share one SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pika
import pytest

from services.cli.supervisor import EX_CONFIG
from services.runtime.topology import INGEST_QUEUE, declare
from tests.cli.up_process import (
    COMMAND,
    free_port,
    kill_leftovers,
    processes_in,
    running_up,
    stop,
    up_env,
)
from tests.support.polling import wait_until

pytestmark = pytest.mark.slow

READY_TIMEOUT = 120.0


def run(command: str, env: dict[str, str], folder: Path) -> tuple[int, str]:
    """Run an `aftersale` command to its end (60 s at most); its status and stderr."""
    process = subprocess.Popen(
        [*COMMAND, command], cwd=folder, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        stop(process)
    return process.returncode, stderr.decode()


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_port_in_use_stops_up_with_one_line_and_leaves_nothing_running(
    amqp_url: str, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        try:
            code, stderr = run("up", up_env(amqp_url, tmp_path, port), tmp_path)
        finally:
            kill_leftovers(tmp_path)
    assert code == EX_CONFIG, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == [
        f"aftersale: cannot listen on 127.0.0.1:{port}: the address is in use "
        "(set AFTERSALE_HTTP_ADDR)"
    ]
    assert processes_in(tmp_path) == []


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("AFTERSALE_SMTP_URL", "smtx://mailer:hunter2@mail.example", "smtp:// or smtps://"),
        ("AFTERSALE_HTTP_ADDR", "localhost", "is not host:port"),
        ("AFTERSALE_SHOP_SECRETS", "missing-secrets.toml", "cannot read the shop secrets"),
        ("AFTERSALE_AMQP_URL", "http://localhost:5672", "is not an AMQP URL"),
    ],
)
def test_a_bad_setting_stops_up_with_one_line_naming_it(
    amqp_url: str, tmp_path: Path, variable: str, value: str, says: str
) -> None:
    env = {**up_env(amqp_url, tmp_path, free_port()), variable: value}
    code, stderr = run("up", env, tmp_path)
    assert code == EX_CONFIG, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert variable in lines[0] and says in lines[0]
    assert "hunter2" not in stderr
    assert processes_in(tmp_path) == []


def test_the_gateway_alone_exits_with_the_configuration_status_when_its_port_is_taken(
    amqp_url: str, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, stderr = run("gateway", up_env(amqp_url, tmp_path, port), tmp_path)
    assert code == EX_CONFIG, stderr
    assert "Traceback" not in stderr
    assert (
        f"aftersale: cannot listen on 127.0.0.1:{port}: the address is in use "
        "(set AFTERSALE_HTTP_ADDR)"
    ) in stderr.splitlines()


def test_a_second_up_in_the_same_folder_is_refused_and_the_first_keeps_running(
    amqp_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = up_env(amqp_url, tmp_path, port)
    with running_up(env, tmp_path) as first:
        wait_until(lambda: "ready:" in first.shown(), timeout=READY_TIMEOUT, what="ready")
        assert first.shown().strip() == (
            f"ready: board at http://127.0.0.1:{port}/board, Ctrl-C to stop"
        )
        code, stderr = run("up", env, tmp_path)
        assert code != 0
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, stderr
        assert str(tmp_path / "aftersale.db.lock") in lines[0]
        assert f"pid {first.process.pid}" in lines[0]
        assert first.process.poll() is None
        assert answers(port)
        assert len(first.events("started")) == 5  # nothing of the first was disturbed
        assert stop(first.process) == 0
    assert processes_in(tmp_path) == []


def test_a_child_that_crashes_is_started_again(amqp_url: str, tmp_path: Path) -> None:
    with running_up(up_env(amqp_url, tmp_path, free_port()), tmp_path) as up:
        wait_until(lambda: "ready:" in up.shown(), timeout=READY_TIMEOUT, what="ready")
        (started,) = up.events("started", program="scheduler")
        os.kill(started["pid"], signal.SIGKILL)
        again = wait_until(
            lambda: up.events("started", program="scheduler")[1:], timeout=60, what="a restart"
        )
        assert again[0]["pid"] != started["pid"]
        (exited,) = up.events("exited; restarting", program="scheduler")
        assert exited["code"] == -signal.SIGKILL
        assert up.process.poll() is None
        assert len(up.events("started")) == 6  # the others were left alone
        assert stop(up.process) == 0
    assert processes_in(tmp_path) == []


def test_up_warns_when_the_ingest_queue_already_has_consumers(
    amqp_url: str, tmp_path: Path
) -> None:
    elsewhere = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = elsewhere.channel()
        declare(channel)
        channel.basic_consume(INGEST_QUEUE, on_message_callback=lambda *_: None)
        with running_up(up_env(amqp_url, tmp_path, free_port()), tmp_path) as up:
            wait_until(lambda: "ready:" in up.shown(), timeout=READY_TIMEOUT, what="ready")
            (warning,) = up.events("ingest.queue_has_consumers")
            assert warning["level"] == "warning"
            assert warning["queue"] == INGEST_QUEUE and warning["consumers"] == 1
            assert up.process.poll() is None  # a warning, not a refusal
    finally:
        elsewhere.close()
