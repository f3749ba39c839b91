"""Types checked at the public boundary: a wrong argument is an InvalidInputError, sent nowhere.

The calls of issue 11 come first, one by one; then a property test feeds wrong types to
every parameter of every public method of the public classes and functions. Its oracle
is written here, independently of ``lookout_sdk._boundary``: each annotation the public
signatures use is mapped to the kinds of value it accepts.
"""

from __future__ import annotations

import inspect
import io
import math
import re
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lookout_sdk as lv
from lookout_sdk import datasets, edge, testing
from lookout_sdk.datasets import ManifestEntry, MaskClass, Minimums, UploadItem
from lookout_sdk.edge import EdgeModel, PackageManifest
from lookout_sdk.engine import SimpleModel
from lookout_sdk.runtime.paging import ItemPaged
from lookout_sdk.testing import InProcessTransport

ARN = "arn:aws:lookoutvision:us-east-1:123456789012:project/p"
ENTRY = '{"source-ref": "s3://bucket/a.png", "anomaly-label": 0}'


@pytest.fixture(scope="module")
def stubbed() -> Iterator[lv.LookoutVision]:
    """A service whose Lookout and S3 clients are stubbed with nothing queued."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
        service = lv.LookoutVision(region_name="us-east-1")
        with Stubber(service.client), Stubber(service.s3_client()):
            yield service


# ----------------------------------------------------------------------------- the issue's calls


Service = lv.LookoutVision

#: Each call of the issue (and a few more), with the parameter its error must name.
ISSUE_CALLS: dict[str, tuple[Callable[[Service], object], str]] = {
    'create_dataset("test", manifest=123)': (
        lambda s: s.project("p").create_dataset("test", manifest=123),  # type: ignore[arg-type]
        "manifest",
    ),
    "create_model(output=None)": (
        lambda s: s.project("p").create_model(output=None),  # type: ignore[arg-type]
        "output",
    ),
    'create_model(tags=[("a", "b")])': (
        lambda s: s.project("p").create_model(output="s3://bucket/o/", tags=[("a", "b")]),  # type: ignore[arg-type]
        "tags",
    ),
    'tag_resource(arn, "k=v")': (lambda s: s.tag_resource(ARN, "k=v"), "tags"),  # type: ignore[arg-type]
    'untag_resource(arn, "key")': (lambda s: s.untag_resource(ARN, "key"), "keys"),
    'untag_resource(arn, ["a", 1])': (
        lambda s: s.untag_resource(ARN, ["a", 1]),  # type: ignore[list-item]
        "keys[1]",
    ),
    'tag_resource(arn, {"a": 1})': (
        lambda s: s.tag_resource(ARN, {"a": 1}),  # type: ignore[dict-item]
        "tags['a']",
    ),
    "update_entries(None)": (
        lambda s: s.project("p").dataset("train").update_entries(None),  # type: ignore[arg-type]
        "changes",
    ),
    'list_entries(max_items="5")': (
        lambda s: s.project("p").dataset("train").list_entries(max_items="5"),  # type: ignore[arg-type]
        "max_items",
    ),
    "list_entries(labeled=1)": (
        lambda s: s.project("p").dataset("train").list_entries(labeled=1),  # type: ignore[arg-type]
        "labeled",
    ),
    "resume(None)": (lambda s: s.resume(None), "token"),  # type: ignore[arg-type]
    "model.package(None)": (
        lambda s: s.project("p").model("1").package(None),  # type: ignore[arg-type]
        "configuration",
    ),
    'model.start("1")': (
        lambda s: s.project("p").model("1").start("1"),  # type: ignore[arg-type]
        "min_inference_units",
    ),
    "model.detect(123)": (lambda s: s.project("p").model("1").detect(123), "image"),  # type: ignore[arg-type]
    'RetryPolicy(max_attempts="3")': (
        lambda _: lv.RetryPolicy(max_attempts="3"),  # type: ignore[arg-type]
        "max_attempts",
    ),
    "RetryPolicy(max_attempts=True)": (lambda _: lv.RetryPolicy(max_attempts=True), "max_attempts"),
    'LookoutVision(retry="fast")': (
        lambda _: lv.LookoutVision(retry="fast"),  # type: ignore[arg-type]
        "retry",
    ),
    'import_folder(split="0.2")': (
        lambda s: s.project("p").import_folder("parts", "s3://bucket/p/", split="0.2"),  # type: ignore[arg-type]
        "split",
    ),
    "PollingPolicy(initial_delay=-1)": (
        lambda _: lv.PollingPolicy(initial_delay=-1),
        "initial_delay",
    ),
    'PollingPolicy(max_delay=float("nan"))': (
        lambda _: lv.PollingPolicy(max_delay=math.nan),
        "max_delay",
    ),
    "PollingPolicy(multiplier=0.5)": (lambda _: lv.PollingPolicy(multiplier=0.5), "multiplier"),
    'PollingPolicy(timeouts={"train_model": 0})': (
        lambda _: lv.PollingPolicy(timeouts={"train_model": 0}),
        "timeouts['train_model']",
    ),
    "RetryPolicy(deadline=0)": (lambda _: lv.RetryPolicy(deadline=0), "deadline"),
    "RetryPolicy(initial_backoff=-0.1)": (
        lambda _: lv.RetryPolicy(initial_backoff=-0.1),
        "initial_backoff",
    ),
    'project.delete(missing_ok="yes")': (
        lambda s: s.project("p").delete(missing_ok="yes"),  # type: ignore[arg-type]
        "missing_ok",
    ),
    "create_project(123)": (lambda s: s.create_project(123), "name"),  # type: ignore[arg-type]
    "list_projects(page_size=2.5)": (
        lambda s: s.list_projects(page_size=2.5),  # type: ignore[arg-type]
        "page_size",
    ),
    "poller.result(timeout='1')": (
        lambda s: s.project("p").model("1").poller(lv.Operation.TRAIN_MODEL).result(timeout="1"),  # type: ignore[arg-type]
        "timeout",
    ),
    "S3Object(bucket=None, key='k')": (
        lambda _: lv.S3Object(bucket=None, key="k"),  # type: ignore[arg-type]
        "bucket",
    ),
    "GreengrassConfiguration('c', 's3://bucket/')": (
        lambda _: lv.GreengrassConfiguration("c", "s3://bucket/"),  # type: ignore[arg-type]
        "s3_output_location",
    ),
    "EdgeModel.load(123)": (lambda _: EdgeModel.load(123), "package"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", list(ISSUE_CALLS))
def test_each_call_of_the_issue_names_its_parameter(stubbed: lv.LookoutVision, call: str) -> None:
    action, parameter = ISSUE_CALLS[call]
    with pytest.raises(lv.InvalidInputError) as info:
        action(stubbed)
    assert [problem.path for problem in info.value.problems] == [parameter]
    assert parameter.split("[")[0] in str(info.value)


def test_the_message_says_what_was_given(stubbed: lv.LookoutVision) -> None:
    with pytest.raises(lv.InvalidInputError) as info:
        stubbed.untag_resource(ARN, "key")
    assert str(info.value) == (
        "invalid input for LookoutVision.untag_resource: keys: must be Iterable[str], "
        "not str 'key' (one string, where a collection is meant)"
    )
    with pytest.raises(lv.InvalidInputError) as info:
        stubbed.project("p").create_model(output=None)  # type: ignore[arg-type]
    assert str(info.value).endswith("output: must be S3Location | str, not None")


def test_right_types_still_pass(stubbed: lv.LookoutVision) -> None:
    # ints are floats; str enums are strs; tuples and sets are iterables; paths are paths
    policy = lv.PollingPolicy(initial_delay=1, timeouts={lv.Operation.TRAIN_MODEL: 5})
    assert policy.timeout_for("train_model") == 5
    assert lv.RetryPolicy(deadline=None, max_backoff=0).deadline is None
    assert stubbed.project("p").dataset(lv.DatasetType.TEST).dataset_type == "test"
    assert UploadItem(Path("a.png"), "bucket", "k").path == Path("a.png")
    assert lv.TargetPlatform(os="LINUX", arch="ARM64", accelerator="NVIDIA").accelerator == "NVIDIA"
    assert dict(lv.GreengrassConfiguration("c", lv.S3Location("bucket"), tags=[("a", "b")]).tags)
    assert isinstance(stubbed.list_projects(max_items=0), ItemPaged)


def test_deprecation_warnings_still_point_at_the_caller(stubbed: lv.LookoutVision) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stubbed.project("p").model("1").poller(kind="train_model")
    assert [w.filename for w in caught] == [__file__]


# ----------------------------------------------------------------------------- the property


#: Values of each kind the oracle knows, for the sweep; hypothesis draws more below.
SAMPLES: dict[str, list[Any]] = {
    "none": [None],
    "bool": [True, False],
    "int": [0, -1, 7],
    "float": [2.5, math.nan, -math.inf],
    "str": ["", "text", "s3://bucket/k"],
    "bytes": [b"", b"data"],
    "list[str]": [["a", "b"]],
    "list[int]": [[1, 2]],
    "list[tuple]": [[("a", "b")]],
    "list[empty]": [[]],
    "tuple[str]": [("a",)],
    "set[str]": [{"a"}],
    "dict[str,str]": [{"a": "b"}],
    "dict[str,int]": [{"a": 1}],
    "dict[int,str]": [{1: "a"}],
    "dict[empty]": [{}],
    "object": [object()],
    "callable": [lambda *_: None],
    "path": [Path("no-such-file")],
    "file": [io.BytesIO(b"")],
    "datetime": [datetime(2024, 1, 1, tzinfo=timezone.utc)],
}


def kind_of(value: Any) -> str:
    """The kind of ``value`` as the oracle names kinds (containers hold one kind of item)."""
    if value is None:
        return "none"
    if isinstance(value, (bool, int, float, str, bytes)):
        return type(value).__name__
    if isinstance(value, dict):
        if not value:
            return "dict[empty]"
        key, item = next(iter(value.items()))
        return f"dict[{kind_of(key)},{kind_of(item)}]"
    if isinstance(value, (list, tuple, set)):
        first = kind_of(next(iter(value))).split("[")[0] if value else "empty"
        return f"{type(value).__name__}[{first}]"
    if isinstance(value, Path):
        return "path"
    if isinstance(value, io.IOBase):
        return "file"
    if isinstance(value, datetime):
        return "datetime"
    return "callable" if callable(value) else "object"


def matches(kind: str, patterns: frozenset[str]) -> bool:
    """Whether ``kind`` is one of ``patterns`` (``*`` stands for any text)."""
    return any(
        re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), kind) for pattern in patterns
    )


def iterables(*items: str) -> set[str]:
    """Lists, tuples, sets and dicts (by their keys) of ``items``, and empty ones."""
    return {"*[empty]", *(f"{c}[{i}]" for c in ("list", "tuple", "set") for i in items)} | {
        f"dict[{i},*]" for i in items
    }


_MANIFEST_ITEMS = iterables("str", "dict")

#: What each member of a union in the public signatures accepts. Class names accept
#: none of the sample kinds; ``None`` in place of a set: anything goes.
MEMBERS: dict[str, set[str] | None] = {
    "Any": None,
    "T": {"none"},  # a record with a status, or None
    "R": {"none"},
    "S3Client": None,
    "str": {"str"},
    "int": {"int"},
    "float": {"int", "float"},
    "bool": {"bool"},
    "None": {"none"},
    "bytes": {"bytes"},
    "Path": {"path"},
    "os.PathLike[str]": {"path"},
    "IO[bytes]": {"file"},
    "IO[str]": {"file"},
    "datetime": {"datetime"},
    "Timeout": {"int", "float", "none"},
    "ImageSource": {"bytes", "str", "path", "file"},
    "ChangeLines": {"bytes", "str", *_MANIFEST_ITEMS},
    "Mapping[str, str]": {"dict[str,str]", "dict[empty]"},
    "Mapping[str, Any]": {"dict[str,*]", "dict[empty]"},
    "Mapping[Operation | str, float]": {"dict[str,int]", "dict[str,float]", "dict[empty]"},
    "Iterable[tuple[str, str]]": iterables("tuple"),
    "Iterable[str]": iterables("str"),
    "Iterable[ImageSource]": {"file", *iterables("str", "bytes", "path", "file")},
    "Iterable[ManifestEntry]": iterables(),
    "Iterable[str | Mapping[str, Any] | ManifestEntry]": _MANIFEST_ITEMS,
    "Iterable[str | ManifestEntry | Mapping[str, Any]]": _MANIFEST_ITEMS,
    "Sequence[str]": {"list[str]", "tuple[str]", "list[empty]", "tuple[empty]"},
    "Sequence[ManifestEntry]": {"list[empty]", "tuple[empty]"},
    "Sequence[UploadItem]": {"list[empty]", "tuple[empty]"},
    "Sequence[MaskClass]": {"list[empty]", "tuple[empty]"},
    "Mapping[str, MaskClass]": {"dict[empty]"},
    "Literal[Operation.PACKAGE_MODEL]": set(),
    "PackagingName": set(),  # a Literal of strings, none of them a sample
}
CALLABLE_MEMBER = re.compile(r"(Callable|StatusCallback|FetchPage)\[.*\]")
CLASS_MEMBER = re.compile(r"(boto3\.)?[A-Z][A-Za-z0-9]*")


def split_union(annotation: str) -> list[str]:
    """The members of ``a | b[c | d] | e``, split at the top level only."""
    members, depth, current = [], 0, ""
    for char in annotation:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            members.append(current.strip())
            current = ""
        else:
            current += char
    return [*members, current.strip()]


def accepts(annotation: str) -> set[str] | None:
    """The kind patterns ``annotation`` accepts (``None``: anything)."""
    found: set[str] = set()
    for member in split_union(annotation):
        if member in MEMBERS:
            kinds = MEMBERS[member]
            if kinds is None:
                return None
            found |= kinds
        elif CALLABLE_MEMBER.fullmatch(member):
            found.add("callable")
        elif not CLASS_MEMBER.fullmatch(member):
            raise AssertionError(f"the oracle does not know {member!r} (in {annotation!r})")
    return found


# ----------------------------------------------------------------------------- the public calls


@attrs.frozen
class Target:
    """One parameter of one public callable, and how to call it with everything else right."""

    label: str
    call: Callable[..., Any]
    parameter: str
    accepted: frozenset[str]
    valid: dict[str, Any]


def valid_arguments(service: lv.LookoutVision) -> dict[str, Any]:
    """A right value for every required parameter of the public callables, by name."""
    project = service.project("p")
    location = lv.S3Location("bucket", "out/")
    return {
        "name": "p",
        "arn": ARN,
        "tags": {"k": "v"},
        "keys": ["k"],
        "token": project.model("1").poller(lv.Operation.TRAIN_MODEL).resume_token,
        "version": "1",
        "dataset_type": lv.DatasetType.TRAIN,
        "changes": ENTRY,
        "entries": [],
        "lines": [ENTRY],
        "line": ENTRY,
        "image": b"not checked",
        "images": [],
        "configuration": lv.GreengrassConfiguration("c", location),
        "output": "s3://bucket/out/",
        "folder": "parts",
        "destination": "s3://bucket/p/",
        "source": "s3://bucket/p/",
        "callback": lambda *_: None,
        "operation": lv.Operation.TRAIN_MODEL,
        "service": service,
        "project": project,
        "project_name": "p",
        "job_name": "j",
        "bucket": "bucket",
        "key": "k",
        "uri": "s3://bucket/k",
        "data": {"Bucket": "bucket", "Key": "k"},
        "component_name": "c",
        "s3_output_location": location,
        "identity": {"project": "p"},
        "fetch": lambda *_: None,
        "policy": lv.PollingPolicy(),
        "attempt": 1,
        "error": None,
        "call": lambda: None,
        "started": 0.0,
        "first_error": lv.LookoutError("x"),
        "client": service.client,
        "request": None,
        "path": "a.png",
        "source_ref": "s3://bucket/a.png",
        "label": "normal",
        "mask_ref": "s3://bucket/m.png",
        "color_map": [],
        "color": "#ff0000",
        "other": "#ff0000",
        "os": "LINUX",
        "arch": "ARM64",
        "payload": {},
        "code": "Thing",
        "message": "m",
        "status": 400,
        "package": b"",
        "model_folder": Path("model"),
        "model_version": "1",
        "greengrass": {},
        "layout": datasets.DatasetLayout("parts", (), (), ()),
        "test_fraction": 0.2,
        "dataset": project.dataset("train"),
        "s3": None,
        "files": [],
        "target": io.StringIO(),
        "handle": project.model("1"),
        "manifest": PackageManifest.__new__(PackageManifest),
        "model": SimpleModel.__new__(SimpleModel),
        "inner": InProcessTransport(lambda _: testing.Reply()),
    }


PUBLIC_CLASSES: list[type] = [
    lv.LookoutVision,
    lv.Project,
    lv.Dataset,
    lv.Model,
    lv.PackagingJob,
    lv.Poller,
    lv.ModelPoller,
    lv.DatasetPoller,
    lv.PackagingJobPoller,
    lv.ItemPaged,
    lv.PollingPolicy,
    lv.RetryPolicy,
    lv.S3Object,
    lv.S3Location,
    lv.TargetPlatform,
    lv.GreengrassConfiguration,
    ManifestEntry,
    MaskClass,
    Minimums,
    UploadItem,
    EdgeModel,
    InProcessTransport,
    testing.Reply,
    testing.FaultInjector,
]
PUBLIC_FUNCTIONS: list[Callable[..., Any]] = [
    datasets.import_folder,
    datasets.import_s3,
    datasets.upload_files,
    datasets.export_dataset,
    datasets.scan_folder,
    datasets.scan_s3,
    datasets.preflight,
    datasets.split_layout,
    datasets.plan_chunks,
    datasets.dataset_statistics,
    datasets.dump_manifest,
    datasets.read_manifest,
    datasets.write_manifest,
    edge.read_package,
    edge.write_package,
    testing.json_reply,
    testing.error_reply,
]
#: Right values that differ from the ones of the same name elsewhere.
VALID_FOR = {"lookout_sdk.edge.package.write_package": {"project": "p"}}
#: Parameters the oracle cannot give a wrong value for (they take anything).
NOT_CHECKED = {"self", "cls", "args", "kwargs", "fields"}


def _instance(cls: type, service: lv.LookoutVision) -> Any:
    """An object to call ``cls``'s methods on: real where a request could follow."""
    project = service.project("p")
    real = {
        lv.LookoutVision: service,
        lv.Project: project,
        lv.Dataset: project.dataset("train"),
        lv.Model: project.model("1"),
        lv.PackagingJob: project.packaging_job("j"),
        lv.Poller: project.model("1").poller(lv.Operation.TRAIN_MODEL),
        lv.ModelPoller: project.model("1").poller(lv.Operation.TRAIN_MODEL),
        lv.DatasetPoller: project.dataset("train").poller(lv.Operation.CREATE_DATASET),
        lv.PackagingJobPoller: project.packaging_job("j").poller(),
        lv.ItemPaged: service.list_projects(),
    }
    # Elsewhere the check runs before the body, so an empty instance is enough.
    return real.get(cls) or cls.__new__(cls)


