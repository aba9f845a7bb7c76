"""dramatiq's Prometheus middleware, set up for workers that run in-process.

`aftersale worker` runs a `dramatiq.Worker` in its own process rather than
under the `dramatiq` command, so two things the command would do are done
here:

- the metrics are *multi-process*: every worker process writes its counters to
  files in one directory (``dramatiq_prom_db``, else ``PROMETHEUS_MULTIPROC_DIR``,
  else ``<system temp>/aftersale-prometheus``), set before prometheus_client
  is first imported, and the gateway's ``GET /metrics`` reads that directory
  (:class:`services.metrics.endpoint.WorkerMetrics`), so workers, schedulers
  and gateways on one machine are scraped at one address;
- the middleware's metrics are created at once (``after_process_boot``, which
  only the `dramatiq` command would emit).

dramatiq's own exposition server (``dramatiq_prom_host``/``dramatiq_prom_port``,
default port 9191) is started only by the `dramatiq` command's forks, never
here, so nothing binds a port in workers or tests; its host defaults to
loopback here should anyone run the `dramatiq` command.

Import order matters only in one way: a process that imported prometheus_client
before the directory was set keeps its worker metrics in memory (not exported).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from services.runtime.logging import get_logger

log = get_logger("aftersale.metrics")

#: dramatiq's own (lower-case) variables: its metrics directory and exposition host.
DRAMATIQ_DB_VAR = "dramatiq_prom_db"
DRAMATIQ_HOST_VAR = "dramatiq_prom_host"
#: The directory when neither variable names one.
DEFAULT_DIR_NAME = "aftersale-prometheus"


def worker_metrics_dir() -> Path:
    """Where worker processes keep their metrics files (read at call time)."""
    named = os.environ.get(DRAMATIQ_DB_VAR) or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(named) if named else Path(tempfile.gettempdir()) / DEFAULT_DIR_NAME


def _prepare_environment() -> Path:
    directory = worker_metrics_dir()
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[DRAMATIQ_DB_VAR] = str(directory)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(directory))
    os.environ.setdefault(DRAMATIQ_HOST_VAR, "127.0.0.1")
    return directory


def multiprocess_ready() -> bool:
    """Whether metrics made in this process go to the shared directory."""
    values = sys.modules.get("prometheus_client.values")
    if values is None:
        return True  # not imported yet: it will pick the directory up
    return values.ValueClass is not values.MutexValue


def prometheus_middleware(broker: Any) -> Any:
    """A ready :class:`dramatiq.middleware.prometheus.Prometheus` for `broker`."""
    directory = _prepare_environment()
    if not multiprocess_ready():
        log.warning(
            "metrics.worker_metrics_in_memory",
            directory=str(directory),
            hint="prometheus_client was imported before the metrics directory was set",
        )
    # The module reads `dramatiq_prom_db` when first imported; one imported
    # earlier is pointed at the directory through its module-level setting.
    from dramatiq.middleware import prometheus
    from dramatiq.middleware.prometheus import Prometheus

    prometheus.DB_PATH = str(directory)
    middleware: Any = Prometheus()
    middleware.after_process_boot(broker)
    return middleware
