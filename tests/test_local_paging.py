"""NextToken paging by key: pages do not shift when items go, and odd tokens are refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lookout_sdk.local import connect
from lookout_sdk.local.inprocess import LocalLookoutVision
from lookout_sdk.local.service.paging import encode_token


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLookoutVision]:
    with connect(tmp_path_factory.mktemp("paging") / "data") as local:
        yield local


def test_deleting_an_item_already_listed_does_not_skip_the_next_page(
    service: LocalLookoutVision,
) -> None:
    names = [f"p{i:02d}" for i in range(7)]
    for name in names:
        service.client.create_project(ProjectName=name)
    first = service.client.list_projects(MaxResults=3)
    shown = [p["ProjectName"] for p in first["Projects"]]
    service.client.delete_project(ProjectName=shown[0])  # an item before the token
    rest: list[str] = []
    token = first["NextToken"]
    while token:
        page = service.client.list_projects(MaxResults=3, NextToken=token)
        rest += [p["ProjectName"] for p in page["Projects"]]
        token = page.get("NextToken")
    assert shown + rest == names  # with OFFSET, p03 would have been skipped
    for name in names[1:]:
        service.client.delete_project(ProjectName=name)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        _b64("offset:99999999999999999999"),
        _b64("offset:²"),
        _b64(json.dumps(["k1", 10**30])),
        _b64(json.dumps(["k1", float("inf")]).replace("Infinity", "1e999")),
        _b64(json.dumps(["k1", 1, 2])),  # a token of another listing's width
        _b64(json.dumps(["k0", 5])),
        _b64(json.dumps({"k1": 5})),
        _b64("[" * 100_000),
        encode_token([True]),
        _b64('["k1","\\ud800"]'),  # a lone surrogate cannot be bound to SQLite
        _b64('["k1",' + "9" * 5000 + "]"),
        _b64('["k1",NaN]'),
        _b64('["k1",-Infinity]'),
    ],
)
def test_tokens_this_service_did_not_issue_are_refused(
    service: LocalLookoutVision, token: str
) -> None:
    if not any(p.name == "tokens" for p in service.list_projects()):
        service.client.create_project(ProjectName="tokens")
    with pytest.raises(ClientError) as refused:
        service.client.list_models(ProjectName="tokens", NextToken=token)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "NextToken" in refused.value.response["Error"]["Message"]


def test_entries_page_in_insertion_order_with_filters(service: LocalLookoutVision) -> None:
    from lookout_sdk.manifests.entry import ManifestEntry

    project = service.create_project("entries")
    project.create_dataset("train").result(timeout=30)
    entries = [
        ManifestEntry.classification(f"s3://bucket/{i:03d}.png", "anomaly" if i % 3 else "normal")
        for i in range(50)
    ]
    project.dataset("train").apply_entries(entries, timeout=60)
    listed = [
        e.source_ref
        for e in project.dataset("train").list_entries(anomaly_class="normal", page_size=4)
    ]
    assert listed == [e.source_ref for e in entries if not e.is_anomaly]


def test_a_token_never_reaches_sqlite_as_an_out_of_range_number(tmp_path: Path) -> None:
    """The largest integer SQLite holds is accepted; one past it is refused, not a 500."""
    with connect(tmp_path / "data") as local:
        local.client.create_project(ProjectName="edge")
        page = local.client.list_models(ProjectName="edge", NextToken=encode_token([2**63 - 1]))
        assert page["Models"] == []
        with pytest.raises(ClientError):
            local.client.list_models(ProjectName="edge", NextToken=encode_token([2**63]))
