"""Satisfaction figures from the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.satisfaction import ShopFigures, satisfaction_report
from tests.report.expected import expected, expected_weekly_csat
from tests.report.seed import Checkin, Fb, Purchase, Seed, generated, load

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
SINCE = datetime(2025, 2, 20, tzinfo=UTC)


def report(
    sessions: sessionmaker[Session], seed: Seed, shop_id: str | None = None
) -> list[ShopFigures]:
    with sessions() as session:
        load(session, seed, NOW)
    with sessions() as session:
        return satisfaction_report(session, SINCE, NOW, shop_id=shop_id)


def only(figures: list[ShopFigures]) -> ShopFigures:
    assert len(figures) == 1
    return figures[0]


def test_figures_of_a_seeded_data_set_match_the_ones_worked_out_by_hand(
    sessions: sessionmaker[Session],
) -> None:
    seed = generated(NOW)
    figures = report(sessions, seed)

    assert [f.shop_id for f in figures] == ["shop-a", "shop-b"]
    for shop in figures:
        got = asdict(shop)
        weekly = got.pop("weekly")
        assert got == expected(seed, shop.shop_id, SINCE, NOW)
        csat_weeks = {w["week"]: w["csat"] for w in weekly if w["csat_answers"]}
        assert csat_weeks == expected_weekly_csat(seed, shop.shop_id, SINCE, NOW)
        assert sum(w["csat_answers"] for w in weekly) == shop.csat_answers
        assert sum(w["nps_answers"] for w in weekly) == shop.nps_answers
        # Every week of the period is in the series, in order, empty ones too.
        assert [w["week"] for w in weekly] == [f"2025-W{n:02d}" for n in range(8, 13)]
    # The data set exercises every figure, not just the easy ones.
    assert all(f.unhappy and f.recovered and f.checkins_answered for f in figures)
    assert any(f.recovered < f.unhappy for f in figures)


def test_no_answers_give_none_never_a_division_by_zero(sessions: sessionmaker[Session]) -> None:
    assert report(sessions, Seed()) == []
    with sessions() as session:
        empty = only(satisfaction_report(session, SINCE, NOW, shop_id="shop-x"))
    assert (empty.csat, empty.nps, empty.response_rate, empty.recovery_rate) == (None,) * 4
    assert (empty.csat_answers, empty.nps_answers, empty.checkins_sent, empty.unhappy) == (0,) * 4
    assert all(w.csat is None and w.nps is None for w in empty.weekly)


def test_a_shop_with_check_ins_but_no_answers(sessions: sessionmaker[Session]) -> None:
    seed = Seed(checkins=[Checkin("s", "o1", "c1", "sent", NOW - timedelta(days=3))])
    shop = only(report(sessions, seed))
    assert (shop.checkins_sent, shop.checkins_answered, shop.response_rate) == (1, 0, 0.0)
    assert shop.csat is None and shop.nps is None and shop.recovery_rate is None


def test_nps_of_promoters_only_is_100_and_of_detractors_only_is_minus_100(
    sessions: sessionmaker[Session],
) -> None:
    at = NOW - timedelta(days=2)
    seed = Seed(
        feedback=[Fb("good", f"c{n}", "nps10", 9 + n % 2, at) for n in range(5)]
        + [Fb("bad", f"c{n}", "nps10", n, at) for n in range(7)]
        + [Fb("mixed", "c1", "nps10", 10, at), Fb("mixed", "c2", "nps10", 7, at)]
        + [Fb("mixed", "c3", "nps10", 0, at)]
    )
    by_shop = {f.shop_id: f for f in report(sessions, seed)}
    assert by_shop["good"].nps == 100.0
    assert by_shop["bad"].nps == -100.0
    assert by_shop["mixed"].nps == 0.0 and by_shop["mixed"].nps_answers == 3
    assert by_shop["good"].csat is None


def test_recovery_counts_a_later_purchase_or_a_later_happy_answer(
    sessions: sessionmaker[Session],
) -> None:
    low = NOW - timedelta(days=10)
    seed = Seed(
        feedback=[
            Fb("s", "buys-again", "nps10", 3, low),
            Fb("s", "bought-before", "csat5", 1, low),
            Fb("s", "happy-later", "csat5", 2, low),
            Fb("s", "happy-later", "csat5", 5, low + timedelta(days=2)),
            Fb("s", "happy-before", "nps10", 10, low - timedelta(days=1)),
            Fb("s", "happy-before", "nps10", 6, low),
            Fb("s", "lukewarm-later", "csat5", 2, low),
            Fb("s", "lukewarm-later", "csat5", 3, low + timedelta(days=1)),
        ],
        orders=[
            Purchase("s", "o1", "buys-again", low + timedelta(days=4)),
            Purchase("s", "o2", "bought-before", low - timedelta(days=4)),
        ],
    )
    shop = only(report(sessions, seed))
    assert (shop.unhappy, shop.recovered, shop.recovery_rate) == (5, 2, 40.0)


def test_answers_before_the_period_are_left_out(sessions: sessionmaker[Session]) -> None:
    seed = Seed(
        feedback=[
            Fb("s", "c1", "csat5", 1, SINCE - timedelta(seconds=1)),
            Fb("s", "c2", "csat5", 5, SINCE),
            Fb("s", "c3", "csat5", 4, NOW),
            Fb("s", "c4", "nps10", 0, SINCE - timedelta(days=3)),
        ],
        # A low answer before the period, then a purchase in it: not an unhappy customer.
        orders=[Purchase("s", "o1", "c1", SINCE + timedelta(days=1))],
        checkins=[
            Checkin("s", "o0", "c1", "sent", SINCE - timedelta(hours=1)),
            Checkin("s", "o1", "c1", "sent", SINCE + timedelta(days=2)),
            Checkin("s", "o2", "c2", "failed", SINCE + timedelta(days=2)),
        ],
    )
    shop = only(report(sessions, seed))
    assert (shop.csat_answers, shop.csat, shop.nps_answers, shop.nps) == (2, 100.0, 0, None)
    assert (shop.unhappy, shop.recovery_rate) == (0, None)
    assert (shop.checkins_sent, shop.checkins_answered) == (1, 0)


def test_a_check_in_counts_as_answered_only_by_a_survey_csat_for_its_order(
    sessions: sessionmaker[Session],
) -> None:
    sent = NOW - timedelta(days=5)
    seed = Seed(
        feedback=[
            Fb("s", "c1", "csat5", 4, sent + timedelta(hours=2), "o1", "survey"),
            Fb("s", "c2", "csat5", 2, sent + timedelta(hours=2), "o2", "review"),
            Fb("s", "c3", "nps10", 9, sent + timedelta(hours=2), "o3", "survey"),
            Fb("other", "c4", "csat5", 5, sent + timedelta(hours=2), "o4", "survey"),
        ],
        checkins=[Checkin("s", f"o{n}", f"c{n}", "sent", sent) for n in range(1, 5)],
    )
    shop = only(report(sessions, seed, shop_id="s"))
    assert (shop.checkins_sent, shop.checkins_answered, shop.response_rate) == (4, 1, 25.0)
