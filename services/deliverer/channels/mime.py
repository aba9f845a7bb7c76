"""The MIME structure of an email written directly: the bytes the ``email``
package would write, about ten times faster.

The stdlib's header registry parses every header it is given (about 3.6 ms a
message, most of the deliverer's CPU once TLS contexts were reused). The
fixed headers and the parts are plain text forms; only what needs real
folding or encoding goes to the stdlib (see ``email.message_bytes``). Bodies
use the stdlib's own quoted-printable encoder. The boundary is derived from
the idempotency key, so every attempt of a notification sends identical
bytes. ``tests/deliverer/test_mime.py`` compares the result with
``build_message(...).as_bytes()`` byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from email import quoprimime

#: Printable ASCII (no control characters, nothing to encode).
_PRINTABLE = re.compile(r"[ -~]*")
#: RFC 5322 dot-atom addresses, which the stdlib writes back unchanged.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
#: Header lines up to this length are never folded by the stdlib.
MAX_UNFOLDED = 78
#: Line length of quoted-printable bodies (the SMTP policy's max_line_length).
_QP_LINE = 78
_CRLF = "\r\n"


def boundary_for(idempotency_key: str) -> str:
    """A boundary of the stdlib's form (``=`` and 19 digits), fixed per key.

    Quoted-printable never writes ``==``, so it cannot occur inside a part.
    """
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    return f"==============={int.from_bytes(digest[:8], 'big') % 10**19:019d}=="


def is_plain(value: str) -> bool:
    """Printable ASCII without an encoded word (which the stdlib would decode)."""
    return _PRINTABLE.fullmatch(value) is not None and "=?" not in value


def is_plain_address(address: str) -> bool:
    return _DOT_ATOM_ADDRESS.fullmatch(address) is not None


def _quoted_printable(text: str) -> str:
    lines = text.encode("utf-8").splitlines()
    body = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), _QP_LINE)
    return body.replace("\n", _CRLF)


def _text_part(subtype: str, text: str, *, mime_version: bool) -> str:
    # The stdlib's add_alternative gives the html part its own MIME-Version: kept as it was.
    version = f"MIME-Version: 1.0{_CRLF}" if mime_version else ""
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{_CRLF}{version}{_CRLF}"
        + _quoted_printable(text)
    )


def assemble(heading: str, text: str, html: str | None, boundary: str) -> bytes:
    """The message: ``heading`` (its headers, each ending in CRLF), then a
    quoted-printable text part, and with ``html`` both as multipart/alternative."""
    if not html:
        return (heading + _text_part("plain", text, mime_version=True)).encode("ascii")
    return (
        f"{heading}MIME-Version: 1.0{_CRLF}"
        f'Content-Type: multipart/alternative;{_CRLF} boundary="{boundary}"{_CRLF}{_CRLF}'
        f"--{boundary}{_CRLF}{_text_part('plain', text, mime_version=False)}"
        f"{_CRLF}--{boundary}{_CRLF}{_text_part('html', html, mime_version=True)}"
        f"{_CRLF}--{boundary}--{_CRLF}"
    ).encode("ascii")
