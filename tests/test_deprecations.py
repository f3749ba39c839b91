"""Old spellings still work for one release, each with a DeprecationWarning at the caller."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lookout_sdk
from lookout_sdk import InvalidInputError, LookoutVision, Model, Operation
from lookout_sdk.errors import Problem


def _warns_here(action: Callable[[], Any], match: str) -> Any:
    """Run ``action``; it must warn once, pointing at this file, and its result is returned."""
    with pytest.warns(DeprecationWarning, match=match) as record:
        result = action()
    deprecations = [w for w in record if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1
    assert deprecations[0].filename == __file__, deprecations[0].filename
    return result


def _fresh_import(name: str) -> Any:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("lookout_sdk.local.engine", "lookout_sdk.engine", "SimpleEngine"),
        ("lookout_sdk.testing.synthetic", "lookout_sdk.synthetic", "make_image"),
        ("lookout_sdk.datasets.manifest", "lookout_sdk.manifests.entry", "ManifestEntry"),
        ("lookout_sdk.datasets.validate", "lookout_sdk.manifests.validate", "validate_manifest"),
        ("lookout_sdk.datasets.chunks", "lookout_sdk.manifests.chunks", "plan_chunks"),
        ("lookout_sdk.datasets.preflight", "lookout_sdk.datasets.checks", "preflight"),
    ],
)
def test_moved_modules_warn_on_import_and_still_work(old: str, new: str, name: str) -> None:
    parent, _, child = old.rpartition(".")
    package = importlib.import_module(parent)
    before = package.__dict__.get(child)
    try:
        module = _warns_here(lambda: _fresh_import(old), match=new.replace(".", r"\."))
        assert getattr(module, name) is getattr(importlib.import_module(new), name)
        assert name in module.__all__
    finally:  # leave the package as it was (an imported submodule shadows a name)
        sys.modules.pop(old, None)
        if before is None:
            package.__dict__.pop(child, None)
        else:
            setattr(package, child, before)


def test_the_preflight_function_is_not_shadowed_by_its_module() -> None:
    import lookout_sdk.datasets.checks  # noqa: F401 - the module that used to shadow it
    from lookout_sdk.datasets import preflight

    assert callable(preflight)


def test_max_workers_still_works_on_model_detect_many(
    service: LookoutVision, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Model, "detect", lambda self, image: f"seen {image!r}")
    model = service.project("boards").model(1)
    items = _warns_here(
        lambda: list(model.detect_many([b"a", b"b"], max_workers=2)), match="workers="
    )
    assert [item.result for item in items] == ["seen b'a'", "seen b'b'"]
    with pytest.raises(InvalidInputError, match="max_workers"):
        model.detect_many([b"a"], workers=3, max_workers=2)


def test_max_workers_still_works_on_edge_detect_many(monkeypatch: pytest.MonkeyPatch) -> None:
    from lookout_sdk.edge import EdgeModel

    monkeypatch.setattr(EdgeModel, "detect", lambda self, image: len(image))
    edge = EdgeModel.__new__(EdgeModel)
    items = _warns_here(lambda: list(edge.detect_many([b"ab"], max_workers=1)), match="workers=")
    assert [item.result for item in items] == [2]


def test_poller_kind_and_model_poller_kind(service: LookoutVision) -> None:
    model = service.project("boards").model(1)
    poller = _warns_here(lambda: model.poller(kind="stop_model"), match="Model.poller")
    assert poller.operation is Operation.STOP_MODEL
    assert _warns_here(lambda: poller.kind, match="Poller.operation") == "stop_model"


def test_dataset_poller_without_an_operation(service: LookoutVision) -> None:
    dataset = service.project("boards").dataset("train")
    poller = _warns_here(dataset.poller, match="Dataset.poller")
    assert poller.operation is Operation.CREATE_DATASET


def test_the_old_problem_types_make_problems() -> None:
    from lookout_sdk.datasets import FileProblem, LineProblem

    file_problem = _warns_here(lambda: FileProblem("a.png", "is damaged"), match="Problem")
    assert file_problem == Problem("a.png", "is damaged")
    line_problem = _warns_here(lambda: LineProblem(3, "is wrong"), match="Problem.at_line")
    assert str(line_problem) == "line 3: is wrong"
    assert line_problem.line == 3


def test_internal_code_uses_no_deprecated_spelling() -> None:
    # The whole suite runs with DeprecationWarnings raised from lookout_sdk as errors, so
    # a deprecated spelling used inside the SDK fails whichever test reaches it.
    pyproject = (Path(lookout_sdk.__file__).parents[1] / "pyproject.toml").read_text()
    assert 'filterwarnings = ["error::DeprecationWarning:lookout_sdk.*"]' in pyproject
