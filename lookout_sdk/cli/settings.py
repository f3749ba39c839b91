"""The global options of ``lookout`` and the connection they describe."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import click

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Settings", "log_level", "pass_settings"]


def log_level(verbose: int, quiet: int) -> int:
    """The logging level for ``-v`` and ``-q`` counts: WARNING, then up or down a step each."""
    return max(logging.DEBUG, min(logging.CRITICAL, logging.WARNING + 10 * (quiet - verbose)))


@attrs.define
class Settings:
    """What the global options chose; :meth:`service` connects on first use."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    local: Path | None = None
    output: str = "json"
    progress: bool | None = None
    verbose: int = 0
    _service: LookoutVision | None = attrs.field(default=None, init=False)

    @property
    def show_progress(self) -> bool:
        """Progress goes to stderr only when asked for, or when stderr is a terminal."""
        if self.progress is not None:
            return self.progress
        return sys.stderr.isatty()

    @property
    def is_local(self) -> bool:
        """Whether commands run an in-process local backend (``--local``)."""
        return self.local is not None

    def service(self) -> LookoutVision:
        """The connection: an in-process local backend with ``--local``, else an endpoint."""
        if self._service is None:
            from lookout_sdk.resources.service import LookoutVision

            if self.local is not None:
                from lookout_sdk.local import connect

                # a command is short-lived: it leaves other processes' work to them
                self._service = connect(
                    self.local, region_name=self.region or "us-east-1", adopt=False
                )
            else:
                self._service = LookoutVision(
                    profile_name=self.profile,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    s3_endpoint_url=self.s3_endpoint_url,
                )
        return self._service

    def close(self) -> None:
        """Close the connection; an in-process backend first finishes its queued work."""
        service, self._service = self._service, None
        if service is None:
            return
        try:
            if self.local is not None:
                from lookout_sdk.local.inprocess import LocalLookoutVision

                if isinstance(service, LocalLookoutVision) and service.pending_work():
                    click.echo("lookout: finishing the local backend's queued work…", err=True)
                    service.finish_work()
        except KeyboardInterrupt:
            click.echo("lookout: stopped; queued work runs when the backend next starts", err=True)
        finally:
            service.close()


#: Decorator handing a command the :class:`Settings` of its invocation.
pass_settings = click.make_pass_decorator(Settings)
