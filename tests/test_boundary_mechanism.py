"""How ``lookout_sdk._boundary.checked`` reads annotations and writes its checks."""

from __future__ import annotations

import inspect
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs
import pytest

from lookout_sdk import InvalidInputError
from lookout_sdk._boundary import checked

if TYPE_CHECKING:
    from decimal import Decimal  # never imported here at run time

N = TypeVar("N", bound=int)
_UNSET: Any = object()


@checked
def shapes(
    a: int,
    /,
    b: float = 1.0,
    *rest: str,
    c: Sequence[str] = (),
    d: Mapping[str, int] | None = None,
    e: Any = _UNSET,
    **extra: object,
) -> tuple[Any, ...]:
    return a, b, rest, c, d, e, extra


@checked
def typed_only(value: Decimal | None) -> object:
    return value


@checked
def bounded(value: N, mode: Literal["fast", "slow"] = "fast") -> object:
    return value, mode


@checked
def lines(source: Iterable[str]) -> list[str]:
    return list(source)


@checked
@attrs.frozen
class Record:
    name: str
    sizes: tuple[int, ...] = ()

    def grow(self, by: int) -> Record:
        return attrs.evolve(self, sizes=(*self.sizes, by))

    @classmethod
    def named(cls, name: str) -> Record:
        return cls(name)


def problem(call: Any) -> str:
    with pytest.raises(InvalidInputError) as info:
        call()
    (found,) = info.value.problems
    return f"{found.path}: {found.reason}"


def test_every_kind_of_parameter_passes_through_unchanged() -> None:
    assert shapes(1) == (1, 1.0, (), (), None, _UNSET, {})
    assert shapes(1, 2, "x", "y", c=["z"], d={"k": 3}, e=None, f=4) == (
        1,
        2,
        ("x", "y"),
        ["z"],
        {"k": 3},
        None,
        {"f": 4},
    )
    assert str(inspect.signature(shapes)).startswith("(a: 'int', /, b: 'float' = 1.0, *rest")
    with pytest.raises(TypeError):  # arity mistakes stay Python's own
        shapes()  # type: ignore[call-arg]


def test_each_kind_of_parameter_is_checked_with_its_path() -> None:
    assert problem(lambda: shapes(True)) == "a: must be int, not bool True"
    assert problem(lambda: shapes(1, "2")) == "b: must be float, not str '2'"
    assert problem(lambda: shapes(1, 2, "x", 3)).startswith("rest")
    assert problem(lambda: shapes(1, c="abc")) == (
        "c: must be Sequence[str], not str 'abc' (one string, where a collection is meant)"
    )
    assert problem(lambda: shapes(1, c=["a", 2])) == "c[1]: must be str, not int 2"
    assert problem(lambda: shapes(1, d={"k": "3"})) == "d['k']: must be int, not str '3'"
    assert problem(lambda: shapes(1, d={2: 3})).startswith("d[2] (a key): must be str")


def test_names_only_type_checkers_import_are_found_when_loaded() -> None:
    from decimal import Decimal

    assert typed_only(Decimal(1)) == Decimal(1)
    assert typed_only(None) is None
    assert problem(lambda: typed_only(1.5)) == "value: must be Decimal | None, not float 1.5"


def test_type_variables_check_their_bound_and_literals_their_values() -> None:
    assert bounded(3, "slow") == (3, "slow")
    assert problem(lambda: bounded("3")).startswith("value: must be int")
    assert problem(lambda: bounded(3, "quick")).startswith("mode: must be 'fast' or 'slow'")


def test_a_file_is_an_iterable_of_its_lines() -> None:
    assert lines(io.StringIO("a\nb\n")) == ["a\n", "b\n"]
    assert lines(x for x in ["a"]) == ["a"]  # a generator is not consumed by the check
    assert problem(lambda: lines(io.BytesIO(b"a\n"))).startswith("source: must be Iterable[str]")


def test_a_class_gets_its_checking_functions_after_the_first_call() -> None:
    first = Record.__dict__["grow"]
    record = Record.named("r").grow(2)
    assert record == Record("r", (2,))
    assert Record.__dict__["grow"] is not first  # the written-out function took its place
    assert Record.__dict__["grow"].__wrapped__ is first.__wrapped__
    assert problem(lambda: Record("r", (1, "2"))) == "sizes[1]: must be int, not str '2'"
    assert problem(lambda: record.grow(by=1.0)) == "by: must be int, not float 1.0"
    assert problem(lambda: Record.named(None)) == "name: must be str, not None"
    with pytest.raises(InvalidInputError, match=r"invalid input for Record\.grow"):
        record.grow("1")
