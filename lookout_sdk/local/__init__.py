"""The local backend: the Lookout for Vision API answered on this machine.

It serves the same wire API as the retired AWS service, in-process
(:func:`connect`, or ``LookoutVision.local(path)``) or over HTTP (``lookout serve``),
with metadata in SQLite, files in a folder per S3 bucket (or a real S3-compatible
endpoint), a background worker for long-running operations, and a real anomaly detector
(:mod:`lookout_sdk.engine`). It needs the ``local`` extra:
``pip install 'lookout-sdk[local]'``.
"""

from typing import TYPE_CHECKING

from lookout_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from lookout_sdk.local.app import LocalBackend as LocalBackend
    from lookout_sdk.local.inprocess import DEFAULT_DATA as DEFAULT_DATA
    from lookout_sdk.local.inprocess import LocalLookoutVision as LocalLookoutVision
    from lookout_sdk.local.inprocess import connect as connect

# Public name -> the module that defines it; each loads on first use.
_EXPORTS: dict[str, str] = {
    "DEFAULT_DATA": "lookout_sdk.local.inprocess",
    "LocalBackend": "lookout_sdk.local.app",
    "LocalLookoutVision": "lookout_sdk.local.inprocess",
    "connect": "lookout_sdk.local.inprocess",
}

__all__ = [*sorted(_EXPORTS)]  # noqa: PLE0604 - names are strings
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
