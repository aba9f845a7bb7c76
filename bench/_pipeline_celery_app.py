"""The Celery app of the no-op baseline: `celery -A _pipeline_celery_app worker` (run
from bench/). Celery's command line needs an app object at module level, hence the
environment read at import: this module is only ever imported by that worker.

`BENCH_CELERY_BROKER` is the broker URL; `BENCH_CELERY_MARKS` a folder where the worker
writes `ready` (its `worker_ready` signal) and `done` (the task flagged last ran), each
holding a Unix time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_ready

app = Celery("bench_noop", broker=os.environ.get("BENCH_CELERY_BROKER"))
app.conf.update(
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
MARKS = Path(os.environ.get("BENCH_CELERY_MARKS", "."))


def _mark(name: str) -> None:
    path = MARKS / name
    path.with_suffix(".tmp").write_text(repr(time.time()))
    path.with_suffix(".tmp").rename(path)  # the parent never reads half a number


def _noop(last: bool) -> None:
    if last:
        _mark("done")


def _ready(**_: Any) -> None:
    _mark("ready")


noop = app.task(name="bench.noop")(_noop)
worker_ready.connect(_ready, weak=False)
