"""Deprecated: moved to :mod:`lookout_sdk.manifests.entry`; this alias warns on import."""

from __future__ import annotations

import lookout_sdk.manifests.entry as _new
from lookout_sdk._deprecation import moved_module

__all__ = list(_new.__all__)
__getattr__ = moved_module(__name__, _new)
