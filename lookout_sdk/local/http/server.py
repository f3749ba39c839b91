"""Serving the local backend over HTTP or HTTPS with uvicorn, behind SigV4 checks.

:func:`serve` runs the server in the foreground (``lookout serve``) and
:func:`start_in_thread` runs one in a background thread (tests, notebooks). Both put
the application behind :class:`AuthMiddleware` (signatures, body sizes), run it from
:class:`~lookout_sdk.local.http.asgi.Front` (whole requests only, spooled, with
deadlines) on uvicorn with :class:`~lookout_sdk.local.http.protocol.DeadlineProtocol`
(idle and header deadlines, a connection ceiling). Without credentials the server only
agrees to listen on a loopback address; with a certificate and key it speaks TLS.

Why uvicorn: requests are read on an event loop, so slow and idle clients hold a socket
and not a thread; it speaks TLS; and its connection class can be extended. waitress
has the first but no TLS; cheroot and gunicorn give each connection a thread while it
sends its headers, which slowloris exhausts.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from lookout_sdk.local.http.asgi import Front
from lookout_sdk.local.http.limits import DEFAULT_MAX_BODY_BYTES, ServerLimits, raise_open_files
from lookout_sdk.local.http.middleware import AuthMiddleware
from lookout_sdk.runtime.endpoints import is_loopback

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from uvicorn import Config, Server

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "AuthMiddleware",
    "RunningServer",
    "ServerLimits",
    "Tls",
    "check_bind",
    "serve",
    "start_in_thread",
]

_log = logging.getLogger("lookout_sdk.local")


# ----------------------------------------------------------------------------- binding


def check_bind(host: str, credentials: Mapping[str, str]) -> None:
    """Refuse to listen beyond this machine when no credentials are configured.

    Raises:
        ValueError: ``host`` is not a loopback address and ``credentials`` is empty.
    """
    if not credentials and not is_loopback(host):
        raise ValueError(
            f"refusing to listen on {host!r} without credentials: anyone who can reach it "
            "could use the server. Listen on 127.0.0.1, or require signed requests with "
            "--credentials ACCESS:SECRET (or the LOOKOUT_LOCAL_CREDENTIALS variable)."
        )


@attrs.frozen
class Tls:
    """A certificate chain and its private key (PEM files), to serve HTTPS."""

    cert: Path = attrs.field(converter=Path)
    key: Path = attrs.field(converter=Path)

    def check(self) -> None:
        """Load the pair once, so a wrong file is reported before the server starts.

        Raises:
            ValueError: a file is missing, unreadable or not a matching PEM pair.
        """
        import ssl

        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(
                f"cannot use TLS certificate {self.cert} with key {self.key}: {error}"
            ) from error


# ----------------------------------------------------------------------------- serving


def _limits(threads: int, max_body_bytes: int | None) -> ServerLimits:
    """Default limits; ``max_body_bytes``, when given, caps the bodies of both APIs."""
    if max_body_bytes is None:
        return ServerLimits(threads=threads)
    return ServerLimits(
        threads=threads, max_body_bytes=max_body_bytes, max_object_bytes=max_body_bytes
    )


def _url(host: str, port: int, tls: Tls | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _server(
    app: WSGIApplication,
    *,
    credentials: Mapping[str, str] | None,
    limits: ServerLimits,
    tls: Tls | None,
    region: str | None,
) -> tuple[Server, Config]:
    from uvicorn import Config, Server

    from lookout_sdk.local.http.protocol import protocol_class

    if tls is not None:
        tls.check()
    wrapped = AuthMiddleware(
        app,
        credentials,
        max_body_bytes=max(limits.max_body_bytes, limits.max_object_bytes),
        region=region,
    )
    config = Config(
        Front(wrapped, limits),
        http=protocol_class(limits),
        loop="asyncio",
        lifespan="off",
        interface="asgi3",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=int(max(1, limits.idle_timeout)),
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        backlog=limits.backlog,
        ssl_certfile=None if tls is None else str(tls.cert),
        ssl_keyfile=None if tls is None else str(tls.key),
    )
    return Server(config), config


def serve(
    app: WSGIApplication,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 8,
    credentials: Mapping[str, str] | None = None,
    max_body_bytes: int | None = None,
    limits: ServerLimits | None = None,
    tls: Tls | None = None,
    region: str | None = "us-east-1",
) -> None:
    """Serve ``app`` over HTTP (HTTPS with ``tls``) until interrupted (Ctrl-C, SIGTERM).

    ``limits`` gives every size and deadline; without it, ``threads`` and
    ``max_body_bytes`` (which then caps the bodies of both APIs) adjust the defaults.
    The soft limit of open files is raised to let ``limits.max_connections`` in. The
    URL is logged at INFO on the ``lookout_sdk.local`` logger; nothing is printed.

    Raises:
        ValueError: ``host`` is not a loopback address and no credentials are given,
            or the TLS files cannot be used.
    """
    check_bind(host, credentials or {})
    limits = limits or _limits(threads, max_body_bytes)
    allowed = raise_open_files(limits.max_connections + 256) - 256
    if allowed < limits.max_connections:
        _log.warning("at most %d connections: the open-file limit allows no more", allowed)
        limits = attrs.evolve(limits, max_connections=max(16, allowed))
    server, _ = _server(app, credentials=credentials, limits=limits, tls=tls, region=region)
    sock = _listen(host, port, limits.backlog)
    bound = sock.getsockname()
    _log.info(
        "serving on %s (%s)",
        _url(str(bound[0]), int(bound[1]), tls),
        "signed requests only" if credentials else "no authentication",
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@attrs.define
class RunningServer:
    """A server running in a background thread; :meth:`stop` shuts it down."""

    url: str
    host: str
    port: int
    _server: Server = attrs.field(repr=False)
    _thread: threading.Thread = attrs.field(repr=False)
    _socket: socket.socket = attrs.field(repr=False)

    def stop(self, timeout: float = 10) -> None:
        """Stop accepting, close the connections, and wait for the server's thread."""
        self._server.should_exit = True
        self._thread.join(min(1.0, timeout))  # in-flight requests may finish meanwhile
        if self._thread.is_alive():
            self._server.force_exit = True  # leave kept-alive (TLS) connections behind
            self._thread.join(timeout)
        self._socket.close()
        front = self._server.config.app
        if isinstance(front, Front):
            front.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(
    app: WSGIApplication,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    threads: int = 4,
    credentials: Mapping[str, str] | None = None,
    max_body_bytes: int | None = None,
    limits: ServerLimits | None = None,
    tls: Tls | None = None,
    region: str | None = "us-east-1",
) -> RunningServer:
    """Start serving ``app`` in a daemon thread and return once it is listening.

    Port 0 picks a free port; the returned :class:`RunningServer` has the real one.

    Raises:
        ValueError: as :func:`serve`.
        RuntimeError: the server did not start within 30 seconds.
    """
    check_bind(host, credentials or {})
    limits = limits or _limits(threads, max_body_bytes)
    server, _ = _server(app, credentials=credentials, limits=limits, tls=tls, region=region)
    sock = _listen(host, port, limits.backlog)
    bound_host, bound_port = str(sock.getsockname()[0]), int(sock.getsockname()[1])
    url = _url(bound_host, bound_port, tls)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"lookout-local {url}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the server on {url} did not start")
        time.sleep(0.01)
    _log.info("serving on %s in a background thread", url)
    return RunningServer(url, bound_host, bound_port, server, thread, sock)
