"""Deprecated: the engine moved to :mod:`lookout_sdk.engine`; this alias warns on import."""

from __future__ import annotations

import lookout_sdk.engine as _engine
from lookout_sdk._deprecation import moved_module

__all__ = list(_engine.__all__)
__getattr__ = moved_module(__name__, _engine)
