"""The ``lookout`` command line."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the ``lookout`` command (click is part of the ``local`` extra)."""
    try:
        from lookout_sdk.cli.commands import cli
    except ModuleNotFoundError as error:
        sys.exit(f"lookout needs the 'local' extra: pip install 'lookout-sdk[local]' ({error})")
    cli()
