"""`aftersale report` against a seeded store, through click's test runner."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from services.cli.report import report
from services.runtime.clock import utcnow
from tests.report.expected import expected
from tests.report.seed import Seed, generated, load


def seeded(sessions: sessionmaker[Session]) -> tuple[Seed, datetime]:
    now = utcnow()
    seed = generated(now)
    with sessions() as session:
        load(session, seed, now)
    return seed, now


def run(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(
        report, list(args), env={"AFTERSALE_DATABASE_URL": database_url}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_json_figures_match_the_ones_worked_out_by_hand(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    seed, now = seeded(sessions)
    day = (now - timedelta(days=30)).date()
    since = datetime(day.year, day.month, day.day, tzinfo=UTC)

    document = json.loads(run(database_url, "--since", day.isoformat(), "--json"))

    assert document["since"] == since.isoformat()
    until = datetime.fromisoformat(document["until"])
    assert until >= now
    assert [shop["shop_id"] for shop in document["shops"]] == ["shop-a", "shop-b"]
    for shop in document["shops"]:
        weekly = shop.pop("weekly")
        assert shop == expected(seed, shop["shop_id"], since, until)
        assert set(weekly[0]) == {"week", "csat_answers", "csat", "nps_answers", "nps"}

    only_b = json.loads(run(database_url, "--since", day.isoformat(), "--shop", "shop-b", "--json"))
    assert [shop["shop_id"] for shop in only_b["shops"]] == ["shop-b"]


def test_default_period_is_the_last_30_days(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    seed, _ = seeded(sessions)
    document = json.loads(run(database_url, "--json"))
    since = datetime.fromisoformat(document["since"])
    until = datetime.fromisoformat(document["until"])
    assert until - since == timedelta(days=30)
    for shop in document["shops"]:
        shop.pop("weekly")
        assert shop == expected(seed, shop["shop_id"], since, until)


def test_png_chart_is_written(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seeded(sessions)
    target = tmp_path / "satisfaction.png"
    output = run(database_url, "--png", str(target))

    assert f"wrote a chart of 2 shops to {target}" in output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 3_000 < target.stat().st_size < 2_000_000
    with Image.open(target) as image:
        image.verify()
    with Image.open(target) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width >= 640 and 400 <= height <= 2000
        # Not a blank canvas: bars, lines and text in several colours.
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 10


def test_table_and_terminal_chart(database_url: str, sessions: sessionmaker[Session]) -> None:
    seeded(sessions)
    output = run(database_url)
    assert "shop shop-a" in output and "shop shop-b" in output
    assert "CSAT" in output and "NPS" in output and "check-in response rate" in output
    assert "weekly CSAT" in output and "█" in output


def test_an_empty_store_says_so(database_url: str, tmp_path: Path) -> None:
    assert "no answers" in run(database_url)
    document = json.loads(run(database_url, "--json", "--shop", "nobody"))
    assert document["shops"][0]["csat"] is None and document["shops"][0]["nps"] is None
    target = tmp_path / "empty.png"
    run(database_url, "--png", str(target))
    with Image.open(target) as image:
        assert image.format == "PNG"


def test_help_defines_the_figures() -> None:
    output = CliRunner().invoke(report, ["--help"]).output
    assert "share of csat5 answers scoring 4 or 5" in output
    assert "promoters" in output and "detractors" in output
