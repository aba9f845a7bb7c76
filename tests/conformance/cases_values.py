"""Edge cases of the values: money, the customer, items, free text, scores."""

from __future__ import annotations

from tests.conformance.bodies import (
    CUSTOMER,
    NAME,
    PRICE,
    QUANTITY,
    TOTAL,
    ZONE,
    CaseList,
    encode,
    put,
    variant,
)


def money(cases: CaseList) -> None:
    for name, currency, total, price, valid in (
        ("PLN 2 decimals", "PLN", "1234.50", "522.25", True),
        ("PLN 1 decimal", "PLN", "1234.5", "522.2", True),
        ("PLN whole", "PLN", "1234", "522", True),
        ("PLN 3 decimals", "PLN", "1234.505", "522.25", False),
        ("PLN price with 3 decimals", "PLN", "1234.50", "0.001", False),
        ("PLN 4 decimals", "PLN", "1234.5000", "522.25", False),
        ("JPY whole", "JPY", "1234", "522", True),
        ("JPY with decimals", "JPY", "1234.00", "522", False),
        ("JPY price with decimals", "JPY", "1234", "522.5", False),
        ("KRW whole", "KRW", "98000", "49000", True),
        ("KWD 3 decimals", "KWD", "1.234", "0.617", True),
        ("KWD 4 decimals", "KWD", "1.2345", "0.617", False),
        ("CLF 4 decimals", "CLF", "1.2345", "0.6172", True),
        ("an unlisted code takes 2", "XYZ", "12.34", "6.17", True),
        ("an unlisted code with 3", "XYZ", "12.345", "6.17", False),
        ("EUR zero", "EUR", "0", "0.00", True),
    ):
        document = variant(f"money {name}", "order.placed", {TOTAL: total, PRICE: price})
        put(document, ("data", "items", 1, "unit_price"), price)
        put(document, ("data", "currency"), currency)
        cases.add(f"money {name}", encode(document), valid)
    for name, value in (
        ("Arabic-Indic digits", "٣.٥٠"),
        ("Extended Arabic-Indic digits", "۳.۵۰"),
        ("fullwidth digits", "１２.５０"),
        ("Devanagari digits", "१२.५०"),
        ("a JSON number", 1234.5),
        ("a JSON integer", 1234),
        ("negative", "-12.50"),
        ("with a plus", "+12.50"),
        ("with a newline", "12.50\n"),
        ("with a space", " 12.50"),
        ("with a comma", "12,50"),
        ("exponent", "1e3"),
        ("a bare point", "12."),
        ("no whole part", ".50"),
        ("16 digits", "1234567890123456"),
        ("empty", ""),
        ("null", None),
    ):
        cases.field(f"total {name}", False, "order.placed", TOTAL, value)
    cases.field("total of 15 digits", True, "order.placed", TOTAL, "123456789012345")
    for name, value, valid in (
        ("4 decimals", "522.2525", True),
        ("5 decimals", "522.25251", False),
        ("Arabic-Indic digits", "٣", False),
        ("a number", 522.25, False),
        ("null", None, True),
    ):
        cases.field(
            f"refund_amount {name}", valid, "return.resolved", ("data", "refund_amount"), value
        )


def customer(cases: CaseList) -> None:
    for name, value, valid in (
        ("UTC", "UTC", True),
        ("Etc/GMT+5", "Etc/GMT+5", True),
        ("a long name", "America/Argentina/ComodRivadavia", True),
        ("a legacy link", "US/Eastern", True),
        ("Mars/Olympus", "Mars/Olympus", False),
        ("a trailing space", "Europe/Warsaw ", False),
        ("lower case", "europe/warsaw", False),
        ("localtime", "localtime", False),
        ("posixrules", "posixrules", False),
        ("an offset", "+01:00", False),
        ("empty", "", False),
        ("a number", 5, False),
        ("null", None, False),
    ):
        cases.field(f"timezone {name}", valid, "order.placed", ZONE, value)
        if name in ("UTC", "Mars/Olympus", "null"):
            cases.field(
                f"customer.updated timezone {name}", valid or name == "null", "customer.updated",
                ("data", "timezone"), value,
            )  # fmt: skip
    for name, value, valid in (
        ('"yes"', "yes", False),
        ('"true"', "true", False),
        ("1", 1, False),
        ("0", 0, False),
        ("null", None, False),
        ("false", False, True),
    ):
        cases.field(f"marketing_consent {name}", valid, "order.placed",
                    ("data", "customer", "marketing_consent"), value)  # fmt: skip
    cases.field("opted_out as a string", False, "customer.updated", ("data", "opted_out"), "true")
    cases.field("opted_out true", True, "customer.updated", ("data", "opted_out"), True)
    cases.field("email null in an update", True, "customer.updated", ("data", "email"), None)
    for name, value, valid in (
        ("with NUL", "Jan\u0000Kowalski", False),
        ("with a newline", "Jan\nKowalski", False),
        ("with a tab", "Jan\tKowalski", False),
        ("with DEL", "Jan\u007fKowalski", False),
        ("with a C1 control", "Jan\u0085Kowalski", False),
        ("with a bell", "Jan\u0007", False),
        ("with an emoji", "Zofia 😀 Wiśniewska", True),
        ("in Arabic", "زوفيا", True),
        ("in Japanese", "山田 花子", True),
        ("with a line separator", "Jan\u2028Kowalski", True),
        ("with a zero-width joiner", "Jan\u200dKowalski", True),
        ("a number", 7, False),
    ):
        cases.field(f"customer name {name}", valid, "order.placed", NAME, value)
        if name == "with NUL":
            cases.field("ticket customer name with NUL", False, "ticket.opened", NAME, value)
    for name, value, valid in (
        ("Polish", "łukasz.żółć@example.pl", True),
        ("an IDN domain", "anna@żółw.example", True),
        ("with a space", "anna kowalska@example.pl", False),
        ("without a dot", "anna@example", False),
        ("two at signs", "anna@@example.pl", False),
        ("with a newline", "anna@example.pl\n", False),
        ("with a no-break space", "anna\u00a0k@example.pl", False),
        ("255 characters", "a" * 243 + "@example.com", False),
    ):
        cases.field(f"email {name}", valid, "order.placed", ("data", "customer", "email"), value)
    for field, value, valid in (
        ("phone", "+48 601 234 567\n", False),
        ("phone", "+48 ６０１ 234 567", False),
        ("locale", "pl\n", False),
        ("locale", "PL", False),
        ("locale", "en-GB", True),
        ("customer_id", " cust-1", False),
        ("customer_id", "cust-1 ", False),
        ("customer_id", "cust-1\u00a0", False),
        ("customer_id", "\u3000cust-1", False),
        ("customer_id", "cust 1", True),
    ):
        cases.field(f"{field} {value!r}", valid, "order.placed", (*CUSTOMER, field), value)


