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

import functools
import inspect
import math
import types
from collections.abc import Callable
from typing import Any, TypeVar

from lookout_sdk._boundary.annotations import (
    TEXT,
    Check,
    Instance,
    Items,
    Names,
    compile_annotation,
    container,
)
from lookout_sdk.errors import InvalidInputError, Problem

__all__ = ["at_least", "checked", "unchecked"]

T = TypeVar("T")


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
        names = Names(module)
        hints = func.__annotations__
        count = code.co_argcount + code.co_kwonlyargcount
        compiled = {
            name: compile_annotation(hints[name], names)
            for name in code.co_varnames[:count]
            if name in hints
        }
        rest = iter(code.co_varnames[count:])
        if code.co_flags & inspect.CO_VARARGS and (star := next(rest)) in hints:
            compiled[star] = container(tuple, (hints[star], Ellipsis), names)
        if code.co_flags & inspect.CO_VARKEYWORDS and (stars := next(rest)) in hints:
            compiled[stars] = container(dict, (str, hints[stars]), names)
        self.checks = {name: check for name, check in compiled.items() if check is not None}
        self.where = func.__qualname__.removesuffix(".__init__")

    def fail(self, name: str, value: Any) -> None:
        """Raise the error for ``value``, refused as parameter ``name``."""
        path, wanted, item = self.checks[name].locate(value, name)
        shown = _shown(item)
        if isinstance(item, TEXT) and isinstance(wanted, Items):
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
            if packed and isinstance(check, Items) and (check.keys or check.items):
                test = _test(check, packed, env)
                body.append(f"    if not ({test}): _fail({packed!r}, {packed})")
        head = f"def {func.__name__}({', '.join(signature)}):"
        source = "\n".join([head, *body, f"    return _func({', '.join(call)})"])
        exec(compile(source, f"<checked {func.__qualname__}>", "exec"), env)
        fast: Callable[..., T] = functools.update_wrapper(env[func.__name__], func)
        return fast


def _test(check: Check, name: str, env: dict[str, Any]) -> str:
    """The expression that accepts ``name``'s value: ``isinstance`` where it can be."""
    key = f"_c_{name}"
    if isinstance(check, Instance):
        env[key] = check.accepted
        no_bool = f" and {name}.__class__ is not bool" if check.no_bool else ""
        return f"isinstance({name}, {key}){no_bool}"
    env[key] = check.ok
    keys = check.keys if isinstance(check, Items) and check.items is None else None
    if isinstance(keys, Instance) and not keys.no_bool:
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


def unchecked(func: T) -> T:
    """Leave ``func`` out of its class's checks (put it under ``@classmethod``).

    For a method whose arguments are checked by the constructor it calls, or that
    reads the service's answers (``from_api``): it would only pay for a second look.
    """
    func.__checked__ = True  # type: ignore[attr-defined]
    return func


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
