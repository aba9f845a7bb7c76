"""Process settings from `AFTERSALE_*` environment variables (SPEC section 3).

Read once at start with :func:`load_settings` and passed down; nothing reads
the environment at import time.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/%2F"
DEFAULT_DATABASE_URL = "sqlite:///aftersale.db"


class Settings(BaseSettings):
    """Everything a process needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALE_", extra="ignore")

    amqp_url: str = DEFAULT_AMQP_URL
    #: Beyond SPEC section 3: "quorum" (replicated on a cluster; the default) or
    #: "classic" (the queues of installations made before quorum queues).
    queue_type: Literal["quorum", "classic"] = "quorum"
    database_url: str = DEFAULT_DATABASE_URL
    policies: Path | None = Field(default=None, description="TOML file overriding the defaults")
    smtp_url: str | None = None
    outbox_dir: Path = Path("outbox")
    scheduler_tick: str = "1s"
    #: How long a scheduler reserves the timers it is firing; a scheduler that
    #: dies leaves them to others after this (beyond SPEC section 3).
    scheduler_lease: str = "60s"
    #: How long a deliverer reserves the messages it is sending (same reason).
    deliverer_lease: str = "5m"
    #: Messages a deliverer has in flight at once (sender threads, each with
    #: its own SMTP connection); also the most a crash can make it resend, so
    #: the default keeps SPEC's one message (raise it for a slow, remote server).
    deliverer_concurrency: int = Field(default=1, ge=1, le=64)
    #: Most messages a deliverer holds claimed at once (it tops up at half).
    deliverer_batch: int = Field(default=100, ge=1, le=5000)
    #: How often an idle deliverer looks for due messages (one cheap query; on
    #: PostgreSQL a NOTIFY from the writers wakes it at once).
    deliverer_poll: str = "0.2s"
    http_addr: str = "127.0.0.1:8080"
    public_url: str = "http://localhost:8080"
    secret_key: str | None = None
    shop_secrets: Path | None = None
    #: Beyond SPEC section 3: which mail providers may send delivery reports
    #: (bounces, complaints) and their credentials, a TOML file (see
    #: `services.gateway.reports.config`); unset: none may.
    delivery_reports: Path | None = None
    operator_token: str | None = None
    #: Beyond SPEC section 3: the sender of emails, the SMS provider's endpoint
    #: (JSON POST) and a folder of per-shop template overrides.
    mail_from: str = "aftersale <no-reply@localhost>"
    sms_url: str | None = None
    templates_dir: Path | None = None
    #: RabbitMQ's management API, for unacked counts and rates in `status`
    #: (default: port 15672 on the AMQP host, with the AMQP credentials).
    management_url: str | None = None
    #: Ingest batch size and broker prefetch: one store transaction and one
    #: confirmed publish per batch.
    ingest_prefetch: int = Field(default=200, ge=1, le=5000)
    #: Log format: "auto" (pretty on a terminal, JSON otherwise), "json" or "console".
    log_format: str = "auto"
    #: Where the parts touch heartbeat files for `aftersale probe` (unset: none).
    health_dir: Path | None = None
    log_level: str = "info"


def load_settings() -> Settings:
    """Read the environment now (call once at process start)."""
    return Settings()


def redact_url(url: str) -> str:
    """The URL with its password replaced, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def secret_key(settings: Settings) -> str:
    """The signing key: from the settings, else one generated once and kept beside the DB."""
    if settings.secret_key:
        return settings.secret_key
    base = Path(".")
    if settings.database_url.startswith("sqlite:///"):
        db_file = Path(settings.database_url.removeprefix("sqlite:///"))
        base = db_file.parent
    key_file = base / "aftersale.secret"
    if not key_file.exists():
        # Several processes may start at once: write aside, then link into
        # place atomically; whoever loses the race reads the winner's key.
        candidate = key_file.with_name(f".aftersale.secret.{os.getpid()}")
        candidate.write_text(secrets.token_urlsafe(32) + "\n")
        candidate.chmod(0o600)
        try:
            os.link(candidate, key_file)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty; delete it or set AFTERSALE_SECRET_KEY")
    return key
