"""Every exception the SDK raises is a LookoutError; a caller's mistake also a ValueError.

Two checks keep it so: no ``raise`` of a bare built-in exception in the public code (the
HTTP server, the backend's wire protocol and the command line turn errors into answers
and exit codes of their own, so they are left out), and every exception class the SDK
defines there derives from :class:`~lookout_sdk.LookoutError`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lookout_sdk
from lookout_sdk.errors import InvalidImageError, InvalidInputError, LookoutError

ROOT = Path(lookout_sdk.__file__).parent
#: Parts whose errors become HTTP answers or exit codes rather than reaching a caller.
OUTSIDE = ("cli", "local/http", "local/service")
#: Built-in exceptions that public code must not raise bare.
BARE = {
    "Exception",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "IndexError",
    "LookupError",
    "ImportError",
    "ModuleNotFoundError",
    "OSError",
    "AssertionError",
}
#: Old module paths kept as deprecated aliases: importing them warns.
ALIASES = {
    "lookout_sdk.local.engine",
    "lookout_sdk.testing.synthetic",
    "lookout_sdk.datasets.manifest",
    "lookout_sdk.datasets.validate",
    "lookout_sdk.datasets.chunks",
    "lookout_sdk.datasets.preflight",
}


def _public_files() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not any(path.relative_to(ROOT).as_posix().startswith(part) for part in OUTSIDE)
    ]


def _raised_name(node: ast.Raise) -> str | None:
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return target.id if isinstance(target, ast.Name) else None


def test_no_bare_builtin_exception_is_raised_in_public_code() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: raise {name}"
        for path in _public_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Raise) and (name := _raised_name(node)) in BARE
    ]
    assert found == []


def _public_modules() -> list[str]:
    names = ["lookout_sdk"]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="lookout_sdk."):
        relative = info.name.removeprefix("lookout_sdk.").replace(".", "/")
        if info.name in ALIASES or any(relative.startswith(part) for part in OUTSIDE):
            continue
        names.append(info.name)
    return names


def test_every_exception_class_the_sdk_defines_is_a_lookout_error() -> None:
    strays = []
    for name in _public_modules():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not issubclass(value, LookoutError)
            ):
                strays.append(f"{name}.{attribute}")
    assert len(_public_modules()) > 80  # the walk found the package
    assert strays == []


@pytest.mark.parametrize(
    ("module", "name", "parents"),
    [
        ("lookout_sdk.engine", "ImageRejected", (InvalidImageError,)),
        ("lookout_sdk.engine.weights", "WeightsUnavailable", (LookoutError, RuntimeError)),
        ("lookout_sdk.engine", "EngineError", (LookoutError, ValueError)),
        ("lookout_sdk.errors", "MissingExtraError", (LookoutError, ModuleNotFoundError)),
        ("lookout_sdk.edge", "PackageError", (LookoutError, ValueError)),
    ],
)
def test_named_errors_keep_their_old_parents_too(
    module: str, name: str, parents: tuple[type[BaseException], ...]
) -> None:
    error = getattr(importlib.import_module(module), name)
    assert all(issubclass(error, parent) for parent in parents)


def test_caller_mistakes_are_invalid_input_and_value_errors() -> None:
    from lookout_sdk import LookoutVision, RetryPolicy, S3Object
    from lookout_sdk.runtime.paging import ItemPaged

    mistakes = [
        lambda: S3Object.from_uri("https://example.com/x"),
        lambda: RetryPolicy(max_attempts=0),
        lambda: ItemPaged(lambda token, size: ([], None), max_items=-1),
        lambda: LookoutVision(region_name="us-east-1", s3_endpoint_url="x", s3=object()),  # type: ignore[arg-type]
    ]
    for mistake in mistakes:
        with pytest.raises(InvalidInputError) as caught:
            mistake()
        assert isinstance(caught.value, ValueError)
