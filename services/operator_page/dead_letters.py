"""Dead letters for the board: the first few of each queue, and a replay of one.

Reading holds the messages unacked for a moment (see `services.operator.dlq`);
within one gateway a lock keeps a board refresh from hiding a dead letter from
a replay that runs at the same time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from services.operator.dlq import HeldDeadLetters, ReplayReport, replay_dead_letters, source_queues
from services.operator.dlq_messages import DeadLetter
from services.runtime.logging import mask_personal_data

_LOCK = threading.Lock()


class _Peek(HeldDeadLetters):
    def first(self, limit: int) -> tuple[list[DeadLetter], int]:
        """Up to `limit` dead letters (queue order), and how many wait in all."""
        taken: list[DeadLetter] = []
        total = 0
        for queue in self.queues:
            waiting = self.depth(queue) or 0
            total += waiting
            for _ in range(max(0, min(waiting, limit - len(taken)))):
                method, properties, body = self._reader.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                taken.append(DeadLetter(queue, method.delivery_tag, method.routing_key,
                                        properties, body))  # fmt: skip
        return taken, total


@dataclass(frozen=True)
class DeadLetterRow:
    id: str
    queue: str
    routing_key: str
    type: str | None
    event_id: str | None
    shop_id: str | None
    reason: str  # masked: validation errors may quote a customer's data
    error_code: str | None
    when: str | None
    size: int
    replays: int


def _row(summary: dict[str, Any]) -> DeadLetterRow:
    replays = summary.get("replays")
    return DeadLetterRow(
        id=str(summary["id"]),
        queue=str(summary["queue"]),
        routing_key=str(summary.get("routing_key") or ""),
        type=summary.get("type"),
        event_id=summary.get("event_id"),
        shop_id=summary.get("shop_id"),
        reason=mask_personal_data(str(summary.get("reason") or ""))[:500],
        error_code=summary.get("error_code"),
        when=summary.get("when"),
        size=int(summary.get("size") or 0),
        replays=replays if isinstance(replays, int) else 0,
    )


def peek_dead_letters(amqp_url: str, limit: int = 50) -> tuple[list[DeadLetterRow], int]:
    with _LOCK:
        held = _Peek(amqp_url, source_queues())
        try:
            taken, total = held.first(limit)
        finally:
            held.close()
        return [_row(dead.summary()) for dead in taken], total


def replay_one(amqp_url: str, dead_letter_id: str) -> ReplayReport:
    """Raises `UnknownDeadLetter` when no dead letter has this id."""
    with _LOCK:
        return replay_dead_letters(amqp_url, dead_letter_id)
