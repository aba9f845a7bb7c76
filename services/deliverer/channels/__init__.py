"""Channels: one module per way of reaching someone, each with ``send(notification)``.

=========  ==========================  =====================================
channel    recipient                   content
=========  ==========================  =====================================
email      an email address            subject, text, html, unsubscribe_url
sms        a phone number              text
webhook    the shop's URL              subject, text, html, data
http       a staff alert URL           payload
=========  ==========================  =====================================
"""

from services.deliverer.channels.base import (
    Channel,
    DeliveryFailure,
    PermanentFailure,
    TemporaryFailure,
)
from services.deliverer.channels.email import EmailChannel, build_message, message_id_for
from services.deliverer.channels.posting import SIGNATURE_HEADER, signature
from services.deliverer.channels.sms import SmsChannel
from services.deliverer.channels.staff_http import HttpChannel
from services.deliverer.channels.webhook import WebhookChannel, webhook_body

__all__ = [
    "SIGNATURE_HEADER",
    "Channel",
    "DeliveryFailure",
    "EmailChannel",
    "HttpChannel",
    "PermanentFailure",
    "SmsChannel",
    "TemporaryFailure",
    "WebhookChannel",
    "build_message",
    "message_id_for",
    "signature",
    "webhook_body",
]
