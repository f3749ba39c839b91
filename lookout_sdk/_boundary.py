"""Arguments of public calls checked against their type hints, before anything runs.

:func:`checked` decorates a function, or a class (its ``__init__`` and every public
method, class method and static method it defines). Each call then checks the
arguments it was given against the parameters' annotations; a wrong one raises
:class:`~lookout_sdk.errors.InvalidInputError` naming the parameter (or the element of
it, ``tags['a']``, ``keys[2]``) and what was given, so nothing is sent and no
``AttributeError`` surfaces from deep inside the SDK.

The rules follow the annotations as a type checker reads them, with the choices a
caller's mistake calls for:

* ``bool`` is not an ``int`` or a ``float``; an ``int`` is a ``float``;
* a ``str`` (or ``bytes``) is never an ``Iterable`` or ``Sequence`` of anything, so
  ``untag_resource(arn, "key")`` is refused rather than read as ``k``, ``e``, ``y``;
* the items of lists, tuples, sets and mappings are checked; iterators and generators
  are not consumed, so only their kind is checked;
* a file is an iterable of its lines: of ``str`` if opened as text, else of ``bytes``;
* ``*args: X`` checks each extra argument, ``**kwargs: X`` each extra keyword's value;
* a parameter left at its default is not checked;
* ``Callable[...]`` means callable, ``IO[...]`` means has ``read`` or ``write``, a type
  variable means its bound, a runtime-checkable protocol is checked; other protocols
  and ``Any`` accept anything.

Annotations are read at the first call, not at import: a name imported only under
``if TYPE_CHECKING:`` is looked up in :data:`sys.modules` (no instance of a class can
exist before its module is loaded, so nothing is ever imported for a check). At that
first call each checked function is written out, as attrs writes ``__init__``, into one
function of the same signature that tests each argument given (an ``isinstance`` for a
plain class) and calls the original; on a class it takes the wrapper's place. A call
then costs a fraction of a microsecond per argument.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import io
import math
import sys
import types
import typing
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ForwardRef, TypeVar

from lookout_sdk.errors import InvalidInputError, Problem

__all__ = ["at_least", "checked"]

T = TypeVar("T")
Predicate = Callable[[Any], bool]
_TEXT = (str, bytes, bytearray)
#: Items of these are checked one by one; other iterables are only checked for kind.
_CONCRETE = (list, tuple, set, frozenset)
_FILE_LIKE = (typing.IO, typing.BinaryIO, typing.TextIO)


# ----------------------------------------------------------------------------- checks


class _Check:
    """What one annotation accepts: a predicate, and the annotation as text."""

    __slots__ = ("ok", "text")

    def __init__(self, ok: Predicate, text: str) -> None:
        self.ok = ok
        self.text = text

    def shape_ok(self, value: Any) -> bool:
        """Whether ``value`` is of the right kind, its items aside."""
        return self.ok(value)

    def locate(self, value: Any, path: str) -> tuple[str, _Check, Any]:
        """Where in ``value`` (which :attr:`ok` refused) the fault is: path, check, item."""
        return path, self, value


class _Instance(_Check):
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


class _Items(_Check):
    """A container whose items (or keys and values) are checked one by one.

    Only lists, tuples, sets, frozensets and dicts are walked: other iterables may be
    lazy or single-use, so only their kind is checked.
    """

    __slots__ = ("items", "keys", "mapping", "shape")

    def __init__(
        self,
        shape: Predicate,
        items: _Check | None,
        text: str,
        *,
        keys: _Check | None = None,
        mapping: bool = False,
    ) -> None:
        self.shape, self.items, self.keys, self.mapping = shape, items, keys, mapping
        super().__init__(self._ok, text)

    def _faults(self, value: Any) -> Iterator[tuple[str, _Check, Any]]:
        """``(label, check, item)`` of each key or item that its check refuses."""
        if self.mapping:
            if isinstance(value, dict):
                for key, item in value.items():
                    if self.keys is not None and not self.keys.ok(key):
                        yield f"[{key!r}] (a key)", self.keys, key
                    if self.items is not None and not self.items.ok(item):
                        yield f"[{key!r}]", self.items, item
        elif self.items is not None and isinstance(value, (*_CONCRETE, dict)):
            for index, item in enumerate(value):
                if not self.items.ok(item):
                    yield f"[{index}]", self.items, item

    def _ok(self, value: Any) -> bool:  # _faults, as plain loops: this runs on every call
        if not self.shape(value):
            return False
        if self.mapping:
            return not isinstance(value, dict) or (
                _every(self.keys, value) and _every(self.items, value.values())
            )
        return not isinstance(value, (*_CONCRETE, dict)) or _every(self.items, value)

    def shape_ok(self, value: Any) -> bool:
        return self.shape(value)

    def locate(self, value: Any, path: str) -> tuple[str, _Check, Any]:
        fault = next(self._faults(value), None) if self.shape(value) else None
        if fault is None:
            return path, self, value
        label, check, item = fault
        return check.locate(item, path + label)


def _every(check: _Check | None, values: Iterable[Any]) -> bool:
    """Whether ``check`` accepts every one of ``values`` (``isinstance`` inline if it can)."""
    if check is None:
        return True
    if isinstance(check, _Instance) and not check.no_bool:
        accepted = check.accepted
        for value in values:  # noqa: SIM110 - a plain loop: no generator per call
            if not isinstance(value, accepted):
                return False
        return True
    return all(map(check.ok, values))


class _AnyOf(_Check):
    """A union: one of the members must accept the value."""

    __slots__ = ("members",)

    def __init__(self, members: list[_Check]) -> None:
        self.members = members
        oks = [member.ok for member in members]
        text = " | ".join(member.text for member in members)
        super().__init__(lambda value: any(ok(value) for ok in oks), text)

    def shape_ok(self, value: Any) -> bool:
        return any(member.shape_ok(value) for member in self.members)

    def locate(self, value: Any, path: str) -> tuple[str, _Check, Any]:
        # A container of the right kind with a wrong item: point at the item.
        shaped = [m for m in self.members if isinstance(m, _Items) and m.shape_ok(value)]
        return shaped[0].locate(value, path) if len(shaped) == 1 else (path, self, value)


class _Later(_Check):
    """A name imported only for type checkers, found in ``sys.modules`` when needed."""

    __slots__ = ("found", "module", "names")

    def __init__(self, module: str, names: tuple[str, ...]) -> None:
        self.module, self.names = module, names
        self.found: _Check | None = None
        super().__init__(self._ok, names[-1] if names else module)

    def resolve(self) -> _Check | None:
        """The check of the name, once its module is loaded (``None`` before)."""
        if self.found is None:
            target: Any = sys.modules.get(self.module)
            for name in self.names:
                target = getattr(target, name, None)
            if target is not None:
                self.found = _compile(target, _Names(self.module)) or _ANYTHING
        return self.found

    def _ok(self, value: Any) -> bool:
        found = self.found or self.resolve()
        # Not loaded yet: nothing can be an instance of one of its classes.
        return found is not None and found.ok(value)


_ANYTHING = _Check(lambda _: True, "anything")


# ----------------------------------------------------------------------------- names


class _Deferred:
    """A name only type checkers import, while an annotation is evaluated.

    It takes part in ``X | Y``, ``X[...]``, ``X.attr`` and typing's own checks (which
    want something callable), and compiles to a :class:`_Later` check.
    """

    def __init__(self, module: str | None, names: tuple[str, ...]) -> None:
        self.module, self.names = module, names

    def __getattr__(self, name: str) -> _Deferred:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Deferred(self.module, (*self.names, name))

    def __getitem__(self, _: object) -> _Deferred:
        return self

    def __or__(self, other: object) -> Any:
        return typing.Union[self, other]  # noqa: UP007 - ``|`` is what is defined here

    def __ror__(self, other: object) -> Any:
        return typing.Union[other, self]  # noqa: UP007

    def __call__(self, *_: object) -> None:
        """Never called: typing takes only callables as arguments of its forms."""


#: A name that no import provides: it accepts anything.
_UNKNOWN = _Deferred(None, ())


@functools.cache
def _type_checking_imports(module: str) -> dict[str, tuple[str, tuple[str, ...]]]:
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


class _Names(dict[str, Any]):
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
        module, attributes = _type_checking_imports(self.module).get(name, (None, ()))
        return _UNKNOWN if module is None else _Deferred(module, attributes)

    def evaluate(self, text: str) -> Any:
        """The value of annotation ``text`` in this namespace."""
        return eval(text, self.globals or {"__builtins__": builtins}, self)


# ----------------------------------------------------------------------------- compiling


def _name(tp: Any) -> str:
    return str(getattr(tp, "__name__", None) or tp).replace("typing.", "")


def _union(members: list[_Check | None]) -> _Check | None:
    if any(member is None for member in members):
        return None
    checks = [member for member in members if member is not None]
    plain = [check for check in checks if isinstance(check, _Instance)]
    if len(plain) > 1:  # one isinstance call for all the plain classes
        classes = tuple(cls for check in plain for cls in check.classes)
        merged = _Instance(classes, " | ".join(check.text for check in plain))
        checks = [merged, *(check for check in checks if not isinstance(check, _Instance))]
    return checks[0] if len(checks) == 1 else _AnyOf(checks)


def _container(origin: type, args: tuple[Any, ...], names: _Names) -> _Check:
    """A generic container type: ``Mapping[K, V]``, ``Iterable[X]``, ``tuple[X, ...]``."""
    compiled = [_compile(arg, names) for arg in args if arg is not Ellipsis]
    text = f"{_name(origin)}[{', '.join(c.text if c else 'Any' for c in compiled)}]"
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        fixed = compiled  # tuple[X, Y]: that many items, each of its type

        def ok(value: Any) -> bool:
            return (
                isinstance(value, tuple)
                and len(value) == len(fixed)
                and all(c is None or c.ok(item) for c, item in zip(fixed, value, strict=True))
            )

        return _Check(ok, text)
    if issubclass(origin, abc.Mapping):
        keys, values = (*compiled, None, None)[:2]

        def mapping(value: Any) -> bool:
            return value.__class__ is dict or isinstance(value, origin)

        return _Items(mapping, values, text, keys=keys, mapping=True)

    items = compiled[0] if compiled else None

    concrete = tuple(kind for kind in _CONCRETE if issubclass(kind, origin))

    def shape(value: Any) -> bool:
        if value.__class__ in concrete:  # the usual case, without an ABC's isinstance
            return True
        if not isinstance(value, origin) or isinstance(value, _TEXT):
            return False
        if items is None or not isinstance(value, io.IOBase):
            return True
        # A file yields lines: text from a text file, bytes from a binary one.
        return items.ok("" if isinstance(value, io.TextIOBase) else b"")

    return _Items(shape, items, text)


def _literal(values: tuple[Any, ...]) -> _Check:
    text = " or ".join(repr(getattr(value, "value", value)) for value in values)
    return _Check(
        lambda v: isinstance(v, (str, int)) and not isinstance(v, bool) and v in values, text
    )


def _compile(tp: Any, names: _Names) -> _Check | None:
    """The check of annotation ``tp``; ``None`` when it accepts anything."""
    if isinstance(tp, (str, ForwardRef)):
        return _compile(names.evaluate(tp if isinstance(tp, str) else tp.__forward_arg__), names)
    if isinstance(tp, TypeVar):  # its bound, if it has one
        return None if tp.__bound__ is None else _compile(tp.__bound__, names)
    if tp is Any or tp is object or tp is _UNKNOWN:
        return None
    if tp is None or tp is type(None):
        return _Instance((type(None),), "None")
    if isinstance(tp, _Deferred):  # usually loaded by the first call: then checked directly
        later = _Later(tp.module, tp.names) if tp.module else None
        found = later.resolve() if later else None
        return later if found is None else (None if found is _ANYTHING else found)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        return _union([_compile(arg, names) for arg in args])
    if origin is typing.Literal:
        return _literal(args)
    if origin is typing.Annotated:
        return _compile(args[0], names)
    if tp in _FILE_LIKE or origin in _FILE_LIKE:
        return _Check(lambda v: hasattr(v, "read") or hasattr(v, "write"), "a file object")
    if origin is abc.Callable or tp is abc.Callable or tp is typing.Callable:
        return _Check(callable, "a callable")
    if isinstance(origin, type):
        if args and issubclass(origin, abc.Iterable) and not issubclass(origin, abc.Iterator):
            return _container(origin, args, names)
        return _compile(origin, names)
    if isinstance(tp, type):
        if getattr(tp, "_is_protocol", False):
            runtime = getattr(tp, "_is_runtime_protocol", False)
            return _Check(lambda v: isinstance(v, tp), _name(tp)) if runtime else None
        return _Instance((tp,), _name(tp))
    supertype = getattr(tp, "__supertype__", None)  # a NewType
    return None if supertype is None else _compile(supertype, names)


# ----------------------------------------------------------------------------- wrapping


def _shown(value: Any) -> str:
    """What was given, for an error message: its type and a short repr."""
    if value is None:
        return "None"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


class _Plan:
    """The checks of one function's parameters, and the function that runs them."""

    __slots__ = ("checks", "where")

    def __init__(self, func: Callable[..., Any], module: str) -> None:
        code = func.__code__
        names = _Names(module)
        hints = func.__annotations__
        count = code.co_argcount + code.co_kwonlyargcount
        compiled = {
            name: _compile(hints[name], names) for name in code.co_varnames[:count] if name in hints
        }
        rest = iter(code.co_varnames[count:])
        if code.co_flags & inspect.CO_VARARGS and (star := next(rest)) in hints:
            compiled[star] = _container(tuple, (hints[star], Ellipsis), names)
        if code.co_flags & inspect.CO_VARKEYWORDS and (stars := next(rest)) in hints:
            compiled[stars] = _container(dict, (str, hints[stars]), names)
        self.checks = {name: check for name, check in compiled.items() if check is not None}
        self.where = func.__qualname__.removesuffix(".__init__")

    def fail(self, name: str, value: Any) -> None:
        """Raise the error for ``value``, refused as parameter ``name``."""
        path, wanted, item = self.checks[name].locate(value, name)
        shown = _shown(item)
        if isinstance(item, _TEXT) and isinstance(wanted, _Items):
            what = "a mapping" if wanted.mapping else "a collection"
            shown += f" (one string, where {what} is meant)"
        problem = Problem(path, f"must be {wanted.text}, not {shown}")
        raise InvalidInputError(self.where, [problem])

    def function(self, func: Callable[..., T]) -> Callable[..., T]:
        """``func`` behind its checks, as one function of the same signature.

        Its source is written out (as attrs writes ``__init__``) so that a call costs
        an ``isinstance`` per argument and no loop: argument binding stays the
        interpreter's. A parameter left at its default is not checked.
        """
        code = func.__code__
        positional, keyword_only = code.co_argcount, code.co_kwonlyargcount
        names = code.co_varnames[: positional + keyword_only]
        rest = iter(code.co_varnames[positional + keyword_only :])
        star = next(rest) if code.co_flags & inspect.CO_VARARGS else None
        stars = next(rest) if code.co_flags & inspect.CO_VARKEYWORDS else None
        given = func.__defaults__ or ()
        defaults = dict(zip(names[positional - len(given) : positional], given, strict=True))
        defaults.update(func.__kwdefaults__ or {})
        env: dict[str, Any] = {"__name__": __name__, "_func": func, "_fail": self.fail}
        signature, call, body = [], [], []
        for index, name in enumerate(names):
            if index == positional:
                signature.append(f"*{star}" if star else "*")
                call.extend([f"*{star}"] if star else [])
            if name in defaults:
                env[f"_d_{name}"] = defaults[name]
            signature.append(f"{name}=_d_{name}" if name in defaults else name)
            if index + 1 == code.co_posonlyargcount:
                signature.append("/")
            call.append(name if index < positional else f"{name}={name}")
            check = self.checks.get(name)
            if check is not None:
                guard = f"{name} is not _d_{name} and " if name in defaults else ""
                body.append(
                    f"    if {guard}not ({_test(check, name, env)}): _fail({name!r}, {name})"
                )
        if star and len(names) == positional:
            signature.append(f"*{star}")
            call.append(f"*{star}")
        if stars:
            signature.append(f"**{stars}")
            call.append(f"**{stars}")
        for packed in (star, stars):  # each of *args, each value of **kwargs
            check = self.checks.get(packed or "")
            if packed and isinstance(check, _Items) and (check.keys or check.items):
                test = _test(check, packed, env)
                body.append(f"    if not ({test}): _fail({packed!r}, {packed})")
        head = f"def {func.__name__}({', '.join(signature)}):"
        source = "\n".join([head, *body, f"    return _func({', '.join(call)})"])
        exec(compile(source, f"<checked {func.__qualname__}>", "exec"), env)
        fast: Callable[..., T] = functools.update_wrapper(env[func.__name__], func)
        return fast


