"""Deprecated spellings: one way to warn about them, pointing at the caller's line.

Every old name the SDK still accepts goes through :func:`warn_deprecated`, so each
warning is a :class:`DeprecationWarning` that names the replacement and is reported at
the user's call (or import), not inside the SDK. Moved modules use :func:`moved_module`.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["moved_module", "warn_deprecated"]

#: The module whose wrappers check arguments (named, not imported: it is a layer above).
_CHECKS = "lookout_sdk._boundary"


def warn_deprecated(old: str, new: str, *, stacklevel: int = 2) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``.

    ``stacklevel`` counts as for :func:`warnings.warn` from the caller of this function:
    2 (the default) reports the line that called the deprecated function.
    """
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new} instead",
        DeprecationWarning,
        stacklevel=_passing_checks(stacklevel + 1),
    )


def _passing_checks(stacklevel: int) -> int:
    """``stacklevel`` for a warning raised here, not counting argument-check frames.

    The wrappers of :mod:`lookout_sdk._boundary` sit between a public method and its
    caller; they are passed over, so the warning still names the caller's line.
    """
    frame = sys._getframe(2)  # the caller of warn_deprecated: level 2
    level, counted = 2, 2
    while counted < stacklevel and frame.f_back is not None:
        frame = frame.f_back
        level += 1
        if frame.f_globals.get("__name__") != _CHECKS:
            counted += 1
    return level


def _importer_stacklevel() -> int:
    """The ``stacklevel`` (from :func:`moved_module`) that reaches the importing line.

    :func:`warnings.warn` already passes over the frames of ``importlib._bootstrap``
    without counting them; ``importlib.import_module`` itself is counted and passed.
    """
    frame = sys._getframe(2)  # the deprecated module's body
    level = 2
    while frame.f_back is not None:
        frame = frame.f_back
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            continue  # not counted by warnings.warn
        level += 1
        if not name.endswith(("importlib/__init__.py", "importlib\\__init__.py")):
            return level
    return level


def moved_module(old: str, new: ModuleType) -> Callable[[str], Any]:
    """Warn that module ``old`` moved to ``new``; return ``old``'s ``__getattr__``.

    Call it from the old module's body; every attribute is then read from ``new``.
    """
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; "
        f"import {new.__name__} instead",
        DeprecationWarning,
        stacklevel=_importer_stacklevel(),
    )

    def get_attribute(name: str) -> Any:
        try:
            return getattr(new, name)
        except AttributeError:
            raise AttributeError(f"module {old!r} has no attribute {name!r}") from None

    return get_attribute
