"""uvicorn's HTTP/1.1 connection (h11), with deadlines and answers in the APIs' form.

uvicorn reads requests on its event loop, so a connection that sends slowly or not at
all costs no thread. What it does not bound, this subclass does:

* a connection with no request in progress is closed after ``idle_timeout`` (uvicorn
  only times out kept-alive connections, never a fresh one that sends nothing);
* a request's headers must arrive whole within ``header_timeout`` of its first byte,
  or it is answered 408 (slowloris);
* past ``max_connections``, the connection that has waited longest without sending a
  whole request is closed to make room, so a flood of idle sockets cannot lock out a
  client that sends a request;
* a request that cannot be parsed (a bad request line, headers too large) is answered
  in the API's own error form (:mod:`lookout_sdk.local.http.answers`), not uvicorn's
  plain text.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

from lookout_sdk.local.http.answers import refusal, sniff_path
from lookout_sdk.local.http.limits import ServerLimits

__all__ = ["DeadlineProtocol", "protocol_class"]

_log = logging.getLogger("lookout_sdk.local")
_SNIFF = 2048  # bytes of a request's start kept to tell which API it meant


class DeadlineProtocol(H11Protocol):
    """One client connection: uvicorn's h11 protocol with deadlines (see the module)."""

    limits: ClassVar[ServerLimits] = ServerLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._waiting = True  # no request in progress: idle, or reading headers
        self._since = 0.0  # when the current wait began
        self._head = b""  # the first bytes of the request being read
        self._head_size = 0  # how many bytes of it have arrived
        self._answered: object = None  # the cycle of the last request seen whole

    # -------------------------------------------------------------- connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the idle deadline, making room first if the server is full."""
        super().connection_made(transport)
        self._idle()
        ceiling = self.limits.max_connections
        if len(self.connections) > ceiling:  # counting the closing ones only then
            closing = sum(other.transport.is_closing() for other in self.connections)
            if len(self.connections) - closing > ceiling:
                self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed h11; start the header deadline on a request's first byte."""
        if self._waiting:
            if not self._head:
                self._arm(self.limits.header_timeout, self._headers_late)
            self._head_size += len(data)
            if len(self._head) < _SNIFF:
                self._head += data[: _SNIFF - len(self._head)]
        super().data_received(data)
        self._check_started()

    def on_response_complete(self) -> None:
        """Wait for the next request (uvicorn may start a pipelined one at once)."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._idle()
            self._check_started()

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 could not parse in the API's form, then close."""
        too_large = self._head_size >= self.limits.max_header_bytes
        if too_large:
            message = f"the request line and headers exceed {self.limits.max_header_bytes} bytes"
        else:
            message = "the request is not valid HTTP/1.1: it cannot be parsed"
        self._refuse(431 if too_large else 400, message)

    # -------------------------------------------------------------- deadlines

    def _idle(self) -> None:
        self._waiting = True
        self._head = b""
        self._head_size = 0
        self._arm(self.limits.idle_timeout, self._close_idle)

    def _check_started(self) -> None:
        cycle = self.cycle
        if cycle is not None and cycle is not self._answered and not cycle.response_complete:
            self._answered = cycle  # a request's headers are in: the app has it now
            self._waiting = False
            self._cancel()

    def _arm(self, delay: float, callback: Any) -> None:
        self._cancel()
        self._since = self.loop.time()
        self._timer = self.loop.call_later(delay, callback)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close_idle(self) -> None:
        self._timer = None
        if self._waiting and not self.transport.is_closing():
            self.transport.close()

    def _headers_late(self) -> None:
        self._timer = None
        if self._waiting and not self.transport.is_closing():
            seconds = self.limits.header_timeout
            self._refuse(408, f"the request headers did not arrive within {seconds:g} seconds")

    def _make_room(self) -> None:
        """Close the connection that has waited longest without a whole request."""
        waiting = [
            other
            for other in self.connections
            if isinstance(other, DeadlineProtocol)
            and other._waiting
            and other is not self
            and not other.transport.is_closing()
        ]
        if not waiting:
            _log.warning("%d connections are busy: refusing a new one", len(self.connections))
            self.transport.close()
            return
        oldest = min(waiting, key=lambda other: other._since)
        oldest._cancel()
        oldest.transport.close()

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` in the form of the API the request was for, then close.

        Written straight to the socket: h11 has no request to answer when the headers
        never arrived, and the connection closes right after.
        """
        self._cancel()
        answer = refusal(sniff_path(self._head), status, message, close=True)
        lines = [f"HTTP/1.1 {answer.status_line}"]
        lines += [f"{name}: {value}" for name, value in answer.headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.transport.write(head + answer.body)
        self.transport.close()


def protocol_class(limits: ServerLimits) -> type[DeadlineProtocol]:
    """A :class:`DeadlineProtocol` bound to ``limits`` (uvicorn makes one per connection)."""
    return type("BoundDeadlineProtocol", (DeadlineProtocol,), {"limits": limits})
