"""The demo shop's built-in policies: seconds, not hours, and a file may change them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.runtime.policies import DEMO_SHOP_ID, load_policies, parse_policies

S = timedelta(seconds=1)


def test_built_in_for_the_demo_shop_only() -> None:
    book = load_policies(None)
    demo = book.for_shop(DEMO_SHOP_ID)
    assert demo.sla_for("email", "normal").first_response == 20 * S
    assert demo.sla_for("chat", "urgent").hard_limit == 20 * S
    assert demo.complaints.alert_before == (45 * S, 20 * S)
    assert demo.withdrawal.refund_within == 60 * S
    assert demo.checkins.after_delivery == 10 * S and demo.checkins.quiet_hours is None
    assert demo.shipping.delay_grace == 5 * S
    assert demo.business_hours.enabled is False
    assert book.for_shop("shop-42") is book.global_policies
    assert book.global_policies.sla.email.first_response == timedelta(hours=1)
    assert book.shop_ids == ()  # built in, not a shop of the file


def test_a_file_goes_over_the_demo_shop(tmp_path: Path) -> None:
    path = tmp_path / "policies.toml"
    path.write_text(
        f'[staff]\nlocale = "en"\n\n[shop."{DEMO_SHOP_ID}".shipping]\ndelay_grace = "1m"\n',
        encoding="utf-8",
    )
    book = load_policies(path)
    demo = book.for_shop(DEMO_SHOP_ID)
    assert demo.shipping.delay_grace == timedelta(minutes=1)  # the file's
    assert demo.sla.email.first_response == 20 * S  # still the demo's
    assert demo.staff.locale == "en"  # the file's global keys too
    assert book.shop_ids == (DEMO_SHOP_ID,)


def test_a_clashing_global_file_leaves_the_demo_shop_on_the_file() -> None:
    # A global urgent target longer than the demo's hard limit: still a valid file.
    book = parse_policies('[sla.email.urgent]\nfirst_response = "15m"\n')
    assert book.for_shop(DEMO_SHOP_ID) is book.global_policies
