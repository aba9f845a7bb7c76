"""`WHERE (shop_id, x) IN (…)` written so every store uses its index.

SQLite plans a row-value IN list as a scan of the whole table; the same
condition as one ``shop_id = ? AND x IN (…)`` per shop is an index search on
both stores (a batch almost always holds one shop).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_


def shop_keys_in(
    shop_column: Any, key_column: Any, keys: Iterable[tuple[str, Any]]
) -> ColumnElement[bool]:
    """True for rows whose (shop, key) is among `keys` (false for none)."""
    by_shop: dict[str, list[Any]] = defaultdict(list)
    for shop_id, key in keys:
        by_shop[shop_id].append(key)
    if not by_shop:
        return false()
    return or_(
        *(and_(shop_column == shop_id, key_column.in_(sorted(set(ids))))
          for shop_id, ids in sorted(by_shop.items()))
    )  # fmt: skip
