"""Prometheus metrics: figures read from the store and the broker at scrape
time (`collector`), the gateway's `GET /metrics` (`endpoint`), and dramatiq's
own middleware for the workers (`workers`).

Nothing here imports prometheus_client at import time: `workers` must set the
multi-process directory before the first import in a worker process.
"""
