"""Hand-written bodies at the edges of the contract, each with the answer it must get.

Every case starts from a published example (`schemas/examples/`) and changes one thing.
Each body has an `event_id` of its own, so the ingest records every valid one.
"""

from __future__ import annotations

from functools import cache

from tests.conformance import cases_values, cases_wire
from tests.conformance.bodies import EXAMPLES, Case, CaseList, encode, variant

PARTS = (
    cases_wire.encodings,
    cases_wire.json_rules,
    cases_wire.envelope,
    cases_wire.times,
    cases_values.money,
    cases_values.customer,
    cases_values.items_and_texts,
)


@cache
def hand_cases() -> tuple[Case, ...]:
    cases = CaseList()
    for event_type in sorted(path.stem for path in EXAMPLES.glob("*.json")):
        name = f"example {event_type}"
        cases.add(name, encode(variant(f"ex-{event_type}", event_type, {})), True)
    for part in PARTS:
        part(cases)
    return tuple(cases.cases)
