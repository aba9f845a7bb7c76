"""Customer feedback: survey answers, reviews, social posts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue

from events.fields import Identifier, Score, Url, WireModel, text

FeedbackScale = Literal["csat5", "nps10"]
FeedbackChannel = Literal["survey", "review", "social", "email"]

#: The score range of each scale, inclusive.
SCALE_RANGE: dict[str, tuple[int, int]] = {"csat5": (1, 5), "nps10": (0, 10)}


def _score_by_scale(schema: JsonSchemaValue) -> None:
    # The schema states the rule of `_score_fits_scale` with one if/then per scale.
    schema["allOf"] = [
        {
            "if": {"properties": {"scale": {"const": scale}}, "required": ["scale"]},
            "then": {"properties": {"score": {"maximum": high, "minimum": low}}},
        }
        for scale, (low, high) in SCALE_RANGE.items()
    ]


class FeedbackReceivedData(WireModel):
    model_config = ConfigDict(json_schema_extra=_score_by_scale)

    feedback_id: Identifier
    order_id: Identifier | None = None
    customer_id: Identifier
    scale: FeedbackScale
    score: Score
    comment: Annotated[str, text(max_length=10_000)] | None = None
    channel: FeedbackChannel
    public_url: Url | None = None

    @field_validator("score")
    @classmethod
    def _score_fits_scale(cls, score: int, info: ValidationInfo) -> int:
        scale: Any = info.data.get("scale")
        if scale in SCALE_RANGE:
            low, high = SCALE_RANGE[scale]
            if not low <= score <= high:
                raise ValueError(f"score {score} is outside {low}–{high} of scale {scale}")
        return score
