"""The exit codes of ``lookout``, and how errors become one line and a code.

======  ==============================================================
code    meaning
======  ==============================================================
0       success
1       the service answered with an error, or an operation failed
2       a usage or validation mistake: nothing was sent
3       a wait ran out of time (the operation goes on)
4       ``detect --fail-on-anomaly`` found an anomaly
130     interrupted (Ctrl-C); a wait's operation goes on
======  ==============================================================
"""

from __future__ import annotations

import enum
import logging
import sys
from typing import NoReturn

import click

__all__ = ["ExitCode", "fail", "report_error"]

_log = logging.getLogger("lookout_sdk.cli")


class ExitCode(enum.IntEnum):
    """What a ``lookout`` exit status means."""

    OK = 0
    SERVICE_ERROR = 1
    USAGE_ERROR = 2
    TIMEOUT = 3
    ANOMALY_FOUND = 4
    INTERRUPTED = 130


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print ``lookout: <message>`` on stderr and exit with ``code``."""
    click.echo(f"lookout: {message}", err=True)
    sys.exit(int(code))


def report_error(error: BaseException, *, verbose: bool) -> NoReturn:
    """Turn an exception from a command into one line on stderr and its exit code.

    The traceback is logged too when ``verbose``.
    """
    from lookout_sdk.errors import (
        InvalidInputError,
        LookoutError,
        ServiceError,
        WaitTimeoutError,
    )

    if verbose:
        _log.error("traceback", exc_info=error)
    if isinstance(error, KeyboardInterrupt):
        fail("interrupted", ExitCode.INTERRUPTED)
    if isinstance(error, WaitTimeoutError):
        fail(str(error), ExitCode.TIMEOUT)
    if isinstance(error, ServiceError):  # its text has the code and the request id
        fail(str(error), ExitCode.SERVICE_ERROR)
    if isinstance(error, (InvalidInputError, ValueError)):
        fail(f"invalid input: {error}", ExitCode.USAGE_ERROR)
    if isinstance(error, LookoutError):
        fail(str(error), ExitCode.SERVICE_ERROR)
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):  # from a plain client call, such as S3's
        meta = error.response.get("ResponseMetadata", {})
        request = f" (request id {meta['RequestId']})" if meta.get("RequestId") else ""
        fail(f"{error}{request}", ExitCode.SERVICE_ERROR)
    if isinstance(error, BotoCoreError):
        fail(str(error), ExitCode.SERVICE_ERROR)
    if isinstance(error, OSError):
        fail(str(error), ExitCode.USAGE_ERROR)
    raise error
