"""The guide's "How a body is checked" section: the JSON rules and the value rules."""

from __future__ import annotations

from events import MAX_BODY_BYTES
from events.json_text import MAX_DEPTH
from events.money import DEFAULT_DECIMALS, MAX_DECIMALS, MAX_WHOLE_DIGITS, MINOR_UNITS
from events.zones import TIME_ZONE_DEFINITION, tzdata_version

_PYTHON_CHECK = """\
```python
import json
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMAS = Path("schemas")


def validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    # Formats are annotations here: the patterns already say the same.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def is_valid(document: dict) -> bool:
    envelope = validator(SCHEMAS / "envelope.schema.json")
    if not envelope.is_valid(document):
        return False
    return validator(SCHEMAS / "events" / f"{document['type']}.schema.json").is_valid(document)
```"""


def _decimals_lines() -> list[str]:
    groups: dict[int, list[str]] = {}
    for code, decimals in sorted(MINOR_UNITS.items()):
        groups.setdefault(decimals, []).append(code)
    lines = ["| decimals | currencies |", "| --- | --- |"]
    for decimals, codes in sorted(groups.items()):
        lines.append(f"| {decimals} | {', '.join(codes)} |")
    lines.append(f"| {DEFAULT_DECIMALS} | every other three-letter code (PLN, EUR, USD, …) |")
    return lines


def checking_section() -> list[str]:
    """Markdown lines: what the ingest and the gateway accept, rule by rule."""
    return [
        "## How a body is checked",
        "",
        "The ingest and the gateway accept a body exactly when all three hold; the "
        "schemas and the running validator are generated from the same types and a "
        "conformance test holds them to the same answer on every body:",
        "",
        f"1. it is at most {MAX_BODY_BYTES} bytes;",
        "2. it is an I-JSON message (RFC 7493): UTF-8 without a byte order mark (UTF-16, "
        "UTF-32 and a BOM are refused); no `NaN`, `Infinity` or `-Infinity`; no name "
        'twice in one object; no lone surrogate (`"\\ud800"`) and no Unicode '
        f"noncharacter in any string; at most {MAX_DEPTH} levels of nesting; no integer "
        "of more than 4300 digits;",
        "3. the document is valid against `envelope.schema.json` and against "
        "`events/<type>.schema.json` of its `type` (JSON Schema draft 2020-12).",
        "",
        "The schemas state every rule with `type`, `pattern`, `enum`, `const`, lengths, "
        "bounds and `if`/`then`. `format` (`date-time`, `date`, `idn-email`) only names "
        "what the patterns already demand, so a validator answers the same with format "
        "assertion on or off. The patterns use only what ECMA-262, Python `re` and Rust "
        "`regex` read alike (`[0-9]`, never `\\d`, which matches Arabic-Indic digits in "
        "Python), and every string refuses control characters with a `not` pattern, which "
        "keeps `^…$` exact where `$` also matches before a final newline.",
        "",
        _PYTHON_CHECK,
        "",
        "Rules for values:",
        "",
        "- **Strings**: no control characters (U+0000–U+001F, U+007F–U+009F) in any field "
        "of the contract (`shop_id` keeps its own rule, above); free text (`reason`, "
        "`note`, `comment`) may hold tabs and line breaks. Identifiers (`order_id`, "
        "`customer_id`, `sku`, …) have 1–128 characters and no space at either end. "
        "Unknown extra fields are not checked beyond rule 2.",
        "- **Numbers**: `quantity` and `score` are integers, and `2.0` is the integer 2 "
        '(JSON has one kind of number); `"2"` and `true` are not numbers.',
        '- **Booleans**: `true` and `false` only; never `"yes"`, `"true"` or `1`.',
        "- **Times**: RFC 3339 with seconds and a zone: `2026-11-23T10:15:00+01:00`, "
        "`2026-11-23T09:15:00.250Z` (`T` and `Z` in capitals, up to nine decimals of a "
        "second, years 1900–2999, real calendar days). A JSON number, a space instead of "
        "`T`, a missing zone or missing seconds are refused, and so is the leap second "
        "`23:59:60`. Delivery estimates also take a whole day (`2026-11-26`).",
        f"- **Time zones**: exactly the names of the tz database release {tzdata_version()} "
        f"(the `tzdata` package), listed in the schemas as `{TIME_ZONE_DEFINITION}`; the "
        "spelling must be exact (`Europe/Warsaw`, not `europe/warsaw` or `Europe/Warsaw `).",
        "- **Money**: a JSON string of ASCII digits with an optional point, at most "
        f"{MAX_WHOLE_DIGITS} digits before it and no more decimals after it than the "
        'currency has in ISO 4217 (`"1234.505"` PLN is refused, not rounded; '
        '`"1234.5"` is fine). `refund_amount` is in the order\'s currency, which '
        f"`return.resolved` does not repeat: it may have up to {MAX_DECIMALS} decimals "
        "(the most any currency has); send it with the decimals of the order's currency.",
        "",
        *_decimals_lines(),
        "",
    ]
