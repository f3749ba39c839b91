"""The bundled Lookout for Vision API definition is botocore 1.40.60's, minus its prose.

These tests fetch the botocore 1.40.60 wheel (the last release that ships the
``lookoutvision`` model) and prove that the files under ``lookout_sdk/api/data``
are exactly its model, paginators and endpoint rules with the documentation
strings removed, and that ``tools/regenerate_api_model.py`` reproduces them
byte for byte.

Set ``LOOKOUT_SDK_BOTOCORE_WHEEL`` to a local copy of
``botocore-1.40.60-py3-none-any.whl`` to avoid the download; otherwise it is
fetched from PyPI with pip once and kept in the pytest cache.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
try:
    from tools import regenerate_api_model as regen
except ModuleNotFoundError:  # plain `pytest` without the repository root on sys.path
    sys.path.insert(0, str(REPO_ROOT))
    from tools import regenerate_api_model as regen

WHEEL_ENV_VAR = "LOOKOUT_SDK_BOTOCORE_WHEEL"
# Pinned independently of the tool: botocore-1.40.60-py3-none-any.whl on PyPI.
WHEEL_NAME = "botocore-1.40.60-py3-none-any.whl"
WHEEL_SHA256 = "385336791e37c200020a8991fbefcf1afd6836f27966d007b6e4c8bc96a4173d"

DATA_DIR = REPO_ROOT / "lookout_sdk" / "api" / "data"
MODEL_DIR = DATA_DIR / "lookoutvision" / "2020-11-20"
WHEEL_DIR = "botocore/data/lookoutvision/2020-11-20"
# Bundled file name -> member of the wheel it must match.
SOURCES = {
    "service-2.json": f"{WHEEL_DIR}/service-2.json.gz",
    "paginators-1.json": f"{WHEEL_DIR}/paginators-1.json",
    "endpoint-rule-set-1.json": f"{WHEEL_DIR}/endpoint-rule-set-1.json.gz",
}
DOC_KEYS = {"documentation", "documentationUrl"}

OPERATIONS = {
    "CreateDataset",
    "CreateModel",
    "CreateProject",
    "DeleteDataset",
    "DeleteModel",
    "DeleteProject",
    "DescribeDataset",
    "DescribeModel",
    "DescribeModelPackagingJob",
    "DescribeProject",
    "DetectAnomalies",
    "ListDatasetEntries",
    "ListModelPackagingJobs",
    "ListModels",
    "ListProjects",
    "ListTagsForResource",
    "StartModel",
    "StartModelPackagingJob",
    "StopModel",
    "TagResource",
    "UntagResource",
    "UpdateDatasetEntries",
}
IDEMPOTENT_OPERATIONS = {
    "CreateDataset",
    "CreateModel",
    "CreateProject",
    "DeleteDataset",
    "DeleteModel",
    "DeleteProject",
    "StartModel",
    "StartModelPackagingJob",
    "StopModel",
    "UpdateDatasetEntries",
}


# --------------------------------------------------------------------------- helpers


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _without_docs(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in DOC_KEYS}


def _differences(release: Any, bundled: Any, path: str = "$") -> list[str]:
    """Compare ``release`` (documented) with ``bundled``, ignoring doc strings only.

    Written independently of ``strip_documentation`` so a bug there cannot hide
    here. Types must match exactly (``True`` is not ``1``).
    """
    if type(release) is not type(bundled):
        return [f"{path}: {type(release).__name__} != {type(bundled).__name__}"]
    if isinstance(release, dict):
        diffs = []
        for key in DOC_KEYS & release.keys():
            if not isinstance(release[key], str):
                diffs.append(f"{path}.{key}: not a documentation string in the release")
        release_keys = release.keys() - DOC_KEYS
        if release_keys != bundled.keys():
            diffs.append(
                f"{path}: keys missing {sorted(release_keys - bundled.keys())}, "
                f"extra {sorted(bundled.keys() - release_keys)}"
            )
        for key in sorted(release_keys & bundled.keys()):
            diffs += _differences(release[key], bundled[key], f"{path}.{key}")
        return diffs
    if isinstance(release, list):
        if len(release) != len(bundled):
            return [f"{path}: length {len(release)} != {len(bundled)}"]
        diffs = []
        for index, (left, right) in enumerate(zip(release, bundled, strict=True)):
            diffs += _differences(left, right, f"{path}[{index}]")
        return diffs
    return [] if release == bundled else [f"{path}: {release!r} != {bundled!r}"]


def _doc_key_paths(obj: Any, path: str = "$") -> list[str]:
    if isinstance(obj, dict):
        found = [f"{path}.{key}" for key in obj if key in DOC_KEYS]
        for key, value in obj.items():
            found += _doc_key_paths(value, f"{path}.{key}")
        return found
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in _doc_key_paths(item, f"{path}[{i}]")]
    return []


# -------------------------------------------------------------------------- fixtures


def _download(dest: Path) -> Path:
    try:
        return regen.download_wheel(dest)
    except subprocess.CalledProcessError as exc:
        pytest.fail(
            f"could not download botocore==1.40.60 from PyPI with pip "
            f"(exit {exc.returncode}); set {WHEEL_ENV_VAR} to a local copy of "
            f"{WHEEL_NAME} to run offline.\npip said:\n{exc.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def botocore_wheel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The botocore 1.40.60 wheel, from $LOOKOUT_SDK_BOTOCORE_WHEEL or PyPI."""
    configured = os.environ.get(WHEEL_ENV_VAR)
    if configured:
        wheel = Path(configured)
        if not wheel.is_file():
            pytest.fail(f"{WHEEL_ENV_VAR}={configured} is not a file", pytrace=False)
    else:
        cache = getattr(request.config, "cache", None)
        if cache is not None:
            dest = cache.mkdir("botocore-1.40.60-wheel")
        else:  # cacheprovider disabled (-p no:cacheprovider)
            dest = tmp_path_factory.mktemp("botocore-wheel")
        wheel = dest / WHEEL_NAME
        if not wheel.is_file() or _sha256(wheel) != WHEEL_SHA256:
            wheel.unlink(missing_ok=True)
            wheel = _download(dest)
    digest = _sha256(wheel)
    if digest != WHEEL_SHA256:
        pytest.fail(
            f"{wheel} has sha256 {digest}; expected {WHEEL_SHA256} ({WHEEL_NAME} from PyPI)",
            pytrace=False,
        )
    return wheel


