"""Deprecated: the generators moved to :mod:`lookout_sdk.synthetic`; this alias warns."""

from __future__ import annotations

import lookout_sdk.synthetic as _synthetic
from lookout_sdk._deprecation import moved_module

__all__ = list(_synthetic.__all__)
__getattr__ = moved_module(__name__, _synthetic)
