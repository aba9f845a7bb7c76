"""Money on the wire: a decimal string with no more decimals than its currency has.

The decimals of a currency are its ISO 4217 minor unit (JPY 0, PLN 2, KWD 3). An amount
travels next to its currency (`order.placed`: `total`, `items[].unit_price`), and the
model that holds both sets the currency for the amounts inside it while it validates
them (a context variable: pydantic validates fields one by one, and the error must name
the amount, not the order). An amount with no currency beside it (`return.resolved`
`refund_amount`, in the order's currency) may have up to `MAX_DECIMALS`, the most ISO
4217 gives any currency. The JSON Schema says the same with if/then on the currency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from events.text import CONTROL, CURRENCY_PATTERN, StringRule

#: ISO 4217 minor units of the codes whose minor unit is not 2 (List One, 2025).
#: Every other three-letter code takes `DEFAULT_DECIMALS`.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip
DEFAULT_DECIMALS = 2
#: The most decimals any currency has: the limit of an amount without a currency.
MAX_DECIMALS = max(MINOR_UNITS.values())
#: At most 15 digits before the point (a quadrillion in any currency).
MAX_WHOLE_DIGITS = 15


def money_pattern(decimals: int, *, signed: bool = False) -> str:
    """`^[0-9]{1,15}(\\.[0-9]{1,2})?$` for 2 decimals; no point at all for 0."""
    sign = "-?" if signed else ""
    fraction = rf"(\.[0-9]{{1,{decimals}}})?" if decimals else ""
    return f"^{sign}[0-9]{{1,{MAX_WHOLE_DIGITS}}}{fraction}$"


#: A decimal string such as "1234.50" (any sign), at most `MAX_DECIMALS` decimals.
MONEY_PATTERN = money_pattern(MAX_DECIMALS, signed=True)
#: The same, never negative: every amount of the contract (prices, totals, refunds).
NON_NEGATIVE_MONEY_PATTERN = money_pattern(MAX_DECIMALS)

MONEY_DESCRIPTION = (
    'A decimal amount as a JSON string such as "1234.50", never a JSON number: ASCII '
    "digits and a point, with no more decimals than the currency has (ISO 4217)."
)


def decimals_of(currency: str) -> int:
    """How many decimals amounts in `currency` may have."""
    return MINOR_UNITS.get(currency, DEFAULT_DECIMALS)


#: (currency, decimals) of the amounts being validated; None outside an order.
_CURRENCY: ContextVar[tuple[str, int] | None] = ContextVar("aftersale_currency", default=None)
_CURRENCY_CODE = StringRule(pattern=CURRENCY_PATTERN)


@contextmanager
def amounts_in(currency: Any) -> Iterator[None]:
    """While validating what lies inside, amounts are in `currency` (if it is a code)."""
    known = isinstance(currency, str) and _CURRENCY_CODE.matches(currency)
    token = _CURRENCY.set((currency, decimals_of(currency)) if known else None)
    try:
        yield
    finally:
        _CURRENCY.reset(token)


@dataclass(frozen=True)
class _MoneyRule:
    signed: bool = False

    @property
    def pattern(self) -> str:
        return MONEY_PATTERN if self.signed else NON_NEGATIVE_MONEY_PATTERN

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "money_type",
                'money must be a decimal string such as "1234.50", not a JSON number',
            )
        if not (_SIGNED if self.signed else _UNSIGNED).matches(value):
            raise _refusal(value, self.signed)
        decimals = len(value.partition(".")[2])
        currency = _CURRENCY.get()
        if currency is not None and decimals > currency[1]:
            raise PydanticCustomError(
                "money_decimals",
                "has {decimals} decimals; {currency} has {allowed} (ISO 4217)",
                {
                    "decimals": decimals,
                    "currency": currency[0],
                    "allowed": currency[1],
                },
            )
        return Decimal(value)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return money_schema(self.pattern)


_SIGNED = StringRule(pattern=MONEY_PATTERN)
_UNSIGNED = StringRule(pattern=NON_NEGATIVE_MONEY_PATTERN)


def _refusal(value: str, signed: bool) -> PydanticCustomError:
    if not signed and _SIGNED.matches(value):
        return PydanticCustomError("money_negative", "amount must not be negative")
    return PydanticCustomError(
        "money_form",
        'is not a decimal amount such as "1234.50" (ASCII digits 0-9, at most {digits} '
        "before the point and {decimals} after it)",
        {"digits": MAX_WHOLE_DIGITS, "decimals": MAX_DECIMALS},
    )


def money_schema(pattern: str) -> JsonSchemaValue:
    return {
        "description": MONEY_DESCRIPTION,
        "examples": ["1234.50"],
        "not": {"pattern": f"[{CONTROL}]"},
        "pattern": pattern,
        "type": "string",
    }


#: Any amount (tests and future fields); the contract's amounts are `PositiveMoney`.
Money = Annotated[Decimal, _MoneyRule(signed=True)]
#: Prices, totals and refunds: never negative.
PositiveMoney = Annotated[Decimal, _MoneyRule()]


def decimals_by_currency(amounts: Callable[[JsonSchemaValue], JsonSchemaValue]) -> list[Any]:
    """JSON Schema if/then rules: for each group of currencies, the amounts' pattern.

    `amounts(money)` returns the schema that applies `money` to every amount of the
    object (e.g. its `total` and every item's `unit_price`).
    """
    groups: dict[int, list[str]] = {}
    for code, decimals in sorted(MINOR_UNITS.items()):
        groups.setdefault(decimals, []).append(code)
    rules: list[Any] = []
    for decimals, codes in sorted(groups.items()):
        rules.append(
            {
                "if": {"properties": {"currency": {"enum": codes}}, "required": ["currency"]},
                "then": amounts({"pattern": money_pattern(decimals), "type": "string"}),
            }
        )
    rules.append(
        {
            "if": {
                "properties": {"currency": {"not": {"enum": sorted(MINOR_UNITS)}}},
                "required": ["currency"],
            },
            "then": amounts({"pattern": money_pattern(DEFAULT_DECIMALS), "type": "string"}),
        }
    )
    return rules
