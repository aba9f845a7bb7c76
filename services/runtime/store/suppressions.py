"""The suppression list: addresses that bounced, complained, were refused or unsubscribed.

Every source writes here (the delivery-report endpoints, the deliverer on an
SMTP 5xx to RCPT, the one-click unsubscribe, `aftersale suppressions add`), and
the deliverer reads it before every email. One row per address, lower case.
A bounce, a complaint, a refusal or an operator's entry stops every email to
the address, from every shop (transactional messages then take the customer's
next channel); an unsubscribe stops only non-transactional ones, and only the
shop's it was given to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast, get_args

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from services.runtime.store.bulk import insert_new
from services.runtime.store.models import Customer, Suppression

Reason = Literal["bounce", "complaint", "rejected", "unsubscribe", "manual"]
#: Every reason, in the order the board and the CLI list them.
REASONS: tuple[Reason, ...] = get_args(Reason)
#: Reasons that stop only non-transactional email; the others stop all of it.
MARKETING_ONLY: frozenset[str] = frozenset({"unsubscribe"})
#: What each reason means, for `aftersale suppressions` and the timeline.
MEANING: dict[str, str] = {
    "bounce": "the address bounced permanently",
    "complaint": "the recipient reported a message as spam",
    "rejected": "the mail server refused the address",
    "unsubscribe": "the recipient unsubscribed (one click)",
    "manual": "an operator suppressed the address",
}

_TABLE = cast(Table, Suppression.__table__)
#: Built once (the deliverer runs it on every claim): Core columns in Entry's order,
#: so a look-up costs no statement building and no ORM loading.
_FIND = select(
    _TABLE.c.address,
    _TABLE.c.reason,
    _TABLE.c.source,
    _TABLE.c.detail,
    _TABLE.c.created_at,
    _TABLE.c.shop_id,
).where(_TABLE.c.address.in_(bindparam("addresses", expanding=True)))


def normalise(address: str) -> str:
    return address.strip().lower()


@dataclass(frozen=True)
class Report:
    """One address reported by one source."""

    address: str
    reason: Reason
    source: str
    detail: str | None = None
    #: The shop an unsubscribe was given to (None: every shop).
    shop_id: str | None = None


#: Longer is no deliverable address (RFC 5321's path limit); such a report is dropped.
MAX_ADDRESS = 254


@dataclass(frozen=True)
class Entry:
    """A suppressed address as the list holds it."""

    address: str
    reason: str
    source: str
    detail: str | None
    created_at: datetime
    shop_id: str | None = None

    @property
    def stops_transactional(self) -> bool:
        return self.reason not in MARKETING_ONLY

    def applies_to(self, shop_id: str) -> bool:
        return self.shop_id is None or self.shop_id == shop_id

    def why(self) -> str:
        meaning = MEANING.get(self.reason, self.reason)
        said = f": {self.detail}" if self.detail else ""
        return f"suppressed ({self.reason}, {self.source}): {meaning}{said}"

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "reason": self.reason,
            "source": self.source,
            "detail": self.detail,
            "created_at": self.created_at.isoformat(),
            "stops_transactional": self.stops_transactional,
            "shop_id": self.shop_id,
        }


def _entry(row: Suppression) -> Entry:
    return Entry(row.address, row.reason, row.source, row.detail, row.created_at, row.shop_id)


def record(session: Session, reports: Iterable[Report], now: datetime) -> int:
    """Add reported addresses (in the caller's transaction); how many are new.

    An address already listed keeps its first entry, except that a reason which
    stops all email replaces an unsubscribe. A complaint also withdraws the
    marketing consent of every customer with that address.
    """
    latest: dict[str, Report] = {}
    for report in reports:
        address = normalise(report.address)
        if not address or len(address) > MAX_ADDRESS:
            continue
        earlier = latest.get(address)
        # Within one report too, a reason that stops all email wins over an unsubscribe.
        if earlier is None or earlier.reason in MARKETING_ONLY:
            latest[address] = report
    if not latest:
        return 0
    # In address order: two writers with overlapping reports lock rows in one order.
    rows = [
        {
            "address": address,
            "reason": report.reason,
            "source": report.source,
            "detail": (report.detail or None) and report.detail[:1000],
            "created_at": now,
            "shop_id": report.shop_id if report.reason in MARKETING_ONLY else None,
        }
        for address, report in sorted(latest.items())
    ]
    inserted = insert_new(session, _TABLE, rows, ["address"], returning=["address"])
    new = {row[0] for row in inserted}
    for row in rows:
        if row["address"] not in new and row["reason"] not in MARKETING_ONLY:
            session.execute(
                update(Suppression)
                .where(
                    Suppression.address == row["address"],
                    Suppression.reason.in_(sorted(MARKETING_ONLY)),
                )
                .values(**row)
            )
    complained = sorted(a for a, report in latest.items() if report.reason == "complaint")
    if complained:
        session.execute(
            update(Customer)
            .where(func.lower(Customer.email).in_(complained))
            .values(marketing_consent=False)
        )
    return len(new)


def remove(session: Session, address: str) -> bool:
    """Take an address off the list; whether it was on it."""
    result = session.execute(delete(Suppression).where(Suppression.address == normalise(address)))
    return bool(getattr(result, "rowcount", 0))


def find(session: Session, addresses: Iterable[str]) -> dict[str, Entry]:
    """The entries of those of `addresses` that are listed, by lower-case address."""
    wanted = sorted({normalise(a) for a in addresses if a})
    if not wanted:
        return {}
    rows = session.execute(_FIND, {"addresses": wanted})
    return {row.address: Entry(*row) for row in rows}


def entries(session: Session, *, reason: str | None = None) -> list[Entry]:
    """Every entry, newest first."""
    query = select(Suppression).order_by(Suppression.created_at.desc(), Suppression.address)
    if reason is not None:
        query = query.where(Suppression.reason == reason)
    return [_entry(row) for row in session.scalars(query)]


def counts(session: Session) -> dict[str, int]:
    """How many addresses each reason holds (every reason present, zeros included)."""
    found = dict(
        session.execute(select(Suppression.reason, func.count()).group_by(Suppression.reason)).all()
    )
    return {reason: int(found.get(reason, 0)) for reason in REASONS}