def _test(check: _Check, name: str, env: dict[str, Any]) -> str:
    """The expression that accepts ``name``'s value: ``isinstance`` where it can be."""
    key = f"_c_{name}"
    if isinstance(check, _Instance):
        env[key] = check.accepted
        no_bool = f" and {name}.__class__ is not bool" if check.no_bool else ""
        return f"isinstance({name}, {key}){no_bool}"
    env[key] = check.ok
    keys = check.keys if isinstance(check, _Items) and check.items is None else None
    if isinstance(keys, _Instance) and not keys.no_bool:
        # A dict whose keys are all of exact accepted types (Mapping[str, Any], say):
        # told in C, without a Python call per key.
        env[f"_k_{name}"] = frozenset(keys.accepted)
        exact = f"{{*map(type, {name})}} <= _k_{name}"
        return f"({name}.__class__ is dict and {exact}) or {key}({name})"
    return f"{key}({name})"


def _wrap(
    func: Callable[..., T], module: str, install: Callable[[Callable[..., T]], None] | None = None
) -> Callable[..., T]:
    """``func`` with its arguments checked; ``install`` puts the fast version in its place."""
    annotated = set(func.__annotations__) - {"return"}
    if not annotated or getattr(func, "__checked__", False):
        return func
    built: list[Callable[..., T]] = []

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        if not built:  # the first call: read the annotations, write the checking function
            fast = _Plan(func, module).function(func)
            fast.__checked__ = True  # type: ignore[attr-defined]
            built.append(fast)
            if install is not None:
                install(fast)
        return built[0](*args, **kwargs)

    wrapper.__checked__ = True  # type: ignore[attr-defined]
    return wrapper