def _callables(service: lv.LookoutVision) -> Iterator[tuple[str, Callable[..., Any]]]:
    for cls in PUBLIC_CLASSES:
        instance = _instance(cls, service)
        # from_api reads the service's answers, not a caller's arguments: not checked
        public = {n for n in dir(cls) if not n.startswith("_") and n != "from_api"}
        for name in sorted({"__init__", *public}):
            static = inspect.getattr_static(cls, name)
            if isinstance(static, property) or not callable(getattr(cls, name)):
                continue
            if name == "__init__":
                yield f"{cls.__name__}()", cls
            else:
                yield f"{cls.__name__}.{name}", getattr(instance, name)
    for function in PUBLIC_FUNCTIONS:
        yield f"{function.__module__}.{function.__name__}", function


def build_targets(service: lv.LookoutVision) -> list[Target]:
    valid = valid_arguments(service)
    targets = []
    for label, call in _callables(service):
        try:
            signature = inspect.signature(call)
        except ValueError:
            continue
        given = {**valid, **VALID_FOR.get(label, {})}
        required = {
            name: given[name]
            for name, parameter in signature.parameters.items()
            if parameter.default is inspect.Parameter.empty
            and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        }
        for name, parameter in signature.parameters.items():
            if name in NOT_CHECKED or name.startswith("_"):
                continue
            assert parameter.annotation is not inspect.Parameter.empty, f"{label}({name})"
            kinds = accepts(str(parameter.annotation))
            if kinds is None:
                continue
            targets.append(Target(label, call, name, frozenset(kinds), required))
    return targets


