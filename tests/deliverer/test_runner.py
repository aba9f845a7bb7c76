"""The deliverer built from settings, as `aftersale up` runs it."""

from __future__ import annotations

import email
import email.policy
import threading
from pathlib import Path

from services.deliverer.runner import build_channels, run_deliverer
from services.runtime.clock import utcnow
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from tests.deliverer.conftest import add_notification, load
from tests.support.polling import wait_until


def test_run_deliverer_writes_eml_files_until_stopped(sqlite_url: str, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    settings = Settings(
        database_url=sqlite_url, outbox_dir=outbox, mail_from="Sklep <sklep@shop.example>"
    )
    engine = build_engine(sqlite_url)
    sessions = session_factory(engine)
    notification_id = add_notification(sessions, utcnow())
    stop = threading.Event()
    worker = threading.Thread(target=run_deliverer, args=(settings, stop))
    worker.start()
    try:
        wait_until(lambda: load(sessions, notification_id).status == "sent", what="sent")
    finally:
        stop.set()
        worker.join(timeout=10)
        engine.dispose()
    assert not worker.is_alive()
    (written,) = outbox.glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["From"] == "Sklep <sklep@shop.example>"


def test_channels_from_settings(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('shop-42 = "abc"\n')
    channels = build_channels(
        Settings(shop_secrets=secrets, sms_url="http://sms.example/send", outbox_dir=tmp_path)
    )
    assert set(channels) == {"email", "sms", "webhook", "http"}
