"""The name of a shop's folder of override templates, for any shop id the contract allows.

A shop id is 1–128 characters of any script (``sklep-łódź``, ``acme.pl:main``,
``shop 42``). Its folder is named by percent-encoding the id's UTF-8 bytes:
ASCII letters, digits, ``-``, ``_`` and ``.`` stay as they are (a leading ``.``
is encoded, so no folder is hidden or ``..``), every other byte becomes ``%XX``
with upper-case hex. ``shop-42`` stays ``shop-42``; ``sklep-łódź`` becomes
``sklep-%C5%82%C3%B3d%C5%BA``; ``acme.pl:main`` becomes ``acme.pl%3Amain``. A
name that would be longer than a file system allows (255 bytes) is instead
``~`` followed by the first 40 hex digits of the SHA-256 of the id's UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

#: Longest folder name most file systems take.
MAX_NAME_BYTES = 255

#: Bytes kept as they are; `quote` always keeps letters, digits and "_.-~".
_KEEP = ""


def template_folder(shop_id: str) -> str:
    """The override folder's name for `shop_id` (never empty, never a path)."""
    name = quote(shop_id, safe=_KEEP, encoding="utf-8", errors="surrogatepass").replace("~", "%7E")
    if name.startswith("."):
        name = "%2E" + name[1:]
    if not name or len(name.encode()) > MAX_NAME_BYTES:
        return "~" + hashlib.sha256(shop_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return name
