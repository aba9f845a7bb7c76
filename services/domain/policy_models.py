"""The policy sections of SPEC section 5 as pydantic models; defaults are the spec's.

:mod:`services.runtime.policies` loads them from TOML; this module only
defines them. Every model is frozen and forbids unknown keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from events.customers import DEFAULT_TIMEZONE
from services.domain.durations import (
    ClockRange,
    Duration,
    format_duration,
)
from services.domain.policy_delivery import Contact, Delivery, Staff
from services.domain.policy_fields import (
    WEEKDAYS,
    BusinessPeriod,
    QuietHours,
    Target,
    Weekday,
    check_http_url,
    check_zone,
    parse_days,
)

CHANNELS = ("email", "form", "social", "chat", "phone")
PRIORITIES = ("low", "normal", "high", "urgent")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """The first-reply clock of one channel and priority."""

    first_response: timedelta
    hard_limit: timedelta
    warn_before: timedelta


def _check_sla(first_response: timedelta, hard_limit: timedelta) -> None:
    if hard_limit < first_response:
        raise ValueError(
            f"hard_limit ({format_duration(hard_limit)}) is shorter than "
            f"first_response ({format_duration(first_response)})"
        )


class SlaOverride(_Model):
    """Per-priority override; unset fields fall back to the channel's."""

    first_response: Duration | None = None
    hard_limit: Duration | None = None
    warn_before: Duration | None = None