@pytest.fixture(scope="session")
def release_raw(botocore_wheel: Path) -> dict[str, bytes]:
    """The original bytes of the three model files inside the wheel."""
    with zipfile.ZipFile(botocore_wheel) as wheel:
        return {name: wheel.read(member) for name, member in SOURCES.items()}


@pytest.fixture(scope="session")
def release(release_raw: dict[str, bytes]) -> dict[str, Any]:
    """The release's model files, parsed, documentation included."""
    return {
        name: json.loads(gzip.decompress(raw) if SOURCES[name].endswith(".gz") else raw)
        for name, raw in release_raw.items()
    }


@pytest.fixture(scope="session")
def bundled() -> dict[str, Any]:
    """The model files committed under lookout_sdk/api/data, parsed."""
    return {name: json.loads((MODEL_DIR / name).read_text("utf-8")) for name in SOURCES}


# ---------------------------------------------------------------- equal to release


def test_read_model_files_reads_the_release(botocore_wheel: Path, release: dict[str, Any]) -> None:
    assert regen.read_model_files(botocore_wheel) == release


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_bundled_file_is_release_without_documentation(
    name: str, release: dict[str, Any], bundled: dict[str, Any]
) -> None:
    assert _differences(release[name], bundled[name]) == []
    assert regen.strip_documentation(release[name]) == bundled[name]


def test_metadata_and_top_level(release: dict[str, Any], bundled: dict[str, Any]) -> None:
    ours, theirs = bundled["service-2.json"], release["service-2.json"]
    top_level = {"version", "metadata", "operations", "shapes"}
    assert ours.keys() == _without_docs(theirs).keys() == top_level
    assert ours["version"] == theirs["version"]
    assert ours["metadata"] == theirs["metadata"]


