"""Failures described for operators: the problem in words, never SQL or parameters."""

from __future__ import annotations

from services.runtime.logging import mask_personal_data


def describe_failure(exc: BaseException) -> str:
    """A short reason for `exc` (placeholder; the leak-proof version replaces it)."""
    orig = getattr(exc, "orig", None)
    source = orig if isinstance(orig, BaseException) else exc
    first = (str(source).strip().splitlines() or [""])[0]
    return mask_personal_data(f"{type(exc).__name__}: {first}")[:500]
