"""The uvicorn internals :class:`DeadlineProtocol` builds on are there, in the form it uses.

``DeadlineProtocol`` subclasses uvicorn's ``H11Protocol`` and relies on attributes and
hooks that are not uvicorn's public API. The ``local`` extra pins uvicorn to the range
this was tested with; these tests say clearly what is missing if another uvicorn is
installed, instead of a server that quietly stops bounding idle or slow connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

uvicorn = pytest.importorskip("uvicorn")

from uvicorn.config import Config  # noqa: E402
from uvicorn.protocols.http import h11_impl  # noqa: E402
from uvicorn.server import ServerState  # noqa: E402

from lookout_sdk.local.http.limits import ServerLimits  # noqa: E402
from lookout_sdk.local.http.protocol import protocol_class  # noqa: E402

TESTED = "0.55"
#: H11Protocol methods DeadlineProtocol overrides, expecting uvicorn to call them.
HOOKS = (
    "connection_made",
    "connection_lost",
    "data_received",
    "on_response_complete",
    "send_400_response",
)
#: H11Protocol attributes DeadlineProtocol reads.
ATTRIBUTES = ("connections", "loop", "transport", "cycle")


def _unsupported(what: str) -> str:
    return (
        f"uvicorn {uvicorn.__version__}: {what}; lookout_sdk.local.http.protocol."
        f"DeadlineProtocol relies on it and was tested with uvicorn {TESTED} (see the "
        "pin of the 'local' extra in pyproject.toml)"
    )


class _Transport(asyncio.Transport):
    """Just enough of a socket transport to drive a protocol by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    try:
        yield running
    finally:
        running.close()


def _connection(loop: asyncio.AbstractEventLoop) -> tuple[Any, ServerState, _Transport]:
    config = Config(app=_app, lifespan="off", log_config=None)
    state = ServerState()
    made = protocol_class(ServerLimits())(
        config=config, server_state=state, app_state={}, _loop=loop
    )
    transport = _Transport()
    return made, state, transport


def test_the_h11_protocol_has_the_hooks_and_attributes_used() -> None:
    base = getattr(h11_impl, "H11Protocol", None)
    assert base is not None, _unsupported("uvicorn.protocols.http.h11_impl.H11Protocol is gone")
    for hook in HOOKS:
        assert callable(getattr(base, hook, None)), _unsupported(f"H11Protocol.{hook} is gone")


def test_a_connection_exposes_what_the_deadlines_read(loop: asyncio.AbstractEventLoop) -> None:
    made, state, transport = _connection(loop)
    for name in ATTRIBUTES:
        assert hasattr(made, name), _unsupported(f"H11Protocol has no attribute {name!r}")
    assert made.connections is state.connections, _unsupported(
        "H11Protocol.connections is not the server's set of connections"
    )
    made.connection_made(transport)
    assert made in state.connections, _unsupported("connection_made does not register it")
    assert made._timer is not None  # the idle deadline runs
    made.connection_lost(None)
    assert made not in state.connections


def test_uvicorn_calls_the_hooks_the_protocol_overrides(loop: asyncio.AbstractEventLoop) -> None:
    made, _, transport = _connection(loop)
    made.connection_made(transport)
    made.data_received(b"GET /bucket/key HTTP/1.1\r\nHost: x\r\n\r\n")
    cycle = getattr(made, "cycle", None)
    assert cycle is not None, _unsupported("a whole request does not set H11Protocol.cycle")
    assert hasattr(cycle, "response_complete"), _unsupported(
        "RequestResponseCycle has no response_complete"
    )
    assert not made._waiting, _unsupported("data_received no longer starts a request cycle")
    loop.run_until_complete(asyncio.sleep(0.05))  # the application answers
    assert made._waiting, _unsupported("on_response_complete is not called after an answer")
    made.connection_lost(None)

    broken, _, garbage = _connection(loop)
    broken.connection_made(garbage)
    broken.data_received(b"NOT HTTP AT ALL\r\n\r\n")
    written = bytes(garbage.written)
    in_api_form = written.startswith(b"HTTP/1.1 400") and b"x-amz-request-id" in written
    assert in_api_form, _unsupported(
        "an unparseable request is not answered through send_400_response (in the "
        f"API's form): {written[:120]!r}"
    )
    assert garbage.closed
    broken.connection_lost(None)
