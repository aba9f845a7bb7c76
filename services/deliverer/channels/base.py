"""What every channel is: one method that sends a notification or says why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from services.runtime.store.models import Notification


class DeliveryFailure(Exception):
    """A notification could not be handed over; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryFailure):
    """Worth trying again later: the far end is down, busy or slow."""


class PermanentFailure(DeliveryFailure):
    """Trying again cannot help: an invalid address, a refused recipient, a missing setting."""


class AddressRejected(PermanentFailure):
    """The receiving server said the address itself is bad (an SMTP 5xx to RCPT TO with
    an enhanced status 5.1.x, or 5.2.1: no such mailbox, domain, or a disabled one):
    the address joins the suppression list."""


class Channel(Protocol):
    """A way to reach a recipient (email, SMS, a webhook, a staff alert target)."""

    def send(self, notification: Notification) -> None:
        """Hand the notification over, or raise :class:`TemporaryFailure` /
        :class:`PermanentFailure`. Sending the same notification again must be
        harmless for the receiver (same ids, same idempotency key)."""
        ...


class ChannelSession(Protocol):
    """Sends many notifications over resources kept open between them (an SMTP
    connection); used by one thread at a time."""

    def send(self, notification: Notification) -> None:
        """As :meth:`Channel.send`."""
        ...

    def close(self) -> None:
        """Let go of what is kept open; never raises."""
        ...


class StagedSession(ChannelSession, Protocol):
    """A session that can do all of a hand-over but its last step ahead (SMTP:
    everything before the final "."), so the next message is on its way while
    the last one's result is written down; nothing is accepted before the step
    the returned function takes."""

    def begin(self, notification: Notification) -> Callable[[], None]:
        """Start the hand-over (failures as :meth:`Channel.send`); the result completes it."""
        ...


class SessionChannel(Channel, Protocol):
    """A channel that can also hand out sessions (email): the deliverer gives each
    of its sender threads one, instead of calling :meth:`Channel.send` each time."""

    def open_session(self) -> ChannelSession:
        """A new session; nothing connects until its first message."""
        ...
