"""Figures of bench/pipeline.py from the raw facts of each run, and the printed table.

A figure is NaN when a run could not produce it (no email, no baseline); medians skip
NaN. Ratios are taken per run (pipeline and baselines measured minutes apart on the
same broker), then the median of those.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from _pipeline_inbox import median, percentile
from _pipeline_procs import ROLES
from _pipeline_run import Outcome

Figures = dict[str, float]
#: The steady-state windows compared to tell a backlog: the first and the last seconds.
WINDOW = 10.0
#: Issue 10's steady target (at 100 events/s): p99 publish→accepted under 2 s.
P99_TARGET_MS = 2000

#: CPU groups in print order; any other group found is printed after them.
CPU_ORDER = (
    *ROLES,
    "supervisor",
    "broker (system-wide)",
    "postgresql backends",
    "postgresql server (system-wide)",
    "smtp sink",
    "benchmark (publisher, watcher)",
)


def _ms(values: Sequence[float], p: float) -> float:
    return 1000 * percentile(values, p) if values else math.nan


def pipeline_figures(outcome: Outcome) -> Figures:
    latency = [lat for _, lat, _ in outcome.latencies]
    span = outcome.last_email - outcome.first_publish
    publishing = outcome.last_publish - outcome.first_publish
    figures: Figures = {
        "end-to-end events/s": outcome.events / span if span > 0 else math.nan,
        "publish rate events/s": outcome.events / publishing if publishing > 0 else math.nan,
        "publish→accepted p50 ms": _ms(latency, 50),
        "publish→accepted p99 ms": _ms(latency, 99),
        "publish→accepted max ms": _ms(latency, 100),
        "peak ready in the ingest queue": max((d[1] for d in outcome.depths), default=math.nan),
        "peak ready in the worker queues": max((d[2] for d in outcome.depths), default=math.nan),
        "peak ready+unacked: ingest queue": max((d[1] for d in outcome.held), default=math.nan),
        "peak ready+unacked: worker queues": max((d[2] for d in outcome.held), default=math.nan),
    }
    if outcome.mode == "steady":
        figures.update(_steady(outcome))
    ordered = sorted(outcome.cpu, key=lambda g: (CPU_ORDER.index(g) if g in CPU_ORDER else 99, g))
    for group in ordered:
        figures[f"CPU ms/event: {group}"] = 1000 * outcome.cpu[group] / outcome.events
    up = sum(outcome.cpu.get(g, 0.0) for g in (*ROLES, "supervisor"))
    figures["CPU ms/event: whole up tree"] = 1000 * up / outcome.events
    figures["peak RSS of the up tree MiB"] = outcome.peak_rss_kib / 1024
    return figures


def _steady(outcome: Outcome) -> Figures:
    start, end = outcome.first_publish, outcome.last_publish
    first = [lat for at, lat, _ in outcome.latencies if at < start + WINDOW]
    last = [lat for at, lat, _ in outcome.latencies if at >= end - WINDOW]
    at_end = [d for d in outcome.depths if d[0] <= end]
    return {
        "first 10 s p50 ms": _ms(first, 50),
        "first 10 s p99 ms": _ms(first, 99),
        "last 10 s p50 ms": _ms(last, 50),
        "last 10 s p99 ms": _ms(last, 99),
        "queued at end of publishing (ingest + workers)": (
            at_end[-1][1] + at_end[-1][2] if at_end else math.nan
        ),
        "drain after publishing s": outcome.last_email - end,
    }


def latency_by_kind(outcome: Outcome) -> dict[str, dict[str, float]]:
    kinds: dict[str, list[float]] = {}
    for _, latency, kind in outcome.latencies:
        kinds.setdefault(kind, []).append(latency)
    return {
        kind: {"emails": len(v), "p50 ms": _ms(v, 50), "p99 ms": _ms(v, 99)}
        for kind, v in sorted(kinds.items())
    }


def backlog_verdict(figures: Figures, rate: float) -> str:
    """A backlog builds when the latency grows over the run or work is still queued when
    publishing stops (more than a second's worth of events)."""
    first, last = figures["first 10 s p99 ms"], figures["last 10 s p99 ms"]
    queued = figures["queued at end of publishing (ingest + workers)"]
    reasons = []
    if not math.isnan(first) and last > 2 * first + 500:
        reasons.append(f"p99 grew from {first:.0f} to {last:.0f} ms")
    if not math.isnan(queued) and queued > rate:
        reasons.append(f"{queued:.0f} messages still queued when publishing stopped")
    if figures["drain after publishing s"] > 5:
        reasons.append(f"the last email came {figures['drain after publishing s']:.1f} s late")
    verdict = "backlog: YES (" + "; ".join(reasons) + ")" if reasons else "backlog: no"
    p99 = figures["publish→accepted p99 ms"]
    met = "met" if p99 < P99_TARGET_MS and not reasons else "NOT met"
    return f"{verdict}\ntarget p99 < {P99_TARGET_MS:,} ms with no backlog: {met}"


def baseline_figures(baselines: dict[str, dict[str, Any]], events_per_s: float) -> Figures:
    figures: Figures = {}
    names = {
        "dramatiq": "dramatiq no-op drain msg/s",
        "celery": "celery no-op drain tasks/s",
        "raw_pika": "raw pika consume-and-ack msg/s",
    }
    measured = {key: b for key, b in baselines.items() if "rate" in b}
    for key, label in names.items():
        if key in measured:
            figures[label] = float(measured[key]["rate"])
    for key in ("celery", "dramatiq"):
        if key in measured:
            figures[f"ratio to {key} no-op"] = events_per_s / float(measured[key]["rate"])
    return figures


def _cell(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


def table(runs: Sequence[Figures]) -> list[str]:
    """One row per figure: the median, then each run."""
    labels: list[str] = []
    for figures in runs:
        labels += [label for label in figures if label not in labels]
    width = max(len(label) for label in labels) + 2
    head = f"{'':{width}}{'median':>10}" + "".join(
        f"{f'run {i + 1}':>10}" for i in range(len(runs))
    )
    lines = [head]
    for label in labels:
        values = [figures.get(label, math.nan) for figures in runs]
        cells = "".join(f"{_cell(v):>10}" for v in values)
        lines.append(f"{label:{width}}{_cell(median(values)):>10}{cells}")
    return lines


def medians(runs: Sequence[Figures]) -> Figures:
    labels = {label for figures in runs for label in figures}
    return {label: median([f.get(label, math.nan) for f in runs]) for label in sorted(labels)}
