"""Where and how to hand over mail: ``AFTERSALE_SMTP_URL`` parsed, and the TLS
context, built once per process and only when TLS is used (building one loads
the system's certificates: about 50 ms of CPU)."""

from __future__ import annotations

import functools
import ipaddress
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand over mail, parsed from ``AFTERSALE_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"AFTERSALE_SMTP_URL must start with smtp:// or smtps://: {url!r}")
        if not parts.hostname:
            raise ValueError("AFTERSALE_SMTP_URL names no host")
        implicit_tls = parts.scheme == "smtps"
        port = parts.port or (465 if implicit_tls else 25)
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The system's trust store, loaded on first use and shared by every connection."""
    return ssl.create_default_context()
