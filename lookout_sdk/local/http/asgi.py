"""From the event loop to the WSGI application: whole requests only, with deadlines.

:class:`Front` is the ASGI application uvicorn runs. It reads each request's body on
the event loop into a spool (memory up to ``spool_bytes``, then a temporary file),
with a deadline for each wait and a size cap, hashing it on the way. Only a request
that has arrived whole is handed to a thread, through a2wsgi, to the WSGI application
(the SigV4 check, then the backend). So a client that sends slowly holds a socket, not
one of the few application threads, and a large body never sits in memory.

Anything the application raises before it has started its answer is answered 500 in
the API's form with a request id, and logged with that id.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from a2wsgi import WSGIMiddleware

from lookout_sdk.local.http.answers import Refusal, refusal
from lookout_sdk.local.http.auth import service_for_path
from lookout_sdk.local.http.limits import ServerLimits

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["BODY_SHA256", "Front"]

_log = logging.getLogger("lookout_sdk.local")

#: The WSGI environ key holding the SHA-256 (hexadecimal) of the body, when known.
BODY_SHA256 = "lookout.body_sha256"
_CHUNK = 1024 * 1024
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _GoneError(Exception):
    """The client disconnected before its request arrived whole."""


class _RefusedError(Exception):
    def __init__(self, answer: Refusal) -> None:
        super().__init__(answer.status)
        self.answer = answer


class Front:
    """The ASGI application that spools bodies, then runs ``app`` on a thread (see module).

    Args:
        app: the WSGI application (behind :class:`~lookout_sdk.local.http.server.AuthMiddleware`).
        limits: sizes and deadlines.
    """

    def __init__(self, app: WSGIApplication, limits: ServerLimits) -> None:
        self.limits = limits
        self.wsgi = WSGIMiddleware(_Environ(app), workers=limits.threads)  # type: ignore[arg-type]

    def close(self) -> None:
        """Let the application threads go once they are idle."""
        self.wsgi.executor.shutdown(wait=False)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        """Answer one ASGI request (``http`` scopes only; lifespan is off)."""
        if scope["type"] != "http":
            return
        path = bytes(scope.get("raw_path") or b"/").decode("latin-1") or "/"
        state = {"started": False, "stalled": False}

        async def timed_send(message: Message) -> None:
            # Once a client has stalled, the rest of its answer is dropped (uvicorn then
            # closes the connection): raising would leave a2wsgi's thread waiting forever.
            state["started"] = True
            if state["stalled"]:
                return
            try:
                await asyncio.wait_for(send(message), self.limits.write_timeout)
            except asyncio.TimeoutError:
                state["stalled"] = True
                _log.info("%s %s: the client stopped reading the answer", scope["method"], path)

        spool: IO[bytes] | None = None
        try:
            head = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            head += sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if head > self.limits.max_header_bytes:
                message = (
                    f"the request line and headers exceed {self.limits.max_header_bytes} bytes"
                )
                raise _RefusedError(refusal(path, 431, message, close=True))
            spool, size, digest = await self._spool(scope, receive, path)
            headers = [
                (name, value)
                for name, value in scope["headers"]
                if name not in (b"content-length", b"transfer-encoding")
            ]
            headers.append((b"content-length", str(size).encode()))
            inner = {**scope, "headers": headers, BODY_SHA256: digest}
            await self.wsgi(inner, _replay(spool, size, receive), timed_send)  # type: ignore[arg-type]
        except _GoneError:
            return
        except _RefusedError as refused:
            await _answer(send, refused.answer)
        except Exception as error:
            if state["started"]:
                raise  # the answer is under way: uvicorn closes the connection
            message = f"the server failed to answer: {type(error).__name__}"
            answer = refusal(path, 500, message)
            _log.exception("request %s (%s %s) failed", answer.request_id, scope["method"], path)
            await _answer(send, answer)
        finally:
            if spool is not None:
                spool.close()

    async def _spool(
        self, scope: Message, receive: Receive, path: str
    ) -> tuple[IO[bytes], int, str]:
        """Read the whole body into a spool: the spool, its size and its SHA-256."""
        limit = self.limits.body_limit(service_for_path(path))
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        too_large = _RefusedError(
            refusal(
                path, 413, f"the request body is larger than the limit of {limit} bytes", close=True
            )
        )
        if declared is not None and (len(declared) > 18 or int(declared) > limit):
            raise too_large  # refused unread: no 100 Continue is sent for it
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self.limits.spool_bytes)  # noqa: SIM115 - the caller closes it
        digest = hashlib.sha256()
        size = 0
        try:
            more = declared not in (None, b"0") or b"chunked" in headers.get(
                b"transfer-encoding", b""
            )
            while more:
                try:
                    message = await asyncio.wait_for(receive(), self.limits.body_timeout)
                except asyncio.TimeoutError:
                    seconds = self.limits.body_timeout
                    message_text = f"no part of the request body arrived for {seconds:g} seconds"
                    raise _RefusedError(refusal(path, 408, message_text, close=True)) from None
                if message["type"] == "http.disconnect":
                    raise _GoneError  # the client left: nothing to answer
                chunk = bytes(message.get("body", b""))
                size += len(chunk)
                if size > limit:
                    raise too_large
                digest.update(chunk)
                spool.write(chunk)
                more = bool(message.get("more_body", False))
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool, size, digest.hexdigest()


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    """An ASGI ``receive`` that plays the spooled body back, then waits on the client."""
    remaining = size
    done = False

    async def replay() -> Message:
        nonlocal remaining, done
        if done:
            return await receive()
        chunk = spool.read(min(_CHUNK, remaining))
        remaining -= len(chunk)
        done = remaining <= 0 or not chunk
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


async def _answer(send: Send, answer: Refusal) -> None:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class _Environ:
    """Adds what a2wsgi leaves out: the raw request URI and the body's hash."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        scope = environ.get("asgi.scope") or {}
        raw_path = bytes(scope.get("raw_path") or b"").decode("latin-1")
        if raw_path:
            query = environ.get("QUERY_STRING", "")
            environ["REQUEST_URI"] = raw_path + (f"?{query}" if query else "")
        if BODY_SHA256 in scope:
            environ[BODY_SHA256] = scope[BODY_SHA256]
        return self.app(environ, start_response)
