"""The house has no circles: imports between the parts of lookout_sdk only point down.

Every import counts, at module level or inside a function, and so do the lazy export
tables (``_EXPORTS``) that name modules as strings; imports under ``if TYPE_CHECKING:``
do not, as they never run. The checks read the source with :mod:`ast`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import lookout_sdk

ROOT = Path(lookout_sdk.__file__).parent

#: The parts of the package, lowest first: an import may point only to a lower part or
#: within its own part. ``synthetic`` sits below ``testing``, whose deprecated
#: ``testing.synthetic`` alias points to it.
LAYERS = (
    "_version",
    "_lazy",
    "_deprecation",
    "errors",
    "_boundary",
    "records",
    "api",
    "runtime",
    "manifests",
    "datasets",
    "resources",
    "synthetic",
    "testing",
    "engine",
    "edge",
    "local",
    "demo",
    "cli",
)
#: The core, which knows nothing of the outer layers, not even inside a function.
CORE = ("errors", "_boundary", "records", "api", "runtime", "resources")
OUTER = ("local", "cli", "edge", "engine")
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str | None:
    """The top-level part of a ``lookout_sdk`` module (``None``: the package itself)."""
    pieces = module.split(".")
    if pieces[0] != "lookout_sdk":
        return None
    return pieces[1] if len(pieces) > 1 else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run: the bodies of ``if TYPE_CHECKING:`` are left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield child
                yield from _runtime_nodes(child)
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for each runtime import of the file at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, node.lineno
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "_EXPORTS" for target in node.targets
        ):
            for constant in ast.walk(node.value):
                if isinstance(constant, ast.Constant) and str(constant.value).startswith(
                    "lookout_sdk."
                ):
                    yield str(constant.value), node.lineno


def _edges() -> list[tuple[str, str, str]]:
    """``(from part, to part, where)`` for every import between two parts."""
    edges = []
    for path in sorted(ROOT.rglob("*.py")):
        source = _part(_module_name(path))
        for module, line in _imports(path):
            target = _part(module)
            if target is not None and source is not None and target != source:
                edges.append((source, target, f"{path.relative_to(ROOT)}:{line} {module}"))
    return edges


def test_every_part_is_in_the_layer_order() -> None:
    parts = {_part(_module_name(path)) for path in ROOT.rglob("*.py")} - {None}
    assert parts <= set(LAYERS), parts - set(LAYERS)


def test_imports_between_parts_only_point_down() -> None:
    upward = [
        f"{where}: {source} -> {target}"
        for source, target, where in _edges()
        if LAYERS.index(target) > LAYERS.index(source)
    ]
    assert upward == []


def test_the_core_imports_nothing_from_the_outer_layers() -> None:
    found = [
        f"{where}: {source} -> {target}"
        for source, target, where in _edges()
        if source in CORE and target in OUTER
    ]
    assert found == []


def test_edge_imports_nothing_from_local_or_cli() -> None:
    found = [w for source, target, w in _edges() if source == "edge" and target in ("local", "cli")]
    assert found == []


def test_the_package_root_imports_only_what_makes_it_lazy() -> None:
    root = ROOT / "__init__.py"
    eager = {module for module, _ in _imports(root) if not module.startswith("lookout_sdk.")}
    assert {module for module, _ in _imports(root) if module.startswith("lookout_sdk._")} <= {
        "lookout_sdk._lazy",
        "lookout_sdk._version",
    }
    assert eager <= {"__future__", "typing", "lookout_sdk"}


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_is_under_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < MAX_LINES


def _type_checking_exports(tree: ast.Module) -> dict[str, str]:
    """``name -> module`` from the ``from m import x as x`` lines under TYPE_CHECKING."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                if isinstance(child, ast.ImportFrom) and child.module:
                    for alias in child.names:
                        assert alias.asname == alias.name, "re-export as the same name"
                        found[alias.name] = child.module
    return found


@pytest.mark.parametrize("package", ["lookout_sdk", "lookout_sdk.datasets", "lookout_sdk.local"])
def test_the_public_export_list_agrees_with_itself(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    declared = _type_checking_exports(tree)
    exports = dict(module._EXPORTS)  # type: ignore[attr-defined]
    assert declared == exports  # the typed names and the lazy table name the same modules
    assert set(module.__all__) - {"__version__"} == set(exports)
    for name, where in exports.items():
        assert getattr(importlib.import_module(where), name) is getattr(module, name)
