"""Waiting on a long-running operation from the command line.

Status changes are shown on stderr when progress is on. Ctrl-C stops the wait, not the
operation, and prints how to wait again; running out of time does the same with exit
code 3.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lookout_sdk.cli.exits import ExitCode, fail
from lookout_sdk.cli.settings import Settings

if TYPE_CHECKING:
    from lookout_sdk.runtime.polling import Poller, StatusRecord

__all__ = ["resume_hint", "wait_for"]

T = TypeVar("T", bound="StatusRecord | None")


def resume_hint(settings: Settings, poller: Poller[Any]) -> str:
    """The command that waits for ``poller``'s operation again."""
    words = ["lookout"]
    if settings.local is not None:
        words += ["--local", str(settings.local)]
    if settings.endpoint_url:
        words += ["--endpoint-url", settings.endpoint_url]
    words += ["wait", poller.resume_token]
    return shlex.join(words)


def wait_for(settings: Settings, poller: Poller[T], timeout: float | None) -> T:
    """The operation's final record; exit 3 on timeout and 130 on Ctrl-C, with a hint."""
    from lookout_sdk.errors import WaitTimeoutError

    if settings.show_progress:
        poller.add_status_callback(lambda status, _: click.echo(f"lookout: {status}", err=True))
    try:
        return poller.result(timeout=timeout)
    except WaitTimeoutError as error:
        fail(
            f"{error}; it goes on. Wait again with: {resume_hint(settings, poller)}",
            ExitCode.TIMEOUT,
        )
    except KeyboardInterrupt:
        fail(
            f"stopped waiting; the operation goes on. Wait again with: "
            f"{resume_hint(settings, poller)}",
            ExitCode.INTERRUPTED,
        )
