"""How annotations become checks: what each accepts, and the names they are read with.

:func:`compile_annotation` turns one parameter's annotation into a :class:`Check` (a
predicate and the annotation's text), or ``None`` when it accepts anything. Annotations
are evaluated in their module's namespace, :class:`Names`, where a name imported only
under ``if TYPE_CHECKING:`` stands in as a :class:`Deferred` and becomes a
:class:`Later` check, looked up in :data:`sys.modules` when first needed. The rules are
listed in :mod:`lookout_sdk._boundary`.
"""

from __future__ import annotations

import ast
import builtins
import functools
import io
import sys
import types
import typing
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ForwardRef, TypeVar

__all__ = ["TEXT", "Check", "Instance", "Items", "Names", "compile_annotation", "container"]

Predicate = Callable[[Any], bool]
TEXT = (str, bytes, bytearray)
#: Items of these are checked one by one; other iterables are only checked for kind.
CONCRETE = (list, tuple, set, frozenset)
FILE_LIKE = (typing.IO, typing.BinaryIO, typing.TextIO)


# ----------------------------------------------------------------------------- checks


class Check:
    """What one annotation accepts: a predicate, and the annotation as text."""

    __slots__ = ("ok", "text")

    def __init__(self, ok: Predicate, text: str) -> None:
        self.ok = ok
        self.text = text

    def shape_ok(self, value: Any) -> bool:
        """Whether ``value`` is of the right kind, its items aside."""
        return self.ok(value)

    def locate(self, value: Any, path: str) -> tuple[str, Check, Any]:
        """Where in ``value`` (which :attr:`ok` refused) the fault is: path, check, item."""
        return path, self, value


class Instance(Check):
    """``isinstance`` of some classes; a ``bool`` is not taken for a number."""

    __slots__ = ("accepted", "classes", "no_bool")

    def __init__(self, classes: tuple[type, ...], text: str) -> None:
        self.classes = classes
        accepted = (*classes, int) if float in classes and int not in classes else classes
        no_bool = bool not in classes and (int in classes or float in classes)
        self.accepted, self.no_bool = accepted, no_bool
        if no_bool:
            super().__init__(lambda v: isinstance(v, accepted) and v.__class__ is not bool, text)
        else:
            super().__init__(lambda v: isinstance(v, accepted), text)


class Items(Check):
    """A container whose items (or keys and values) are checked one by one.

    Only lists, tuples, sets, frozensets and dicts are walked: other iterables may be
    lazy or single-use, so only their kind is checked.
    """

    __slots__ = ("items", "keys", "mapping", "shape")

    def __init__(
        self,
        shape: Predicate,
        items: Check | None,
        text: str,
        *,
        keys: Check | None = None,
        mapping: bool = False,
    ) -> None:
        self.shape, self.items, self.keys, self.mapping = shape, items, keys, mapping
        super().__init__(self._ok, text)

    def _faults(self, value: Any) -> Iterator[tuple[str, Check, Any]]:
        """``(label, check, item)`` of each key or item that its check refuses."""
        if self.mapping:
            if isinstance(value, dict):
                for key, item in value.items():
                    if self.keys is not None and not self.keys.ok(key):
                        yield f"[{key!r}] (a key)", self.keys, key
                    if self.items is not None and not self.items.ok(item):
                        yield f"[{key!r}]", self.items, item
        elif self.items is not None and isinstance(value, (*CONCRETE, dict)):
            for index, item in enumerate(value):
                if not self.items.ok(item):
                    yield f"[{index}]", self.items, item

    def _ok(self, value: Any) -> bool:  # _faults, as plain loops: this runs on every call
        if not self.shape(value):
            return False
        if self.mapping:
            return not isinstance(value, dict) or (
                every(self.keys, value) and every(self.items, value.values())
            )
        return not isinstance(value, (*CONCRETE, dict)) or every(self.items, value)

    def shape_ok(self, value: Any) -> bool:
        return self.shape(value)

    def locate(self, value: Any, path: str) -> tuple[str, Check, Any]:
        fault = next(self._faults(value), None) if self.shape(value) else None
        if fault is None:
            return path, self, value
        label, check, item = fault
        return check.locate(item, path + label)


