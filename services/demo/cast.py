"""Who and what the demo shop's story is about: its customers (in Poland, the UK
and Ireland, reachable by email, phone or both), products, carriers, and what
happens to each order."""

from __future__ import annotations

from typing import NamedTuple

from events.customers import DEFAULT_TIMEZONE


class Person(NamedTuple):
    name: str
    locale: str
    email: str | None = None
    phone: str | None = None
    consent: bool = False
    timezone: str = DEFAULT_TIMEZONE


UK, IE = "Europe/London", "Europe/Dublin"
PEOPLE: tuple[Person, ...] = (
    Person("Anna Kowalska", "pl", "anna.kowalska@example.com", consent=True),
    Person("Piotr Nowak", "pl", "piotr.nowak@example.com"),
    Person("Katarzyna Wiśniewska", "pl", "k.wisniewska@example.com", consent=True),
    Person("Tomasz Wójcik", "pl", "tomasz.wojcik@example.com"),
    Person("Magdalena Kamińska", "pl", "magda.kaminska@example.com", consent=True),
    Person("Michał Lewandowski", "pl", "m.lewandowski@example.com", "+48 601 200 300"),
    Person("Agnieszka Zielińska", "pl", "aga.zielinska@example.com"),
    Person("Krzysztof Szymański", "pl", "k.szymanski@example.com", consent=True),
    Person("Joanna Woźniak", "pl", "joanna.wozniak@example.com"),
    Person("Paweł Dąbrowski", "pl", "pawel.dabrowski@example.com"),
    Person("Zofia Mazur", "pl", phone="+48 602 111 222"),
    Person("Jan Krawczyk", "pl", phone="+48 603 333 444", consent=True),
    Person("Emily Clarke", "en", "emily.clarke@example.co.uk", consent=True, timezone=UK),
    Person("James Walker", "en", "james.walker@example.co.uk", timezone=UK),
    Person("Olivia Bennett", "en", "olivia.bennett@example.ie", consent=True, timezone=IE),
    Person("Harry Thompson", "en", "harry.thompson@example.co.uk", timezone=UK),
    Person("Sophie Turner", "en", "sophie.turner@example.com", timezone=UK),
    Person("George Evans", "en", "george.evans@example.co.uk", "+44 7700 900123", timezone=UK),
)

PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("KAW-100", "Ekspres do kawy Barista", "899.00", "agd"),
    ("CZA-210", "Czajnik elektryczny", "149.99", "agd"),
    ("KUB-030", "Kubek termiczny 450 ml", "59.90", "kuchnia"),
    ("LAM-501", "Lampa biurkowa LED", "219.00", "oświetlenie"),
    ("SLU-700", "Słuchawki bezprzewodowe", "349.00", "elektronika"),
    ("PLE-040", "Plecak miejski 22 l", "189.00", "akcesoria"),
    ("KOC-015", "Koc wełniany", "129.00", "dom"),
    ("BUT-900", "Butelka filtrująca", "79.00", "kuchnia"),
)

#: order number → (customer, what happens to it).
ORDERS: tuple[tuple[int, str], ...] = (
    (0, "delivered"), (1, "delivered"), (2, "delivered"), (3, "delayed"),
    (4, "withdrawal_refunded"), (5, "shipped"), (6, "complaint_open"), (7, "delivered"),
    (8, "placed"), (9, "overdue"), (10, "withdrawal_function"), (11, "shipped"),
    (12, "delivered"), (13, "withdrawal_open"), (14, "delayed"), (15, "delivered"),
    (16, "cancelled"), (17, "complaint_repaired"), (0, "shipped"), (7, "delivered"),
    (12, "placed"), (3, "delivered"), (2, "placed"), (15, "shipped"),
    (8, "delivered"), (14, "placed"), (9, "delivered"), (4, "delivered"),
)  # fmt: skip

CARRIERS = (
    ("InPost", "https://inpost.pl/sledzenie?number="),
    ("DPD", "https://tracktrace.dpd.com.pl/parcel/"),
)
