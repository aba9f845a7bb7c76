"""Customer feedback: survey answers, reviews, social posts."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.fields import Identifier

FeedbackScale = Literal["csat5", "nps10"]
FeedbackChannel = Literal["survey", "review", "social", "email"]

#: The score range of each scale, inclusive.
SCALE_RANGE: dict[str, tuple[int, int]] = {"csat5": (1, 5), "nps10": (0, 10)}


class FeedbackReceivedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feedback_id: Identifier
    order_id: Identifier | None = None
    customer_id: Identifier
    scale: FeedbackScale
    score: int = Field(ge=0, le=10, strict=True, description="csat5: 1–5; nps10: 0–10")
    comment: str | None = Field(default=None, max_length=10_000)
    channel: FeedbackChannel
    public_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")

    @model_validator(mode="after")
    def _score_fits_scale(self) -> Self:
        low, high = SCALE_RANGE[self.scale]
        if not low <= self.score <= high:
            raise ValueError(f"score {self.score} is outside {low}–{high} of scale {self.scale}")
        return self
