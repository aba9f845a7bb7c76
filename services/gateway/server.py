"""Serve the gateway with uvicorn until a stop event is set."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import threading
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from services.gateway.app import build_app
from services.runtime.logging import get_logger
from services.runtime.settings import Settings

log = get_logger("aftersale.gateway")

#: How long in-flight requests may take to finish after a stop.
GRACEFUL_SECONDS = 10


class GatewayError(RuntimeError):
    """The gateway cannot start; the message says why."""


class AddressError(GatewayError):
    """``AFTERSALE_HTTP_ADDR`` cannot be listened on: a configuration error, not a crash."""


#: What a bind failure means to the person who set the address.
_BIND_PROBLEMS = {
    errno.EADDRINUSE: "the address is in use",
    errno.EADDRNOTAVAIL: "the address is not one of this machine's",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


class _Server(uvicorn.Server):
    """Leaves signals to the caller: the process's handler sets the stop event."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def parse_addr(addr: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6) as a pair."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise AddressError(f"AFTERSALE_HTTP_ADDR {addr!r} is not host:port, e.g. 127.0.0.1:8080")
    if int(port) > 65535:
        raise AddressError(f"AFTERSALE_HTTP_ADDR {addr!r}: the port must be at most 65535")
    return host.strip("[]"), int(port)


def listen(addr: str) -> socket.socket:
    """A listening socket on `addr`, or :class:`AddressError` saying why not in one line."""
    host, port = parse_addr(addr)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=512)
    except OSError as exc:
        problem = _BIND_PROBLEMS.get(exc.errno or 0) or str(exc.strerror or exc).lower()
        raise AddressError(f"cannot listen on {addr}: {problem} (set AFTERSALE_HTTP_ADDR)") from exc


def run_gateway(
    settings: Settings,
    stop: threading.Event,
    *,
    sock: socket.socket | None = None,
    app: Starlette | None = None,
) -> None:
    """Serve on ``settings.http_addr`` (or on `sock`, already bound) until `stop` is set.

    `app` defaults to ``build_app(settings)``. In-flight requests are finished
    (up to :data:`GRACEFUL_SECONDS`) before it returns.
    """
    app = app if app is not None else build_app(settings)
    listener = sock if sock is not None else listen(settings.http_addr)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,  # paths carry unsubscribe tokens; handlers log what matters
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        lifespan="on",
    )
    server = _Server(config)
    finished = threading.Event()

    def _watch() -> None:
        while not stop.wait(0.1):
            if finished.is_set():
                return
        server.should_exit = True

    watcher = threading.Thread(target=_watch, name="gateway-stop", daemon=True)
    watcher.start()
    host, port = listener.getsockname()[:2]
    log.info("gateway.listening", addr=f"{host}:{port}", public_url=settings.public_url)
    try:
        asyncio.run(server.serve(sockets=[listener]))
    finally:
        finished.set()
        listener.close()
    if not server.started and not stop.is_set():
        raise GatewayError("the gateway did not start (see the log above)")
    log.info("gateway.stopped")