def every(check: Check | None, values: Iterable[Any]) -> bool:
    """Whether ``check`` accepts every one of ``values`` (``isinstance`` inline if it can)."""
    if check is None:
        return True
    if isinstance(check, Instance) and not check.no_bool:
        accepted = check.accepted
        for value in values:  # noqa: SIM110 - a plain loop: no generator per call
            if not isinstance(value, accepted):
                return False
        return True
    return all(map(check.ok, values))


class AnyOf(Check):
    """A union: one of the members must accept the value."""

    __slots__ = ("members",)

    def __init__(self, members: list[Check]) -> None:
        self.members = members
        oks = [member.ok for member in members]
        text = " | ".join(member.text for member in members)
        super().__init__(lambda value: any(ok(value) for ok in oks), text)

    def shape_ok(self, value: Any) -> bool:
        return any(member.shape_ok(value) for member in self.members)

    def locate(self, value: Any, path: str) -> tuple[str, Check, Any]:
        # A container of the right kind with a wrong item: point at the item.
        shaped = [m for m in self.members if isinstance(m, Items) and m.shape_ok(value)]
        return shaped[0].locate(value, path) if len(shaped) == 1 else (path, self, value)


class Later(Check):
    """A name imported only for type checkers, found in ``sys.modules`` when needed."""

    __slots__ = ("found", "module", "names")

    def __init__(self, module: str, names: tuple[str, ...]) -> None:
        self.module, self.names = module, names
        self.found: Check | None = None
        super().__init__(self._ok, names[-1] if names else module)

    def resolve(self) -> Check | None:
        """The check of the name, once its module is loaded (``None`` before)."""
        if self.found is None:
            target: Any = sys.modules.get(self.module)
            for name in self.names:
                target = getattr(target, name, None)
            if target is not None:
                self.found = compile_annotation(target, Names(self.module)) or ANYTHING
        return self.found

    def _ok(self, value: Any) -> bool:
        found = self.found or self.resolve()
        # Not loaded yet: nothing can be an instance of one of its classes.
        return found is not None and found.ok(value)


ANYTHING = Check(lambda _: True, "anything")


# ----------------------------------------------------------------------------- names


class Deferred:
    """A name only type checkers import, while an annotation is evaluated.

    It takes part in ``X | Y``, ``X[...]``, ``X.attr`` and typing's own checks (which
    want something callable), and compiles to a :class:`Later` check.
    """

    def __init__(self, module: str | None, names: tuple[str, ...]) -> None:
        self.module, self.names = module, names

    def __getattr__(self, name: str) -> Deferred:
        if name.startswith("__"):
            raise AttributeError(name)
        return Deferred(self.module, (*self.names, name))

    def __getitem__(self, _: object) -> Deferred:
        return self

    def __or__(self, other: object) -> Any:
        return typing.Union[self, other]  # noqa: UP007 - ``|`` is what is defined here

    def __ror__(self, other: object) -> Any:
        return typing.Union[other, self]  # noqa: UP007

    def __call__(self, *_: object) -> None:
        """Never called: typing takes only callables as arguments of its forms."""


#: A name that no import provides: it accepts anything.
UNKNOWN = Deferred(None, ())


