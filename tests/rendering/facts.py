"""What each sample message must say, per kind and locale (spaces normalised)."""

from __future__ import annotations

#: Facts each sample message must state, per kind and locale (spaces normalised).
FACTS: dict[str, dict[str, tuple[str, ...]]] = {
    "order_confirmation": {
        "pl": (
            "ZO-2026-1042",
            "środa, 25 listopada 2026",
            "1 234,50 zł",
            "5 produktów",
            "Sekator nożycowy",
            "link do śledzenia",
        ),
        "en": (
            "ZO-2026-1042",
            "Wednesday, 25 November 2026",
            "PLN 1,234.50",
            "5 items",
            "tracking link",
        ),
    },
    "order_shipped": {
        "pl": ("ZO-2026-1042", "InPost", "620000123456789012345678", "25 listopada 2026"),
        "en": ("ZO-2026-1042", "InPost", "620000123456789012345678", "25 November 2026"),
    },
    "shipment_delayed": {
        "pl": (
            "ZO-2026-1042",
            "Przepraszamy",
            "27 listopada 2026",
            "sortowni",
            "pomoc@zielony-ogrod.pl",
            "+48 22 123 45 67",
        ),
        "en": (
            "ZO-2026-1042",
            "sorry",
            "27 November 2026",
            "sorting centre",
            "pomoc@zielony-ogrod.pl",
            "+48 22 123 45 67",
        ),
    },
    "return_instructions": {
        "pl": ("R-311", "ZO-2026-1042", "DON-40", "14 dni od otrzymania paczki"),
        "en": ("R-311", "ZO-2026-1042", "DON-40", "14 days of receiving the parcel"),
    },
    "withdrawal_received": {
        "pl": (
            "ZO-2026-1042",
            "WD-5f1c2a9e0b7d4c31",
            "DON-40",
            "23 listopada 2026, 10:14",
            "7 grudnia 2026",
            "trwałym nośniku",
        ),
        "en": (
            "ZO-2026-1042",
            "WD-5f1c2a9e0b7d4c31",
            "DON-40",
            "23 November 2026, 09:14",
            "7 December 2026",
            "durable medium",
        ),
    },
    "withdrawal_notice": {
        "pl": ("ZO-2026-1042", "WD-5f1c2a9e0b7d4c31", "c-1042 (a***a@e***.pl)", "7 grudnia 2026"),
        "en": ("ZO-2026-1042", "WD-5f1c2a9e0b7d4c31", "c-1042 (a***a@e***.pl)", "7 December 2026"),
    },
    "complaint_received": {
        "pl": ("R-312", "ZO-2026-1042", "7 grudnia 2026", "14 dni", "uznaną"),
        "en": ("R-312", "ZO-2026-1042", "7 December 2026", "14 days", "deemed accepted"),
    },
    "return_received": {
        "pl": ("R-311", "ZO-2026-1042", "Zwrócimy Ci pieniądze najpóźniej do 7 grudnia 2026"),
        "en": ("R-311", "ZO-2026-1042", "refund you by 7 December 2026"),
    },
    "return_resolved": {
        "pl": ("R-311", "ZO-2026-1042", "1 234,50 zł", "kartę"),
        "en": ("R-311", "ZO-2026-1042", "PLN 1,234.50", "card"),
    },
    "ticket_received": {
        "pl": ("T-4711", "Brak faktury", "dziś do 11:15"),
        "en": ("T-4711", "Missing invoice", "today by 10:15"),
    },
    "checkin": {
        "pl": (
            "ZO-2026-1042",
            "25 listopada 2026",
            "/csat/1",
            "/csat/5",
            "Potrzebujesz czegoś jeszcze?",
        ),
        "en": (
            "ZO-2026-1042",
            "25 November 2026",
            "/csat/1",
            "/csat/5",
            "Do you need anything more?",
        ),
    },
    "feedback_apology": {
        "pl": (
            "ZO-2026-1042",
            "Przepraszamy",
            "24 listopada 2026 do 10:15",
            "PRZEPRASZAMY10",
            "10%",
            "25 grudnia 2026",
        ),
        "en": (
            "ZO-2026-1042",
            "sorry",
            "09:15 on 24 November 2026",
            "PRZEPRASZAMY10",
            "10%",
            "25 December 2026",
        ),
    },
    "review_request": {
        "pl": ("ZO-2026-1042", "opinię", "/opinie?order=ZO-2026-1042"),
        "en": ("ZO-2026-1042", "review", "/opinie?order=ZO-2026-1042"),
    },
    "delivery_overdue": {
        "pl": (
            "ZO-2026-1042",
            "2 h 15 min",
            "25 listopada 2026",
            "Co zrobić",
            "shipping.delay_grace",
            "a***a@e***.pl",
        ),
        "en": (
            "ZO-2026-1042",
            "2 h 15 min",
            "25 November 2026",
            "What to do",
            "shipping.delay_grace",
            "a***a@e***.pl",
        ),
    },
    "sla_warning": {
        "pl": (
            "T-4711",
            "15 min",
            "23 listopada 2026, 11:00",
            "Co zrobić",
            "sla.email.first_response",
            "wysoki",
        ),
        "en": (
            "T-4711",
            "15 min",
            "23 November 2026, 10:00",
            "What to do",
            "sla.email.first_response",
            "high",
        ),
    },
    "sla_breach": {
        "pl": (
            "T-4711",
            "2 h 15 min po terminie",
            "poziom 1",
            "Co zrobić",
            "sla.email.first_response",
        ),
        "en": ("T-4711", "2 h 15 min late", "level 1", "What to do", "sla.email.first_response"),
    },
    "callback_overdue": {
        "pl": (
            "T-4711",
            "1 h 15 min",
            "23 listopada 2026, 09:00",
            "Marta Nowak",
            "Co zrobić",
            "callbacks.grace",
        ),
        "en": (
            "T-4711",
            "1 h 15 min",
            "23 November 2026, 08:00",
            "Marta Nowak",
            "What to do",
            "callbacks.grace",
        ),
    },
    "complaint_deadline": {
        "pl": (
            "R-312",
            "ZO-2026-1042",
            "4 d 3 h",
            "7 grudnia 2026, 10:15",
            "8 grudnia 2026",
            "Co zrobić",
            "complaints.reply_within",
        ),
        "en": (
            "R-312",
            "ZO-2026-1042",
            "4 d 3 h",
            "7 December 2026, 09:15",
            "8 December 2026",
            "What to do",
            "complaints.reply_within",
        ),
    },
    "refund_deadline": {
        "pl": (
            "R-311",
            "ZO-2026-1042",
            "1 d",
            "7 grudnia 2026, 10:15",
            "Co zrobić",
            "withdrawal.refund_within",
        ),
        "en": (
            "R-311",
            "ZO-2026-1042",
            "1 d",
            "7 December 2026, 09:15",
            "What to do",
            "withdrawal.refund_within",
        ),
    },
    "negative_feedback": {
        "pl": (
            "ZO-2026-1042",
            "1/5",
            "T-4712",
            "uszkodzona",
            "24 listopada 2026, 10:15",
            "Co zrobić",
            "feedback.person_contacts_within",
        ),
        "en": (
            "ZO-2026-1042",
            "1/5",
            "T-4712",
            "damaged",
            "24 November 2026, 09:15",
            "What to do",
            "feedback.person_contacts_within",
        ),
    },
}
