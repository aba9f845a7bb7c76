"""`aftersale report`: CSAT, NPS, check-in response rate and recovery per shop."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from services.cli.store_access import existing_store
from services.runtime.clock import utcnow
from services.runtime.settings import load_settings
from services.runtime.store.engine import read_session_factory
from services.runtime.store.satisfaction import ShopFigures, satisfaction_report

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 30


def _answers(count: int) -> str:
    return f"{count} answer{'' if count == 1 else 's'}"


def shown(value: float | None, unit: str = "%") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def bar(value: float | None, width: int = BAR_WIDTH) -> str:
    """A bar of unicode blocks for a value from 0 to 100."""
    if value is None:
        return ""
    eighths = round(max(0.0, min(100.0, value)) / 100 * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (BLOCKS[rest] if rest else "")


def print_figures(console: Console, figures: ShopFigures, since: datetime, until: datetime) -> None:
    period = f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC"
    table = Table(title=f"shop {figures.shop_id} · {period}", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("based on", justify="right")
    table.add_row("CSAT (share of 4–5)", shown(figures.csat), _answers(figures.csat_answers))
    table.add_row(
        "NPS (promoters − detractors)", shown(figures.nps, ""), _answers(figures.nps_answers)
    )
    table.add_row(
        "check-in response rate",
        shown(figures.response_rate),
        f"{figures.checkins_answered} of {figures.checkins_sent} sent",
    )
    table.add_row(
        "recovered unhappy customers",
        shown(figures.recovery_rate),
        f"{figures.recovered} of {figures.unhappy} unhappy",
    )
    console.print(table)
    console.print(f"weekly CSAT and NPS, shop {figures.shop_id} (answers in brackets):")
    for week in figures.weekly:
        line = f"  {week.week}  {bar(week.csat):<{BAR_WIDTH}}  {shown(week.csat):>6}"
        nps = f"NPS {shown(week.nps, ''):>6}"
        console.print(
            f"{line} ({week.csat_answers:>3})  {nps} ({week.nps_answers:>3})", highlight=False
        )
    console.print()


def record(figures: ShopFigures) -> dict[str, Any]:
    data = asdict(figures)
    data["weekly"] = list(data["weekly"])
    return data


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, **kw: Any) -> None:
    draw.text(xy, text, fill=kw.pop("fill", "black"), **kw)


def draw_png(path: Path, shops: list[ShopFigures], since: datetime, until: datetime) -> None:
    """Per shop a panel: weekly CSAT as bars, weekly NPS as a line, on one −100…100 axis."""
    from PIL import Image, ImageDraw, ImageFont

    def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return ImageFont.load_default(size=size)

    weeks = max((len(shop.weekly) for shop in shops), default=1) or 1
    left, right, top, panel_h, gap = 80, 30, 60, 300, 70
    width = max(640, left + right + 64 * weeks)
    height = top + max(1, len(shops)) * (panel_h + gap)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title = f"Weekly CSAT and NPS, {since:%Y-%m-%d} to {until:%Y-%m-%d}"
    _text(draw, (left, 15), title, font=font(20))
    if not shops:
        _text(draw, (left, top + 40), "no answers in this period", font=font(16))
    axis = Image.new("RGB", (160, 16), "white")
    _text(ImageDraw.Draw(axis), (0, 0), "CSAT % / NPS", font=font(13))
    axis = axis.rotate(90, expand=True)
    plot_w = width - left - right
    for index, shop in enumerate(shops):
        y0 = top + index * (panel_h + gap) + 25
        y1 = y0 + panel_h - 40

        def y_of(value: float, y0: int = y0, y1: int = y1) -> float:
            return y1 - (value + 100) / 200 * (y1 - y0)

        _text(draw, (left, y0 - 25), f"shop {shop.shop_id}", font=font(16))
        for tick in range(-100, 101, 50):
            y = y_of(tick)
            draw.line([(left, y), (left + plot_w, y)], fill="#dddddd" if tick else "#888888")
            _text(draw, (left - 40, y - 7), f"{tick:>4}", font=font(12))
        image.paste(axis, (6, int((y0 + y1) / 2 - 80)))
        draw.line([(left, y0), (left, y1)], fill="black")
        draw.line([(left, y1), (left + plot_w, y1)], fill="black")
        _text(draw, (left + plot_w / 2 - 30, y1 + 22), "ISO week", font=font(12))
        slot = plot_w / max(1, len(shop.weekly))
        segment: list[tuple[float, float]] = []
        for i, week in enumerate(shop.weekly):
            x = left + i * slot
            if week.csat is not None:
                top_y = min(y_of(week.csat), y_of(0) - 2)
                draw.rectangle([(x + slot * 0.2, top_y), (x + slot * 0.8, y_of(0))], fill="#4c8bd6")
                _text(draw, (x + slot / 2 - 14, top_y - 15), f"{week.csat:.0f}%", font=font(11))
            if week.nps is None:
                segment = []
            else:
                point = (x + slot / 2, y_of(week.nps))
                if segment:
                    draw.line([segment[-1], point], fill="#d9552b", width=3)
                draw.ellipse(
                    [(point[0] - 4, point[1] - 4), (point[0] + 4, point[1] + 4)], "#d9552b"
                )
                segment.append(point)
            _text(draw, (x + slot / 2 - 22, y1 + 5), week.week[2:], font=font(11))
        lx, ly = left + plot_w - 140, y1 + 24  # the legend, under the axis on the right
        draw.rectangle([(lx, ly + 2), (lx + 12, ly + 14)], fill="#4c8bd6")
        _text(draw, (lx + 16, ly), "CSAT %", font=font(12))
        draw.line([(lx + 80, ly + 8), (lx + 100, ly + 8)], fill="#d9552b", width=3)
        _text(draw, (lx + 104, ly), "NPS", font=font(12))
    image.save(path, format="PNG")


@click.command("report")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Start of the period, an ISO date (00:00 UTC). Default: 30 days ago.",
)
@click.option("--shop", "shop_id", help="Only this shop.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable figures.")
@click.option(
    "--png",
    "png",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a chart of weekly CSAT and NPS per shop to this PNG file.",
)
def report(since: datetime | None, shop_id: str | None, as_json: bool, png: Path | None) -> None:
    """Satisfaction figures per shop for the period [--since, now].

    \b
    CSAT: share of csat5 answers scoring 4 or 5 (%).
    NPS: % promoters (nps10 9–10) − % detractors (0–6), from −100 to 100.
    Check-in response rate: sent check-ins whose order got a survey csat5
      answer, ÷ check-ins sent (created in the period).
    Recovery: customers with a low answer (csat ≤ 2, nps ≤ 6) in the period,
      and the share who later answered csat 4–5 / nps ≥ 9 or placed an order.
    Figures with nothing to divide by are shown as — (null in --json).
    Weekly series by ISO week; rates rounded to one decimal.
    """
    until = utcnow()
    start = since.replace(tzinfo=UTC) if since is not None else until - timedelta(days=30)
    if start > until:
        raise click.BadParameter("must not be in the future", param_hint="--since")
    settings = load_settings()
    engine = existing_store(settings)
    try:
        with read_session_factory(engine)() as session:
            shops = satisfaction_report(session, start, until, shop_id=shop_id)
    finally:
        engine.dispose()
    if png is not None:
        draw_png(png, shops, start, until)
    if as_json:
        document = {
            "since": start.isoformat(),
            "until": until.isoformat(),
            "shops": [record(shop) for shop in shops],
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if png is not None:
        click.echo(f"wrote a chart of {len(shops)} shop{'' if len(shops) == 1 else 's'} to {png}")
        return
    console = Console()
    if not shops:
        console.print(f"no answers or check-ins since {start:%Y-%m-%d %H:%M} UTC")
    for shop in shops:
        print_figures(console, shop, start, until)