@functools.cache
def type_checking_imports(module: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``name -> (module, attributes)`` of the imports under ``if TYPE_CHECKING:``."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    try:
        with open(str(sys.modules[module].__file__), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (KeyError, OSError, SyntaxError, ValueError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                if isinstance(child, ast.ImportFrom) and child.module and not child.level:
                    for alias in child.names:
                        found[alias.asname or alias.name] = (child.module, (alias.name,))
                elif isinstance(child, ast.Import):
                    for alias in child.names:
                        top = alias.name.partition(".")[0]
                        found[alias.asname or top] = (alias.name if alias.asname else top, ())
    return found


class Names(dict[str, Any]):
    """Where annotations are evaluated: the module's names, then its typed-only imports."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module
        self.globals: dict[str, Any] = vars(sys.modules[module]) if module in sys.modules else {}

    def __missing__(self, name: str) -> Any:
        if name in self.globals:
            return self.globals[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        module, attributes = type_checking_imports(self.module).get(name, (None, ()))
        return UNKNOWN if module is None else Deferred(module, attributes)

    def evaluate(self, text: str) -> Any:
        """The value of annotation ``text`` in this namespace."""
        return eval(text, self.globals or {"__builtins__": builtins}, self)


# ----------------------------------------------------------------------------- compiling


def type_name(tp: Any) -> str:
    return str(getattr(tp, "__name__", None) or tp).replace("typing.", "")


def union(members: list[Check | None]) -> Check | None:
    if any(member is None for member in members):
        return None
    checks = [member for member in members if member is not None]
    plain = [check for check in checks if isinstance(check, Instance)]
    if len(plain) > 1:  # one isinstance call for all the plain classes
        classes = tuple(cls for check in plain for cls in check.classes)
        merged = Instance(classes, " | ".join(check.text for check in plain))
        checks = [merged, *(check for check in checks if not isinstance(check, Instance))]
    return checks[0] if len(checks) == 1 else AnyOf(checks)


def container(origin: type, args: tuple[Any, ...], names: Names) -> Check:
    """A generic container type: ``Mapping[K, V]``, ``Iterable[X]``, ``tuple[X, ...]``."""
    compiled = [compile_annotation(arg, names) for arg in args if arg is not Ellipsis]
    text = f"{type_name(origin)}[{', '.join(c.text if c else 'Any' for c in compiled)}]"
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        fixed = compiled  # tuple[X, Y]: that many items, each of its type

        def ok(value: Any) -> bool:
            return (
                isinstance(value, tuple)
                and len(value) == len(fixed)
                and all(c is None or c.ok(item) for c, item in zip(fixed, value, strict=True))
            )

        return Check(ok, text)
    if issubclass(origin, abc.Mapping):
        keys, values = (*compiled, None, None)[:2]

        def mapping(value: Any) -> bool:
            return value.__class__ is dict or isinstance(value, origin)

        return Items(mapping, values, text, keys=keys, mapping=True)

    items = compiled[0] if compiled else None

    concrete = tuple(kind for kind in CONCRETE if issubclass(kind, origin))

    def shape(value: Any) -> bool:
        if value.__class__ in concrete:  # the usual case, without an ABC's isinstance
            return True
        if not isinstance(value, origin) or isinstance(value, TEXT):
            return False
        if items is None or not isinstance(value, io.IOBase):
            return True
        # A file yields lines: text from a text file, bytes from a binary one.
        return items.ok("" if isinstance(value, io.TextIOBase) else b"")

    return Items(shape, items, text)


def literal(values: tuple[Any, ...]) -> Check:
    text = " or ".join(repr(getattr(value, "value", value)) for value in values)
    return Check(
        lambda v: isinstance(v, (str, int)) and not isinstance(v, bool) and v in values, text
    )


def compile_annotation(tp: Any, names: Names) -> Check | None:
    """The check of annotation ``tp``; ``None`` when it accepts anything."""
    if isinstance(tp, (str, ForwardRef)):
        return compile_annotation(
            names.evaluate(tp if isinstance(tp, str) else tp.__forward_arg__), names
        )
    if isinstance(tp, TypeVar):  # its bound, if it has one
        return None if tp.__bound__ is None else compile_annotation(tp.__bound__, names)
    if tp is Any or tp is object or tp is UNKNOWN:
        return None
    if tp is None or tp is type(None):
        return Instance((type(None),), "None")
    if isinstance(tp, Deferred):  # usually loaded by the first call: then checked directly
        later = Later(tp.module, tp.names) if tp.module else None
        found = later.resolve() if later else None
        return later if found is None else (None if found is ANYTHING else found)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        return union([compile_annotation(arg, names) for arg in args])
    if origin is typing.Literal:
        return literal(args)
    if origin is typing.Annotated:
        return compile_annotation(args[0], names)
    if tp in FILE_LIKE or origin in FILE_LIKE:
        return Check(lambda v: hasattr(v, "read") or hasattr(v, "write"), "a file object")
    if origin is abc.Callable or tp is abc.Callable or tp is typing.Callable:
        return Check(callable, "a callable")
    if isinstance(origin, type):
        if args and issubclass(origin, abc.Iterable) and not issubclass(origin, abc.Iterator):
            return container(origin, args, names)
        return compile_annotation(origin, names)
    if isinstance(tp, type):
        if getattr(tp, "_is_protocol", False):
            runtime = getattr(tp, "_is_runtime_protocol", False)
            return Check(lambda v: isinstance(v, tp), type_name(tp)) if runtime else None
        return Instance((tp,), type_name(tp))
    supertype = getattr(tp, "__supertype__", None)  # a NewType
    return None if supertype is None else compile_annotation(supertype, names)
