"""The operator board over plain HTTP on a real gateway: states and order of the
SLA board, escaping and masking, security headers, and the replay API's rules."""

from __future__ import annotations

import re
from datetime import timedelta

from services.runtime.store.engine import build_engine, session_factory
from services.runtime.topology import DEAD_LETTER_QUEUE, INGEST_QUEUE
from tests.operator_page import support
from tests.operator_page.support import OPERATOR_TOKEN, http, running_gateway, settings_for
from tests.support.ingest import queue_depth


def seed_board(database_url: str) -> None:
    engine = build_engine(database_url)
    with session_factory(engine).begin() as session:
        owner = support.customer(session)
        support.ticket(
            session,
            owner,
            "T-late-2",
            due_in=-timedelta(hours=5),
            hard_in=-timedelta(hours=1),
            level=2,
        )
        support.ticket(session, owner, "T-late-1", due_in=-timedelta(minutes=30), level=1)
        support.ticket(
            session,
            owner,
            "T-warn",
            due_in=timedelta(minutes=10),
            subject="<script>alert('x')</script> & more",
        )
        support.timer(
            session,
            "sla_warning",
            "T-warn",
            due_at=support.now() - timedelta(minutes=5),
            state="fired",
            fired_at=support.now() - timedelta(minutes=5),
        )
        support.ticket(session, owner, "T-fine", due_in=timedelta(hours=6))
        support.ticket(session, owner, "T-done", due_in=-timedelta(hours=1), status="answered")
        support.notification(
            session,
            "order_confirmation",
            "email",
            "jan.kowalski@example.com",
            status="sent",
            sent_after=timedelta(seconds=3),
        )
        support.notification(
            session,
            "shipment_delayed",
            "sms",
            "+48 600 100 200",
            status="failed",
            failure="rejected for +48 600 100 200",
        )
        support.notification(
            session,
            "sla_breach",
            "http",
            "https://hooks.example.com/secret-path?token=abc",
            status="pending",
        )
    engine.dispose()


def test_the_board_shows_tickets_by_time_to_breach_coloured_by_state(
    amqp_url: str, sqlite_url: str
) -> None:
    support.declare_topology(amqp_url)
    seed_board(sqlite_url)
    support.put_dead_letter(amqp_url, "dl-http-1", "invalid order.placed: jan@example.com")
    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        assert http(f"{url}/").status == 200  # redirected to /board
        page = http(f"{url}/board")
        data = http(f"{url}/board.json").json()
        script = http(f"{url}/static/board.js")
        missing = http(f"{url}/static/nothing.js")
    assert page.status == 200, page.text
    rows = re.findall(r'<tr class="ticket state-([\w-]+)" data-ticket="shop-board/([\w-]+)"',
                      page.text)  # fmt: skip
    assert rows == [("breached-2", "T-late-2"), ("breached-1", "T-late-1"),
                    ("warning", "T-warn"), ("ok", "T-fine")]  # fmt: skip
    # Every value escaped; the only script is the gateway's own file.
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in page.text
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/board.js" defer>']
    # Recipients and reasons masked.
    for secret in ("jan.kowalski@example.com", "600 100 200", "secret-path", "jan@example.com"):
        assert secret not in page.text
    assert "j***@example.com" in page.text and "***00" in page.text
    assert "https://hooks.example.com/…" in page.text
    # The dead letter, with its Replay button (a token is configured).
    assert 'data-dead-letter="dl-http-1"' in page.text
    assert 'data-replay="dl-http-1"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert [t["ticket_id"] for t in data["tickets"]] == ["T-late-2", "T-late-1", "T-warn",
                                                        "T-fine"]  # fmt: skip
    assert data["dead_letters_total"] == 1 and data["health"] == "degraded"
    assert data["notifications"][0]["recipient"] == "https://hooks.example.com/…"
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert missing.status == 404


def test_replays_need_the_operator_token(amqp_url: str, sqlite_url: str) -> None:
    support.declare_topology(amqp_url)
    support.put_dead_letter(amqp_url, "dl-a", "invalid order.placed: data.items")
    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        replay = f"{url}/api/dlq/dl-a/replay"
        unsigned = http(replay, method="POST")
        wrong = http(replay, method="POST", headers={"Authorization": "Bearer nope"})
        unknown = http(f"{url}/api/dlq/dl-none/replay", method="POST",
                       headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})  # fmt: skip
        assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 1
        done = http(replay, method="POST", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
        after = http(f"{url}/board").text
    assert unsigned.status == 401 and wrong.status == 401, (unsigned.text, wrong.text)
    assert unsigned.headers["www-authenticate"].startswith("Bearer")
    assert unknown.status == 404, unknown.text
    assert done.status == 200, done.text
    assert done.json() == {"replayed": "dl-a"}
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
    assert queue_depth(amqp_url, INGEST_QUEUE) == 1  # back to the events exchange
    assert 'data-dead-letter="dl-a"' not in after


def test_a_form_field_token_works_too(amqp_url: str, sqlite_url: str) -> None:
    support.declare_topology(amqp_url)
    support.put_dead_letter(amqp_url, "dl-f", "invalid order.placed: data.items")
    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        done = http(f"{url}/api/dlq/dl-f/replay", method="POST",
                    data=f"token={OPERATOR_TOKEN}".encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert done.status == 200, done.text
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0


def test_without_an_operator_token_the_board_is_read_only(amqp_url: str, sqlite_url: str) -> None:
    support.declare_topology(amqp_url)
    support.put_dead_letter(amqp_url, "dl-ro", "invalid order.placed: data.items")
    with running_gateway(settings_for(amqp_url, sqlite_url, token=None)) as url:
        page = http(f"{url}/board").text
        refused = http(f"{url}/api/dlq/dl-ro/replay", method="POST",
                       headers={"Authorization": "Bearer anything"})  # fmt: skip
    assert 'data-dead-letter="dl-ro"' in page
    assert "data-replay=" not in page and 'id="token"' not in page
    assert "read-only" in page
    assert refused.status == 403, refused.text
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 1
