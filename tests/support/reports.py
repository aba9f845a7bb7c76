"""Delivery reports as the providers send them: SES through SNS, Postmark, SendGrid's
signed event webhook (a real ECDSA key made per test), the generic signed form."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from standardwebhooks.webhooks import Webhook

SES_TOKEN = "ses-token-0123456789abcdef"
POSTMARK_USER, POSTMARK_PASSWORD = "postmark", "postmark-password-0123"
GENERIC_SECRET = "whsec_" + base64.b64encode(b"generic reports secret, 32 bytes").decode()


@dataclass
class Providers:
    """The configuration file and what signs like each provider."""

    path: Path
    sendgrid_key: ec.EllipticCurvePrivateKey

    def sendgrid(self, events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(events).encode()
        stamp = str(int(time.time()))
        signature = self.sendgrid_key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return body, {
            "Content-Type": "application/json",
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        }


def providers_file(folder: Path) -> Providers:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = folder / "delivery-reports.toml"
    path.write_text(
        f'[ses]\ntoken = "{SES_TOKEN}"\n'
        f'[postmark]\nusername = "{POSTMARK_USER}"\npassword = "{POSTMARK_PASSWORD}"\n'
        f'[sendgrid]\npublic_key = "{base64.b64encode(public).decode()}"\n'
        f'[generic]\nsecret = "{GENERIC_SECRET}"\n',
        encoding="utf-8",
    )
    return Providers(path, key)


def ses_bounce(address: str, bounce_type: str = "Permanent") -> bytes:
    """An SNS Notification carrying an SES bounce, as SNS POSTs it."""
    message = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": address, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
            ],
        },
        "mail": {"destination": [address]},
    }
    return json.dumps({
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-central-1:123456789012:ses-bounces",
        "Message": json.dumps(message),
        "Timestamp": datetime.now(UTC).isoformat(),
        "SignatureVersion": "1",
    }).encode()  # fmt: skip


def postmark_complaint(address: str) -> tuple[bytes, dict[str, str]]:
    report = {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512,
              "Email": address, "BouncedAt": datetime.now(UTC).isoformat()}  # fmt: skip
    body = json.dumps(report).encode()
    auth = base64.b64encode(f"{POSTMARK_USER}:{POSTMARK_PASSWORD}".encode()).decode()
    return body, {"Content-Type": "application/json", "Authorization": f"Basic {auth}"}


def generic(reports: Any, msg_id: str = "msg_generic_1") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(reports).encode()
    now = datetime.now(UTC)
    signature = Webhook(GENERIC_SECRET).sign(msg_id, now, body.decode())
    return body, {"Content-Type": "application/json", "webhook-id": msg_id,
                  "webhook-timestamp": str(int(now.timestamp())),
                  "webhook-signature": signature}  # fmt: skip