def items_and_texts(cases: CaseList) -> None:
    for name, value, valid in (
        ("2.0", 2.0, True),
        ("1e2", 1e2, True),
        ('"2"', "2", False),
        ("true", True, False),
        ("2.5", 2.5, False),
        ("0", 0, False),
        ("0.0", 0.0, False),
        ("-1", -1, False),
        ("1000000", 1_000_000, True),
        ("1000001", 1_000_001, False),
        ("huge", 1e400, False),
    ):
        cases.field(f"quantity {name}", valid, "order.placed", QUANTITY, value)
    cases.field(
        "return quantity 1.0", True, "return.requested", ("data", "items", 0, "quantity"), 1.0
    )
    cases.field("items empty", False, "order.placed", ("data", "items"), [])
    cases.field("sku with NUL", False, "order.placed", ("data", "items", 0, "sku"), "KET\u0000")
    cases.field(
        "item name with a newline", False, "order.placed", ("data", "items", 0, "name"), "a\nb"
    )
    cases.field("currency with a newline", False, "order.placed", ("data", "currency"), "PLN\n")
    cases.field("currency lower case", False, "order.placed", ("data", "currency"), "pln")
    for name, value, valid in (
        ("with NUL", "Gdzie\u0000", False),
        ("with a newline", "Gdzie\njest", False),
        ("1000 characters", "g" * 1000, True),
    ):
        cases.field(f"subject {name}", valid, "ticket.opened", ("data", "subject"), value)
    for name, value, valid in (
        ("with line breaks", "Szybko.\r\nDziękuję!\n\tZofia", True),
        ("with NUL", "Szybko\u0000", False),
        ("with a form feed", "Szybko\u000c", False),
        ("with DEL", "Szybko\u007f", False),
    ):
        cases.field(f"comment {name}", valid, "feedback.received", ("data", "comment"), value)
    cases.field("note with a bell", False, "return.resolved", ("data", "note"), "ok\u0007")
    cases.field("reason with a newline", True, "order.cancelled", ("data", "reason"), "a\nb")
    for name, value, valid in (
        ("with a space", "https://inpost.pl/a b", False),
        ("ftp", "ftp://inpost.pl/", False),
        ("empty host", "https://", False),
        ("upper case scheme", "HTTPS://inpost.pl/", False),
        ("non-ASCII", "https://żółw.example/ścieżka", True),
    ):
        cases.field(f"tracking_url {name}", valid, "order.shipped", ("data", "tracking_url"), value)
    cases.field("tracking_number with a tab", False, "order.shipped",
                ("data", "tracking_number"), "6200\t1")  # fmt: skip
    for scale, score, valid in (
        ("csat5", 0, False),
        ("csat5", 1, True),
        ("csat5", 5.0, True),
        ("csat5", 6, False),
        ("nps10", 0, True),
        ("nps10", 9.0, True),
        ("nps10", 10, True),
        ("nps10", 11, False),
        ("nps10", 4.5, False),
        ("nps10", "9", False),
        ("nps10", True, False),
    ):
        document = variant(f"score {scale} {score!r}", "feedback.received", {})
        put(document, ("data", "scale"), scale)
        put(document, ("data", "score"), score)
        cases.add(f"score {scale} {score!r}", encode(document), valid)
