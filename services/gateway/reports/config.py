"""Which providers may report, and how each proves it: ``AFTERSALE_DELIVERY_REPORTS``.

A TOML file; a provider without a table has no endpoint (404)::

    [ses]        # POST /v1/reports/ses/{token}, from an SNS HTTPS subscription
    token = "a long random string"
    [postmark]   # POST /v1/reports/postmark, basic auth
    username = "postmark"
    password = "…"
    [sendgrid]   # POST /v1/reports/sendgrid, the signed event webhook
    public_key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…"   # SendGrid's verification key
    [generic]    # POST /v1/reports/generic, signed per Standard Webhooks
    secret = "whsec_…"
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key


class ReportsConfigError(ValueError):
    """The delivery reports file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ReportsConfig:
    ses_token: str | None = None
    postmark_username: str | None = None
    postmark_password: str | None = None
    sendgrid_key: EllipticCurvePublicKey | None = None
    generic_secret: str | None = None


def _secret(path: Path, table: dict[str, object], section: str, key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or len(value.strip()) < 16:
        raise ReportsConfigError(
            f"{path}: [{section}] {key} must be a string of at least 16 characters"
        )
    return value.strip()


def load_reports_config(path: Path | None) -> ReportsConfig:
    """The configuration in ``path``; no file: no provider may report."""
    if path is None:
        return ReportsConfig()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportsConfigError(f"cannot read the delivery reports file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportsConfigError(f"{path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(document) - {"ses", "postmark", "sendgrid", "generic"})
    if unknown:
        raise ReportsConfigError(
            f"{path}: unknown provider [{unknown[0]}]; known: ses, postmark, sendgrid, generic"
        )
    tables = {name: value for name, value in document.items() if isinstance(value, dict)}
    config = ReportsConfig(
        ses_token=_secret(path, tables["ses"], "ses", "token") if "ses" in tables else None,
        postmark_username=(
            str(tables["postmark"].get("username", "")) or None if "postmark" in tables else None
        ),
        postmark_password=(
            _secret(path, tables["postmark"], "postmark", "password")
            if "postmark" in tables
            else None
        ),
        generic_secret=(
            _secret(path, tables["generic"], "generic", "secret") if "generic" in tables else None
        ),
        sendgrid_key=_sendgrid_key(path, tables["sendgrid"]) if "sendgrid" in tables else None,
    )
    if "postmark" in tables and not config.postmark_username:
        raise ReportsConfigError(f"{path}: [postmark] username is missing")
    return config


def _sendgrid_key(path: Path, table: dict[str, object]) -> EllipticCurvePublicKey:
    raw = table.get("public_key")
    try:
        key = load_der_public_key(base64.b64decode(str(raw), validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ReportsConfigError(
            f"{path}: [sendgrid] public_key must be the base64 verification key SendGrid shows"
        ) from exc
    if not isinstance(key, EllipticCurvePublicKey):
        raise ReportsConfigError(f"{path}: [sendgrid] public_key is not an ECDSA key")
    return key
