"""The ``lookout`` command line, for CI pipelines and terminals.

It needs the ``cli`` extra (``pip install 'lookout-sdk[cli]'``, included in ``local``).
Importing this package is cheap: click and the SDK load when a command runs.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the ``lookout`` command."""
    try:
        from lookout_sdk.cli.app import cli
    except ModuleNotFoundError as error:
        sys.exit(f"lookout needs the 'cli' extra: pip install 'lookout-sdk[cli]' ({error})")
    cli(prog_name="lookout")
