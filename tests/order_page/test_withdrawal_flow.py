"""The withdrawal function end to end, on a real broker, store and gateway: the
button, the confirmation step, one return.requested through the ingest, the
acknowledgement with the date and time of receipt, the refund clock from the
notice, the staff alert; a second confirmation changes nothing."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.order_page.withdrawal import withdrawal_ids
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.models import EventRecord, Notification, Return, Timer
from tests.operator_page.support import http
from tests.order_page.support import SECRET, order_story, page_url
from tests.support.polling import wait_until
from tests.support.system import running_system


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count(sessions: sessionmaker[Session], model: type, *where: object) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_withdrawing_on_the_order_page_is_acknowledged_once_with_the_time_of_receipt(
    amqp_url: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    port = free_port()
    settings = Settings(amqp_url=amqp_url, database_url=database_url,
                        http_addr=f"127.0.0.1:{port}", public_url=f"http://127.0.0.1:{port}",
                        secret_key=SECRET, outbox_dir=tmp_path / "outbox",
                        scheduler_tick="0.2s")  # fmt: skip
    order_story(sessions, database_url, tmp_path, "ZO-W1", complaint=False, ticket=False)
    event_id, return_id = withdrawal_ids("shop-42", "ZO-W1")
    with running_system(settings, load_policies(None), gateway=True):
        url = page_url(settings.public_url, "ZO-W1")
        page = http(url)
        assert b'href="/o/' in page.body and "Odstąp od umowy tutaj".encode() in page.body
        form = http(url + "/withdraw")
        assert form.status == 200
        assert b'value="Anna Kowalska"' in form.body and b"a***@example.com" in form.body
        assert b'name="sku" value="MUG-1" checked' in form.body
        nothing = http(url + "/withdraw", method="POST", data=urlencode({"name": "x"}).encode())
        assert nothing.status == 400 and b"Wybierz co najmniej jeden produkt" in nothing.body
        body = urlencode([("name", "Anna Kowalska"), ("sku", "MUG-1")]).encode()
        first = http(url + "/withdraw", method="POST", data=body)
        assert first.status == 200 and "Odstąpienie od umowy przyjęte".encode() in first.body

        customer = (Notification.kind == "withdrawal_received", Notification.order_id == "ZO-W1")
        staff = (Notification.kind == "withdrawal_notice", Notification.order_id == "ZO-W1")
        wait_until(lambda: count(sessions, Notification, *customer) == 1
                   and count(sessions, Notification, *staff) >= 1
                   and count(sessions, Timer, Timer.kind == "refund_deadline") == 2,
                   what="the acknowledgement, the staff alert and the refund clock")  # fmt: skip
        with sessions() as session:
            withdrawal = session.scalars(select(Return).where(Return.return_id == return_id)).one()
            assert (withdrawal.kind, withdrawal.source) == ("withdrawal", "withdrawal_function")
            assert withdrawal.items == [{"sku": "MUG-1", "quantity": 2}]
            notice = session.scalars(select(Notification).where(*customer)).one()
            assert notice.recipient == "anna.kowalska@example.com"
            received = withdrawal.requested_at
            assert notice.content["html"] and "trwałym nośniku" in notice.content["text"]
            due = {t.subject_id: t.due_at for t in session.scalars(
                select(Timer).where(Timer.kind == "refund_deadline"))}  # fmt: skip
            deadline = received + timedelta(days=14)
            assert due == {f"{return_id}#3d": deadline - timedelta(days=3),
                           f"{return_id}#1d": deadline - timedelta(days=1)}  # fmt: skip
        # The page now says it was received; a second confirmation changes nothing.
        assert "Otrzymaliśmy Twoje odstąpienie od umowy".encode() in http(url).body
        again = http(url + "/withdraw", method="POST", data=body)
        assert again.status == 200 and "Odstąpienie od umowy przyjęte".encode() in again.body
        wait_until(lambda: count(sessions, EventRecord, EventRecord.event_id == event_id) == 1,
                   what="the withdrawal recorded once")  # fmt: skip
        assert count(sessions, Return, Return.order_pk.isnot(None)) == 1
        assert count(sessions, Notification, *customer) == 1
        assert count(sessions, Notification, Notification.kind == "return_instructions") == 0
        wait_until(lambda: any((tmp_path / "outbox").glob("*.eml")), what="the email written")
