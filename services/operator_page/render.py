"""HTML of the board: Jinja2 templates with every value escaped (autoescape on)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader

from services.operator_page.snapshot import Snapshot


def duration(seconds: float | None) -> str:
    """`3 d 4 h`, `2 h 05 min`, `7 min 30 s`, `12 s` (absolute value)."""
    if seconds is None:
        return "—"
    total = int(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def moment(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        parsed = value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("services.operator_page", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    env.filters["moment"] = moment
    return env


def render_fragment(snapshot: Snapshot, *, can_replay: bool) -> str:
    """The board's contents, which the page's script swaps in on each refresh."""
    return environment().get_template("_board.html.j2").render(s=snapshot, can_replay=can_replay)


def render_page(snapshot: Snapshot, *, can_replay: bool, refresh_seconds: int) -> str:
    return (
        environment()
        .get_template("page.html.j2")
        .render(s=snapshot, can_replay=can_replay, refresh_seconds=refresh_seconds)
    )


@cache
def static_file(name: str) -> bytes:
    return files("services.operator_page").joinpath("static", name).read_bytes()
