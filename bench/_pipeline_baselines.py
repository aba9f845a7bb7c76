"""Baselines of bench/pipeline.py, each on its own throwaway vhost of the same broker:
no-op drains of N messages by dramatiq, by Celery and by a raw pika consumer.

All three use the same method: the N messages are queued first (and counted on the
queue), then the consumer starts and the clock runs from its start to its N-th message
done. dramatiq and Celery run in child processes with their defaults, so their
figures are what a user of either gets out of the box on this machine:

- dramatiq: `dramatiq.Worker(broker)` (8 threads, default middleware, prefetch
  2 × threads), one actor that counts; the clock starts at `worker.start()`.
- Celery 5 with the pyamqp transport: `celery worker --pool=prefork --concurrency=2`
  (Celery's default pool; 2 = the CPU count, its default) with gossip, mingle and
  heartbeat off (cluster chatter, not work). Its start-up (imports, forking the pool)
  takes seconds, more than the drain itself at small N, so the clock starts at the
  worker's `worker_ready` signal, after the consumer is up, and stops when the last
  queued task (flagged `last=True`; the others do nothing) has run. With 2 pool
  processes and Celery's prefetch of 4 × 2, at most a handful of tasks can still be
  running then. The start-up-inclusive rate is kept in the JSON too.
- raw pika: `BlockingConnection`, prefetch 200, one `basic_ack` per message, in this
  process; the clock starts when the connection opens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
from _pipeline_system import BenchFailure, QueueProbe, stop_process

HERE = Path(__file__).resolve().parent
CELERY_QUEUE = "bench.celery"
DRAMATIQ_QUEUE = "bench.noop"
RAW_QUEUE = "bench.raw"


def wait_for_depth(amqp_url: str, queue: str, depth: int, timeout: float) -> None:
    """Poll the queue's ready count until it holds `depth` messages (with a deadline)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        probe, deadline = QueueProbe(connection), time.monotonic() + timeout
        while (ready := probe.state((queue,))[queue][0]) < depth:
            if time.monotonic() > deadline:
                raise BenchFailure(f"{queue} holds {ready} of {depth} messages after {timeout}s")
            connection.sleep(0.05)
    finally:
        connection.close()


# --------------------------------------------------------------------------- dramatiq


def dramatiq_drain(amqp_url: str, count: int, timeout: float) -> dict[str, Any]:
    """Run :func:`_dramatiq_child` in a fresh interpreter; its JSON result."""
    argv = [sys.executable, str(Path(__file__)), "dramatiq", amqp_url, str(count), str(timeout)]
    process = subprocess.run(argv, capture_output=True, timeout=timeout + 60, check=False)
    lines = process.stdout.decode().strip().splitlines()
    if process.returncode != 0 or not lines:
        raise BenchFailure(f"dramatiq baseline failed: {process.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _dramatiq_child(amqp_url: str, count: int, timeout: float) -> dict[str, Any]:
    import dramatiq
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    broker = RabbitmqBroker(url=amqp_url)
    dramatiq.set_broker(broker)
    lock, done, seen = threading.Lock(), threading.Event(), [0]

    def noop(index: int) -> None:
        with lock:
            seen[0] += 1
            if seen[0] == count:
                done.set()

    actor = dramatiq.actor(queue_name=DRAMATIQ_QUEUE, broker=broker, max_retries=0)(noop)
    for index in range(count):
        actor.send(index)
    wait_for_depth(amqp_url, DRAMATIQ_QUEUE, count, timeout)
    worker = dramatiq.Worker(broker)
    cpu, start = time.process_time(), time.perf_counter()
    worker.start()
    finished = done.wait(timeout)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    worker.stop()
    broker.close()
    if not finished:
        raise SystemExit(f"dramatiq drained {seen[0]} of {count} in {timeout}s")
    return {
        "rate": count / seconds,
        "seconds": seconds,
        "cpu_ms_per_message": 1000 * cpu / count,
        "threads": worker.worker_threads,
    }


# --------------------------------------------------------------------------- celery


def _pyamqp(amqp_url: str) -> str:
    parts = urlsplit(amqp_url)
    return urlunsplit(("pyamqp", parts.netloc, parts.path, "", ""))


def celery_drain(amqp_url: str, count: int, timeout: float) -> dict[str, Any]:
    from celery import Celery

    broker = _pyamqp(amqp_url)
    client = Celery("bench_client", broker=broker)
    client.conf.broker_connection_retry_on_startup = True
    with client.producer_or_acquire() as producer:
        for index in range(count):
            client.send_task(
                "bench.noop", args=[index == count - 1], queue=CELERY_QUEUE, producer=producer
            )
    wait_for_depth(amqp_url, CELERY_QUEUE, count, timeout)
    with tempfile.TemporaryDirectory(prefix="aftersale-celery-") as folder:
        marks = Path(folder)
        env = {"BENCH_CELERY_BROKER": broker, "BENCH_CELERY_MARKS": folder}
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "_pipeline_celery_app",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "-Q",
            CELERY_QUEUE,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        spawned = time.time()
        log = marks / "worker.log"
        with log.open("wb") as output:
            worker = subprocess.Popen(
                argv,
                cwd=HERE,
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + timeout
            while not (marks / "done").exists():
                if worker.poll() is not None or time.monotonic() > deadline:
                    why = "exited" if worker.poll() is not None else f"not done in {timeout}s"
                    raise BenchFailure(f"Celery baseline {why}: {log.read_text()[-2000:]}")
                time.sleep(0.02)
            ready = float((marks / "ready").read_text())
            done = float((marks / "done").read_text())
        finally:
            stop_process(worker, 20)
    return {
        "rate": count / (done - ready),
        "seconds": done - ready,
        "startup_seconds": ready - spawned,
        "rate_with_startup": count / (done - spawned),
        "pool": "prefork",
        "concurrency": 2,
    }


# --------------------------------------------------------------------------- raw pika


def raw_pika_drain(amqp_url: str, count: int, timeout: float) -> dict[str, Any]:
    body = json.dumps({"event_id": "x" * 26, "type": "order.placed", "data": {}}).encode()
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.queue_declare(RAW_QUEUE, durable=True)
        persistent = pika.BasicProperties(delivery_mode=2)
        for _ in range(count):
            channel.basic_publish("", RAW_QUEUE, body, persistent)
    wait_for_depth(amqp_url, RAW_QUEUE, count, timeout)
    seen = [0]
    start = time.perf_counter()
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=200)

        def on_message(ch: Any, method: Any, _props: Any, _body: bytes) -> None:
            ch.basic_ack(method.delivery_tag)
            seen[0] += 1
            if seen[0] == count:
                ch.stop_consuming()

        channel.basic_consume(RAW_QUEUE, on_message)
        timer = connection.call_later(timeout, channel.stop_consuming)
        channel.start_consuming()
        connection.remove_timeout(timer)
    seconds = time.perf_counter() - start
    if seen[0] < count:
        raise BenchFailure(f"raw pika drained {seen[0]} of {count} in {timeout}s")
    return {"rate": count / seconds, "seconds": seconds}


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "dramatiq":
        raise SystemExit("usage: _pipeline_baselines.py dramatiq AMQP_URL COUNT TIMEOUT")
    print(json.dumps(_dramatiq_child(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))))
