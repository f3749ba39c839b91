"""Deprecated: moved to :mod:`lookout_sdk.datasets.checks`; this alias warns on import.

Importing this module makes ``lookout_sdk.datasets.preflight`` the module rather than
the :func:`~lookout_sdk.datasets.preflight` function, which is why the checks moved.
"""

from __future__ import annotations

import lookout_sdk.datasets.checks as _new
from lookout_sdk._deprecation import moved_module

__all__ = list(_new.__all__)
__getattr__ = moved_module(__name__, _new)
