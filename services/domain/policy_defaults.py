"""The built-in policies as TOML text: SPEC section 5, and the demo shop."""

from __future__ import annotations

DEMO_SHOP_ID = "aftersale-demo"
DEMO_SHOP_POLICIES = """\
sla.email = { first_response = "20s", hard_limit = "40s", warn_before = "10s" }
sla.form = { first_response = "20s", hard_limit = "40s", warn_before = "10s" }
sla.social = { first_response = "20s", hard_limit = "40s", warn_before = "10s" }
sla.chat = { first_response = "10s", hard_limit = "20s", warn_before = "5s" }
business_hours.enabled = false
escalation.repeat_every = "30s"
complaints = { reply_within = "60s", alert_before = ["45s", "20s"] }
withdrawal = { refund_within = "60s", alert_before = ["45s"] }
callbacks.grace = "0s"
shipping.delay_grace = "5s"
checkins = { after_delivery = "10s", min_interval = "30d", quiet_hours = "" }
feedback.person_contacts_within = "1h"
ingest.wait_for_parent = "30s"
contact.shop_name = "aftersale demo shop"
"""


def defaults_toml() -> str:
    """The built-in policies as a commented TOML file (loads to exactly the defaults)."""
    return _DEFAULTS_TOML


_DEFAULTS_TOML = """\
# aftersale policies (SPEC section 5). A file only needs the keys it changes.
# Durations: 90s, 15m, 1h, 7d, 2w, 1h30m, or ISO 8601 such as PT1H or P14D.

[sla.email]
first_response = "1h"
hard_limit = "24h"
warn_before = "15m"

[sla.form]
first_response = "1h"
hard_limit = "24h"
warn_before = "15m"

[sla.social]
first_response = "1h"
hard_limit = "24h"
warn_before = "15m"

[sla.chat]
first_response = "2m"
hard_limit = "15m"
warn_before = "1m"

[sla.phone]
first_response = "4h"
hard_limit = "24h"
warn_before = "30m"

# Per-priority overrides (low, normal, high, urgent); unset keys fall back to
# the channel's:
# [sla.email.urgent]
# first_response = "15m"

[business_hours]
enabled = false
timezone = "Europe/Warsaw"
days = "mon-fri"            # or "mon,tue,sat", "mon-sat", ["mon", "sat"]
periods = ["09:00-17:00"]   # several allowed: ["08:00-12:00", "13:00-17:00"]
holidays = []               # e.g. [2026-12-24, 2026-12-25]

[escalation]
level1 = ["mailto:support-lead@shop.example"]   # at the target
level2 = ["mailto:manager@shop.example"]        # at the hard limit
repeat_every = "4h"                             # until answered

[complaints]
# 14 days for goods (deemed accepted after); 30 days for other complaints
reply_within = "14d"
alert_before = ["4d", "1d"]

[withdrawal]
refund_within = "14d"
alert_before = ["3d", "1d"]
function = true          # the order page's "withdraw from contract here" button
period = "14d"           # from delivery: while it runs, the button shows

[callbacks]
grace = "0s"

[shipping]
delay_grace = "12h"

[checkins]
after_delivery = "7d"
min_interval = "30d"
quiet_hours = "21:00-08:00"   # "" = none
# [checkins.category.furniture]
# after_delivery = "30d"

[feedback]
compensation = { kind = "discount_code", percent = 10, valid_for = "30d" }
person_contacts_within = "24h"
review_url = "https://shop.example/reviews"   # where review requests point

[ingest]
wait_for_parent = "10m"

# Beyond SPEC section 5: who the shop is, and how customer messages go out.
[contact]
shop_name = "Shop"
email = "support@shop.example"   # "how to reach a person" in customer messages
phone = ""
url = ""

[delivery]
prefer = ["email", "sms", "webhook"]   # first channel the customer can take
webhook_url = ""                       # the shop's endpoint, signed JSON POST
max_attempts = 440                     # about 3 days of tries; then a temporary failure is final

[staff]
locale = "pl"                          # language of staff alerts

# Per-shop overrides, merged over everything above:
# [shop."shop-42".sla.email]
# first_response = "30m"
"""
