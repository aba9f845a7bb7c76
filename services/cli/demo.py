"""`aftersale demo`: a small shop's events, and every kind of message within a minute."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.demo.run import EXPECTED_KINDS, STATUSES, DemoError, Summary, run_demo
from services.runtime.settings import load_settings, redact_url


def summary_table(summary: Summary, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("kind")
    table.add_column("audience")
    for column in ("count", *STATUSES):
        table.add_column(column, justify="right")
    for row in summary.rows:
        mark = "[green]✓[/green] " if row.count else "[dim]…[/dim] "
        figures = [row.count, row.sent, row.pending, row.failed, row.suppressed]
        table.add_row(mark + row.kind, row.audience, *(str(n) if n else "" for n in figures))
    return table


def _progress_title(summary: Summary) -> str:
    seen = len(EXPECTED_KINDS) - len(summary.missing)
    so_far = (
        "every kind appeared; letting the story finish"
        if summary.complete
        else f"{seen}/{len(EXPECTED_KINDS)} kinds so far"
    )
    return (
        f"demo run {summary.run_id}: {so_far} · events recorded "
        f"{summary.recorded}/{summary.published} · {summary.elapsed_s:.0f}s"
    )


class _Screen:
    """A progress bar while publishing, then a live table while watching."""

    def __init__(self, console: Console, transient: bool) -> None:
        self.console = console
        self.transient = transient
        self.progress: Progress | None = None
        self.live: Live | None = None

    def published(self, done: int, total: int) -> None:
        if self.progress is None:
            self.progress = Progress(
                TextColumn("publishing the demo shop's events"), BarColumn(),
                MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console, transient=self.transient,
            )  # fmt: skip
            self.task = self.progress.add_task("publish", total=total)
            self.progress.start()
        self.progress.update(self.task, completed=done)

    def polled(self, summary: Summary) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        table = summary_table(summary, _progress_title(summary))
        if self.live is None:
            self.live = Live(table, console=self.console, transient=True, auto_refresh=False)
            self.live.start()
        self.live.update(table, refresh=True)

    def close(self) -> None:
        for display in (self.progress, self.live):
            if display is not None:
                display.stop()


def _report(summary: Summary, settings: Any) -> None:
    console = Console()
    console.print(summary_table(summary, f"demo run {summary.run_id} in {summary.elapsed_s:.0f}s"))
    if summary.complete:
        console.print(f"[green]every kind appeared[/green] ({len(EXPECTED_KINDS)} kinds)")
    else:
        console.print(f"[red]did not appear:[/red] {', '.join(summary.missing)}")
    if summary.rejected:
        console.print(f"[red]{summary.rejected} events were not confirmed by the broker[/red]")
    for reason, count in sorted(summary.reasons.items()):
        console.print(f"  {count} × {reason}", markup=False)
    if summary.follow_up:
        console.print(
            f"then {summary.follow_up} follow-up events: the open tickets answered and "
            "resolved, the lost parcel delivered, so no alert repeats for ever"
        )
    outbox = f"emails as .eml files in {settings.outbox_dir}/" if not settings.smtp_url else "SMTP"
    console.print(
        f"messages: `aftersale notifications list` ({outbox}); "
        f"the demo shop's orders start with {summary.run_id}-"
    )


@click.command()
@click.option(
    "--wait", type=click.FloatRange(min=0), default=120.0, show_default=True,
    help="Seconds to wait for every kind of message to appear.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--leave-open", is_flag=True,
    help="Leave the unanswered tickets and the lost parcel open (their alerts keep repeating).",
)  # fmt: skip
def demo(wait: float, as_json: bool, leave_open: bool) -> None:
    """Publish a small shop's events and watch every kind of message appear.

    Needs the system running (`aftersale up` in another terminal). The events
    are for the shop `aftersale-demo`, whose built-in policies count in
    seconds. Exit status 0 when every kind of message appeared, 1 otherwise.
    """
    from sqlalchemy.exc import SQLAlchemyError

    settings = load_settings()
    err = Console(stderr=True)
    screen = _Screen(err, transient=as_json)
    try:
        summary = run_demo(
            settings, wait=wait, on_published=screen.published, on_poll=screen.polled,
            wind_down=not leave_open,
        )  # fmt: skip
    except DemoError as exc:
        screen.close()
        click.echo(f"aftersale: {exc}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        screen.close()
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        where = redact_url(settings.database_url)
        click.echo(f"aftersale: cannot read the store at {where}: {first}", err=True)
        sys.exit(1)
    screen.close()
    if as_json:
        click.echo(json.dumps(summary.as_json(), indent=2, ensure_ascii=False))
    else:
        _report(summary, settings)
    sys.exit(0 if summary.complete else 1)