def test_operations(release: dict[str, Any], bundled: dict[str, Any]) -> None:
    ours = bundled["service-2.json"]["operations"]
    theirs = release["service-2.json"]["operations"]
    assert ours.keys() == theirs.keys()
    problems = []
    for name, op in theirs.items():
        mine = ours[name]
        if mine.keys() != _without_docs(op).keys():
            problems.append(f"{name}: keys {sorted(mine)} != {sorted(_without_docs(op))}")
        for field in ("name", "input", "output", "errors"):
            if mine.get(field) != op.get(field):
                problems.append(f"{name}.{field}: {mine.get(field)!r} != {op.get(field)!r}")
        for field in ("method", "requestUri", "responseCode"):
            if mine["http"].get(field) != op["http"].get(field):
                problems.append(f"{name}.http.{field}")
        if mine["http"] != op["http"]:
            problems.append(f"{name}.http: {mine['http']!r} != {op['http']!r}")
        for field in op.keys() - {"name", "http", "input", "output", "errors"} - DOC_KEYS:
            if mine.get(field) != op[field]:
                problems.append(f"{name}.{field}")
    assert problems == []


def test_shapes(release: dict[str, Any], bundled: dict[str, Any]) -> None:
    ours = bundled["service-2.json"]["shapes"]
    theirs = release["service-2.json"]["shapes"]
    assert ours.keys() == theirs.keys()
    problems = []
    for name, shape in theirs.items():
        mine = ours[name]
        if mine.keys() != _without_docs(shape).keys():
            problems.append(f"{name}: keys {sorted(mine)} != {sorted(_without_docs(shape))}")
        for field, value in _without_docs(shape).items():
            if field == "members":
                if mine["members"].keys() != value.keys():
                    problems.append(f"{name}.members: names differ")
                for member, spec in value.items():
                    # shape, location, locationName, idempotencyToken, streaming, ...
                    if mine["members"].get(member) != _without_docs(spec):
                        problems.append(f"{name}.members.{member}")
            elif field in ("member", "key", "value"):
                if mine[field] != _without_docs(value):
                    problems.append(f"{name}.{field}")
            # type, required, min, max, pattern, enum, error, exception, fault, payload, ...
            elif mine.get(field) != value:
                problems.append(f"{name}.{field}: {mine.get(field)!r} != {value!r}")
    assert problems == []


def test_shape_comparison_covers_the_fields_that_matter(release: dict[str, Any]) -> None:
    """Guard against a vacuous comparison: the release really uses these fields."""
    shapes = release["service-2.json"]["shapes"].values()
    shape_fields = {field for shape in shapes for field in shape}
    member_fields = {
        field for shape in shapes for spec in shape.get("members", {}).values() for field in spec
    }
    assert {"type", "required", "min", "max", "pattern", "enum"} <= shape_fields
    assert {"error", "exception", "fault", "payload", "members", "member"} <= shape_fields
    assert {"shape", "location", "locationName", "idempotencyToken"} <= member_fields


def test_paginators(release: dict[str, Any], bundled: dict[str, Any]) -> None:
    assert bundled["paginators-1.json"] == release["paginators-1.json"]
    assert set(bundled["paginators-1.json"]["pagination"]) == {
        "ListDatasetEntries",
        "ListModelPackagingJobs",
        "ListModels",
        "ListProjects",
    }


def test_endpoint_rules(release: dict[str, Any], bundled: dict[str, Any]) -> None:
    ours, theirs = bundled["endpoint-rule-set-1.json"], release["endpoint-rule-set-1.json"]
    assert ours["version"] == theirs["version"]
    assert ours["rules"] == theirs["rules"]
    assert ours["parameters"] == {
        name: _without_docs(spec) for name, spec in theirs["parameters"].items()
    }
    assert set(ours["parameters"]) == {"Region", "UseDualStack", "UseFIPS", "Endpoint"}
    assert ours["rules"], "the rule set has rules"


# ------------------------------------------------------------------- concrete facts


def test_operation_names(bundled: dict[str, Any]) -> None:
    operations = bundled["service-2.json"]["operations"]
    assert len(operations) == 22
    assert set(operations) == OPERATIONS
    assert all(op["name"] == name for name, op in operations.items())


def test_idempotent_client_tokens(bundled: dict[str, Any]) -> None:
    service = bundled["service-2.json"]
    with_token = set()
    for name, op in service["operations"].items():
        members = service["shapes"][op["input"]["shape"]].get("members", {})
        token = members.get("ClientToken")
        if token is not None and token.get("idempotencyToken") is True:
            assert token["shape"] == "ClientToken"
            assert token["location"] == "header"
            assert token["locationName"] == "X-Amzn-Client-Token"
            with_token.add(name)
    assert len(with_token) == 10
    assert with_token == IDEMPOTENT_OPERATIONS