def checked(target: T) -> T:
    """Check the arguments of every call of ``target`` against its annotations.

    ``target`` is a function, or a class: then its ``__init__`` (the one attrs writes
    too, so put ``@checked`` above ``@attrs.frozen``) and the public methods, class
    methods and static methods the class itself defines are checked.

    Raises:
        InvalidInputError: (at call time) an argument's type does not match its
            annotation; the problem names the parameter and what was given.
    """
    if not isinstance(target, type):
        return _wrap(target, getattr(target, "__module__", ""))  # type: ignore[arg-type, return-value]
    for name, member in list(vars(target).items()):
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, (classmethod, staticmethod)):
            kind: Callable[[Any], Any] = type(member)
            wrapped = _wrap(member.__func__, target.__module__, _installer(target, name, kind))
            if wrapped is not member.__func__:
                setattr(target, name, kind(wrapped))
        elif isinstance(member, types.FunctionType):
            setattr(target, name, _wrap(member, target.__module__, _installer(target, name)))
    return target


def _installer(
    owner: type, name: str, kind: Callable[[Any], Any] | None = None
) -> Callable[[Callable[..., Any]], None]:
    """Put a method's checking function on its class in place of the first-call wrapper."""

    def install(fast: Callable[..., Any]) -> None:
        setattr(owner, name, fast if kind is None else kind(fast))

    return install


# ----------------------------------------------------------------------------- values


def at_least(minimum: float, *, above: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: a finite number of at least ``minimum`` (above it, if ``above``).

    ``None`` passes (optional fields say so in their type).

    Raises:
        InvalidInputError: the number is smaller, or not finite; it names the field.
    """
    relation = "greater than" if above else "at least"

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if value is None:
            return
        wrong = not math.isfinite(value) or value < minimum or (above and value == minimum)
        if wrong:
            name = getattr(attribute, "alias", None) or attribute.name
            reason = f"must be a finite number {relation} {minimum:g}, not {value!r}"
            raise InvalidInputError.of(name, reason)

    return validate
