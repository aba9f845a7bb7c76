"""The whole chain, as users see it: events published to RabbitMQ → emails accepted by an
SMTP server, through the real `aftersale up`.

    python bench/pipeline.py                          # burst of 5,000 on SQLite + baselines
    python bench/pipeline.py -n 300 --store postgresql
    python bench/pipeline.py --rate 100 --duration 60 # steady load: latency and backlog
    python bench/pipeline.py --idle                   # CPU of an idle `up`

Each run starts `aftersale up` in a throwaway folder, vhost and store (SQLite, or a new
PostgreSQL database), with a minimal SMTP sink in its own process; all of it is removed
afterwards, also on failure or Ctrl-C. Every expected email must arrive exactly once,
or the benchmark fails with a non-zero exit. bench/README.md explains each figure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from _pipeline_baselines import celery_drain, dramatiq_drain, raw_pika_drain
from _pipeline_events import expected_emails, id_pattern, make_mix, new_tag, type_mix
from _pipeline_report import (
    backlog_verdict,
    baseline_figures,
    latency_by_kind,
    medians,
    pipeline_figures,
    table,
)
from _pipeline_run import measure, measure_idle
from _pipeline_system import BenchFailure, running_system
from _support import Management, postgres_version, throwaway_vhost

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
#: Seconds `up` may take to be ready (migrations, five processes, connections).
READY_TIMEOUT = 120.0
#: The idle target of issue 10: under 2 % of one core for the whole `up` tree.
IDLE_TARGET = 2.0
#: Events sent through before an idle measurement, so every component has worked once.
IDLE_WARMUP = 30


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", "--events", type=int, default=5000, help="burst size (5000)")
    parser.add_argument("--rate", type=float, help="steady mode: events/s for --duration")
    parser.add_argument("--duration", type=float, default=60.0, help="steady seconds (60)")
    parser.add_argument("--idle", action="store_true", help="idle mode: CPU of a quiet `up`")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument(
        "--idle-settle",
        type=float,
        default=10.0,
        help="seconds after the warm-up before measuring idle (10)",
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1], metavar="K",
        help="processes of each part (`up --processes K`; K > 1 needs PostgreSQL); "
        "several values compare them, e.g. --processes 1 2",
    )  # fmt: skip
    parser.add_argument(
        "--pg-url", default=os.environ.get("AFTERSALE_TEST_DATABASE_URL", DEFAULT_PG)
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per store; medians shown")
    parser.add_argument(
        "--timeout",
        type=float,
        help="seconds to wait for the emails after publishing (default 120 + N/4)",
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=120.0,
        help="fail after this many seconds without a new email (120)",
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip dramatiq/Celery/pika")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw pika baseline")
    parser.add_argument("--seed", type=int, default=1, help="event mix seed (1)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if args.rate is not None:
        args.events = max(1, round(args.rate * args.duration))
    if args.events < 1 or args.repeat < 1:
        parser.error("--events and --repeat must be at least 1")
    return args


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds every `finally`: up stopped, vhost and store removed

    signal.signal(signal.SIGTERM, handler)


def environment(management: Management, args: argparse.Namespace) -> dict[str, Any]:
    import celery
    import dramatiq
    import pika

    meta: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pika": pika.__version__,
        "dramatiq": dramatiq.__version__,
        "celery": celery.__version__,
        "rabbitmq": management.version(),
    }
    if args.store != "sqlite":
        meta["postgresql"] = postgres_version(args.pg_url)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        cwd=Path(__file__).parent,
        check=False,
        text=True,
    )
    meta["commit"] = commit.stdout.strip() or "?"
    return meta


def run_baselines(management: Management, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """dramatiq, Celery and raw pika on their own vhosts of the same broker, `up` stopped."""
    timeout = 120 + args.events / 50
    kinds: list[tuple[str, Callable[[str, int, float], dict[str, Any]]]] = [
        ("dramatiq", dramatiq_drain),
        ("celery", celery_drain),
    ]
    if not args.no_raw:
        kinds.append(("raw_pika", raw_pika_drain))
    results: dict[str, dict[str, Any]] = {}
    for name, drain in kinds:
        try:
            with throwaway_vhost(management) as url:
                results[name] = drain(url, args.events, timeout)
        except BenchFailure as exc:  # the pipeline's figures stand; the run still fails
            results[name] = {"failure": str(exc)}
    return results


def one_run(
    management: Management, store: str, args: argparse.Namespace, processes: int = 1
) -> dict[str, Any]:
    tag = new_tag()
    timeout = args.timeout or 120 + args.events / 4
    with running_system(store, args.pg_url, management, id_pattern(tag), processes) as system:
        ready = system.wait_ready(READY_TIMEOUT)
        if args.idle:
            warmup = make_mix(IDLE_WARMUP, tag, args.seed)
            return {
                "ready_s": ready,
                **measure_idle(system, warmup, args.idle_settle, args.idle_seconds, timeout),
            }
        stream = make_mix(args.events, tag, args.seed)
        outcome = measure(system, stream, args.rate, timeout, args.stall)
    figures = pipeline_figures(outcome)
    result: dict[str, Any] = {
        "ready_s": ready,
        "figures": figures,
        "problems": outcome.problems,
        "emails": outcome.emails,
        "latency_by_kind": latency_by_kind(outcome),
        "depths (s since first publish, ingest, workers)": [
            (round(at - outcome.first_publish, 2), ingest, workers)
            for at, ingest, workers in outcome.depths
        ],
        "ready+unacked (s since first publish, ingest, workers)": [
            (round(at - outcome.first_publish, 2), ingest, workers)
            for at, ingest, workers in outcome.held
        ],
        "extra": outcome.extra,
    }
    if args.rate is not None:
        result["verdict"] = backlog_verdict(figures, args.rate)
    elif not args.no_baselines and not outcome.problems:
        result["baselines"] = run_baselines(management, args)
        result["problems"] += [
            f"{name} baseline: {b['failure']}"
            for name, b in result["baselines"].items()
            if "failure" in b
        ]
        figures.update(baseline_figures(result["baselines"], figures["end-to-end events/s"]))
    return result


def describe(args: argparse.Namespace, store: str) -> str:
    if args.idle:
        return f"idle, store {store}: CPU of the `up` tree over {args.idle_seconds:.0f} s"
    if args.rate is not None:
        return f"steady {args.rate:g} events/s for {args.duration:g} s, store {store}"
    return f"burst of {args.events:,} events, store {store}"  # store may say ", K=2"


def print_store(args: argparse.Namespace, store: str, runs: list[dict[str, Any]]) -> None:
    print(f"\n== {describe(args, store)}: {len(runs)} run(s), medians ==")
    if args.idle:
        for i, run in enumerate(runs, 1):
            roles = ", ".join(f"{r} {p:.2f}%" for r, p in run["roles_percent"].items())
            print(f"  run {i}: up tree {run['tree_percent']:.2f}% of one core ({roles})")
        idle = medians([{"idle": r["tree_percent"]} for r in runs])["idle"]
        met = "met" if idle < IDLE_TARGET else "NOT met"
        print(f"idle CPU of the up tree: {idle:.2f}% of one core (target < {IDLE_TARGET}%: {met})")
        return
    measured = [run["figures"] for run in runs if "figures" in run]
    for line in table(measured):
        print(line)
    summary = medians(measured)
    for key in ("celery", "dramatiq"):
        value = summary.get(f"ratio to {key} no-op", math.nan)
        if not math.isnan(value):
            print(f"ratio to {key} no-op: {value:.3f}")
    for run in runs:
        if "verdict" in run:
            print(run["verdict"])
    emails = runs[-1].get("emails", 0)
    if all(not run.get("problems") for run in runs):
        print(f"exactly once: ok ({emails} expected emails per run, each accepted once)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _stop_on_sigterm()
    management = Management()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    report: dict[str, Any] = {"args": vars(args)}
    report["environment"] = meta = environment(management, args)
    sample = make_mix(IDLE_WARMUP if args.idle else args.events, "BX000000", args.seed)
    mix = ", ".join(f"{t} {100 * c / len(sample):.0f}%" for t, c in type_mix(sample).items())
    print(" | ".join(f"{k} {v}" for k, v in meta.items()))
    print(f"event mix: {mix}; {sum(1 for _ in expected_emails(sample))} expected emails")
    failed: list[str] = []
    configs = [(store, k) for store in stores for k in args.processes]
    if any(store == "sqlite" and k > 1 for store, k in configs):
        print("FAILED: --processes above 1 needs --store postgresql", file=sys.stderr)
        return 2
    try:
        for store, processes in configs:
            label = store if args.processes == [1] else f"{store}, K={processes}"
            runs: list[dict[str, Any]] = []
            report[label] = {"runs": runs}
            for number in range(args.repeat):
                started = time.monotonic()
                try:
                    run = one_run(management, store, args, processes)
                except BenchFailure as exc:
                    runs.append({"failure": str(exc)})
                    failed.append(f"{label} run {number + 1}: {exc}")
                    break
                run["wall_s"] = time.monotonic() - started
                runs.append(run)
                failed += [f"{label} run {number + 1}: {p}" for p in run.get("problems", [])]
                if run.get("problems"):
                    break
            measured = [r for r in runs if "failure" not in r]
            if measured:
                print_store(args, label, measured)
                report[label]["medians"] = medians(
                    [
                        r["figures"] if "figures" in r else {"idle %": r["tree_percent"]}
                        for r in measured
                    ]
                )
            if failed:
                break
    except KeyboardInterrupt:
        failed.append("interrupted")
    finally:
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    for line in failed:
        print(f"FAILED: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