def test_project_name_shape(bundled: dict[str, Any]) -> None:
    assert bundled["service-2.json"]["shapes"]["ProjectName"] == {
        "type": "string",
        "min": 1,
        "max": 255,
        "pattern": r"[a-zA-Z0-9][a-zA-Z0-9_\-]*",
    }


def test_detect_anomalies(bundled: dict[str, Any]) -> None:
    service = bundled["service-2.json"]
    op = service["operations"]["DetectAnomalies"]
    assert op["http"]["method"] == "POST"
    assert op["http"]["requestUri"] == (
        "/2020-11-20/projects/{projectName}/models/{modelVersion}/detect"
    )
    request_shape = service["shapes"][op["input"]["shape"]]
    assert request_shape["payload"] == "Body"
    assert service["shapes"][request_shape["members"]["Body"]["shape"]]["streaming"] is True


def test_metadata_facts(bundled: dict[str, Any]) -> None:
    metadata = bundled["service-2.json"]["metadata"]
    assert metadata["protocol"] == "rest-json"
    assert metadata["apiVersion"] == "2020-11-20"
    assert metadata["endpointPrefix"] == metadata["signingName"] == "lookoutvision"
    assert metadata["serviceId"] == "LookoutVision"


# --------------------------------------------------------------- no documentation


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_documentation_left(name: str, bundled: dict[str, Any]) -> None:
    assert _doc_key_paths(bundled[name]) == []
    assert '"documentation' not in (MODEL_DIR / name).read_text("utf-8")


def test_release_did_have_documentation(release: dict[str, Any]) -> None:
    assert _doc_key_paths(release["service-2.json"])
    assert _doc_key_paths(release["endpoint-rule-set-1.json"])


def test_strip_documentation_keeps_everything_else() -> None:
    model = {
        "documentation": "x",
        "documentationUrl": "https://example.com",
        "a": [{"documentation": "y", "b": 1}, "documentation"],
        "c": {"d": True},
    }
    assert regen.strip_documentation(model) == {"a": [{"b": 1}, "documentation"], "c": {"d": True}}
    with pytest.raises(regen.ModelSourceError):
        regen.strip_documentation({"members": {"documentation": {"shape": "String"}}})


# ------------------------------------------------------------------ reproducibility


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix == ".json"
    }


def test_regeneration_is_byte_identical(botocore_wheel: Path, tmp_path: Path) -> None:
    regen.regenerate(botocore_wheel, tmp_path)
    generated = _tree(tmp_path)
    assert set(generated) == {
        "SOURCE.json",
        "lookoutvision/2020-11-20/service-2.json",
        "lookoutvision/2020-11-20/paginators-1.json",
        "lookoutvision/2020-11-20/endpoint-rule-set-1.json",
    }
    committed = _tree(DATA_DIR)
    assert set(committed) == set(generated)
    differing = sorted(name for name in generated if committed[name] != generated[name])
    assert differing == [], "run tools/regenerate_api_model.py to refresh these files"
    assert regen.render_outputs(botocore_wheel) == generated


def test_command_line(botocore_wheel: Path, tmp_path: Path) -> None:
    assert regen.main(["--wheel", str(botocore_wheel), "--data-dir", str(tmp_path)]) == 0
    assert _tree(tmp_path) == _tree(DATA_DIR)


def test_wrong_wheel_is_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / WHEEL_NAME
    bogus.write_bytes(b"not a wheel")
    with pytest.raises(regen.ModelSourceError, match="sha256"):
        regen.render_outputs(bogus)
    assert regen.main(["--wheel", str(bogus), "--data-dir", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


def test_source_record(botocore_wheel: Path, release_raw: dict[str, bytes]) -> None:
    source = json.loads((DATA_DIR / "SOURCE.json").read_text("utf-8"))
    assert source["botocore_version"] == "1.40.60"
    assert source["wheel"] == {"filename": WHEEL_NAME, "sha256": _sha256(botocore_wheel)}
    assert source["files"] == {
        name: {"source": SOURCES[name], "source_sha256": hashlib.sha256(raw).hexdigest()}
        for name, raw in release_raw.items()
    }