class SlaChannel(_Model):
    first_response: Duration
    hard_limit: Duration
    warn_before: Duration
    low: SlaOverride | None = None
    normal: SlaOverride | None = None
    high: SlaOverride | None = None
    urgent: SlaOverride | None = None

    def target(self, priority: str) -> SlaTarget:
        if priority not in PRIORITIES:
            raise ValueError(
                f"unknown priority {priority!r}; expected one of {', '.join(PRIORITIES)}"
            )
        over: SlaOverride | None = getattr(self, priority)
        if over is None:
            return SlaTarget(self.first_response, self.hard_limit, self.warn_before)
        return SlaTarget(
            over.first_response if over.first_response is not None else self.first_response,
            over.hard_limit if over.hard_limit is not None else self.hard_limit,
            over.warn_before if over.warn_before is not None else self.warn_before,
        )

    @field_validator("hard_limit")
    @classmethod
    def _after_first_response(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        if "first_response" in info.data:
            _check_sla(info.data["first_response"], value)
        return value

    @field_validator("low", "normal", "high", "urgent")
    @classmethod
    def _override_consistent(
        cls, value: SlaOverride | None, info: ValidationInfo
    ) -> SlaOverride | None:
        if value is not None and {"first_response", "hard_limit"} <= info.data.keys():
            _check_sla(
                info.data["first_response"]
                if value.first_response is None
                else value.first_response,
                info.data["hard_limit"] if value.hard_limit is None else value.hard_limit,
            )
        return value


def _sla(first: str, hard: str, warn: str) -> Any:
    return Field(
        default_factory=lambda: SlaChannel.model_validate(
            {"first_response": first, "hard_limit": hard, "warn_before": warn}
        )
    )


class Sla(_Model):
    email: SlaChannel = _sla("1h", "24h", "15m")
    form: SlaChannel = _sla("1h", "24h", "15m")
    social: SlaChannel = _sla("1h", "24h", "15m")
    chat: SlaChannel = _sla("2m", "15m", "1m")
    phone: SlaChannel = _sla("4h", "24h", "30m")


class BusinessHours(_Model):
    enabled: StrictBool = False
    timezone: Annotated[str, AfterValidator(check_zone)] = DEFAULT_TIMEZONE
    days: Annotated[tuple[Weekday, ...], BeforeValidator(parse_days)] = WEEKDAYS[:5]
    periods: tuple[BusinessPeriod, ...] = (ClockRange(time(9), time(17)),)
    holidays: tuple[date, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekdays(self) -> frozenset[int]:
        """The open days as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)

    @field_validator("periods")
    @classmethod
    def _no_overlap(cls, periods: tuple[ClockRange, ...]) -> tuple[ClockRange, ...]:
        spans = sorted((p.start, p.end if p.end != time(0) else time.max, p) for p in periods)
        for (_, end, first), (start, _, second) in pairwise(spans):
            if start < end:
                raise ValueError(f'"{first}" and "{second}" overlap')
        return periods

    @model_validator(mode="after")
    def _usable(self) -> BusinessHours:
        if self.enabled and not (self.days and self.periods):
            raise ValueError("enabled business hours need at least one day and one period")
        return self


class Escalation(_Model):
    level1: tuple[Target, ...] = ("mailto:support-lead@shop.example",)
    level2: tuple[Target, ...] = ("mailto:manager@shop.example",)
    repeat_every: Duration = timedelta(hours=4)


def _alerts_inside(alerts: tuple[timedelta, ...], info: ValidationInfo, name: str) -> None:
    limit = info.data.get(name)
    if limit is not None and any(alert >= limit for alert in alerts):
        raise ValueError(
            f"every alert must come before the deadline ({name} = {format_duration(limit)})"
        )


class Complaints(_Model):
    reply_within: Duration = timedelta(days=14)
    alert_before: tuple[Duration, ...] = (timedelta(days=4), timedelta(days=1))

    @field_validator("alert_before")
    @classmethod
    def _alerts(cls, value: tuple[timedelta, ...], info: ValidationInfo) -> tuple[timedelta, ...]:
        _alerts_inside(value, info, "reply_within")
        return value


class Withdrawal(_Model):
    refund_within: Duration = timedelta(days=14)
    alert_before: tuple[Duration, ...] = (timedelta(days=3), timedelta(days=1))
    #: The order page's "withdraw from contract here" button (Directive 2011/83/EU,
    #: Article 11a); a shop that runs its own withdrawal function turns it off.
    function: bool = True
    #: How long after delivery a customer may withdraw (the button shows until then).
    period: Duration = timedelta(days=14)

    @field_validator("alert_before")
    @classmethod
    def _alerts(cls, value: tuple[timedelta, ...], info: ValidationInfo) -> tuple[timedelta, ...]:
        _alerts_inside(value, info, "refund_within")
        return value


class Callbacks(_Model):
    grace: Duration = timedelta(0)


class Shipping(_Model):
    delay_grace: Duration = timedelta(hours=12)


class CheckinCategory(_Model):
    after_delivery: Duration


class Checkins(_Model):
    after_delivery: Duration = timedelta(days=7)
    min_interval: Duration = timedelta(days=30)
    quiet_hours: QuietHours = ClockRange(time(21), time(8))
    category: dict[str, CheckinCategory] = Field(default_factory=dict)

    def after_delivery_for(self, category: str | None) -> timedelta:
        """The check-in delay for an item category (the general one when it has none)."""
        special = self.category.get(category) if category else None
        return special.after_delivery if special else self.after_delivery


class Compensation(_Model):
    kind: Literal["discount_code", "none"] = "discount_code"
    percent: StrictInt = Field(default=10, ge=0, le=100)
    valid_for: Duration = timedelta(days=30)


class Feedback(_Model):
    compensation: Compensation = Field(default_factory=Compensation)
    person_contacts_within: Duration = timedelta(hours=24)
    review_url: Annotated[str, AfterValidator(check_http_url)] = "https://shop.example/reviews"


class Ingest(_Model):
    wait_for_parent: Duration = timedelta(minutes=10)


class Policies(_Model):
    """All policies of one shop (or the global ones)."""

    sla: Sla = Field(default_factory=Sla)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    escalation: Escalation = Field(default_factory=Escalation)
    complaints: Complaints = Field(default_factory=Complaints)
    withdrawal: Withdrawal = Field(default_factory=Withdrawal)
    callbacks: Callbacks = Field(default_factory=Callbacks)
    shipping: Shipping = Field(default_factory=Shipping)
    checkins: Checkins = Field(default_factory=Checkins)
    feedback: Feedback = Field(default_factory=Feedback)
    ingest: Ingest = Field(default_factory=Ingest)
    contact: Contact = Field(default_factory=Contact)
    delivery: Delivery = Field(default_factory=Delivery)
    staff: Staff = Field(default_factory=Staff)

    def sla_for(self, channel: str, priority: str) -> SlaTarget:
        """The SLA of a ticket on ``channel`` with ``priority``, per-priority overrides applied."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        sla_channel: SlaChannel = getattr(self.sla, channel)
        return sla_channel.target(priority)