def _expect_refused(target: Target, value: Any) -> None:
    with pytest.raises(lv.InvalidInputError) as info:
        target.call(**{**target.valid, target.parameter: value})
    paths = [problem.path for problem in info.value.problems]
    assert paths, target.label
    assert paths[0].split("[")[0] == target.parameter, (target.label, paths)


@pytest.fixture(scope="module")
def targets(stubbed: lv.LookoutVision) -> list[Target]:
    found = build_targets(stubbed)
    labels = {target.label for target in found}
    # every public class and function takes part
    assert {label.split(".")[0].removesuffix("()") for label in labels} >= {
        cls.__name__ for cls in PUBLIC_CLASSES
    }
    assert len(found) > 200
    return found


def test_every_sample_of_a_wrong_kind_is_refused(targets: list[Target]) -> None:
    checked, failures = 0, []
    for target in targets:
        for kind, values in SAMPLES.items():
            if matches(kind, target.accepted):
                continue
            for value in values:
                checked += 1
                try:
                    _expect_refused(target, value)
                except BaseException as error:  # every failure is listed, not only the first
                    failures.append(f"{target.label}({target.parameter}={value!r}): {error!r}")
    assert failures == [], "\n".join(failures)
    assert checked > 2000


SCALARS = [st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary()]
#: Scalars, and lists and dicts holding one kind of scalar (so the oracle knows their kind).
VALUES = st.one_of(
    *SCALARS,
    *(st.lists(items, max_size=3) for items in SCALARS),
    *(
        st.dictionaries(keys, items, max_size=3)
        for keys in (st.text(), st.integers())
        for items in SCALARS
    ),
)


def wrong_values(accepted: frozenset[str]) -> st.SearchStrategy[Any]:
    """Values of kinds ``accepted`` does not include."""
    return VALUES.filter(lambda value: not matches(kind_of(value), accepted))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_wrong_types_anywhere_raise_only_invalid_input(targets: list[Target], data: Any) -> None:
    target = data.draw(st.sampled_from(targets), label="target")
    value = data.draw(wrong_values(target.accepted), label="value")
    _expect_refused(target, value)
