"""Large dataset updates: chunks within the byte limit, each entry sent exactly once."""

from __future__ import annotations

import base64
import json
from collections import Counter
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import AWSPreparedRequest

from lookout_sdk import LookoutVision
from lookout_sdk.manifests.chunks import (
    MAX_CHANGES_BYTES,
    ChunkedUpdateError,
    plan_chunks,
)
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.manifests.validate import ManifestError
from lookout_sdk.testing import InProcessTransport, Reply, json_reply


def entries(count: int, padding: int = 400) -> list[ManifestEntry]:
    return [
        ManifestEntry(
            {
                **ManifestEntry.classification(
                    f"s3://bucket/images/{i:06d}.png", "anomaly" if i % 3 == 0 else "normal"
                ).data,
                "note": "x" * padding,
            }
        )
        for i in range(count)
    ]


class FakeDatasetService:
    """Answers UpdateDatasetEntries and DescribeDataset; counts every entry it receives."""

    def __init__(self, fail_update: int | None = None) -> None:
        self.received: Counter[str] = Counter()
        self.request_sizes: list[int] = []
        self.updates = 0
        self.fail_update = fail_update
        self.status = "CREATE_COMPLETE"

    def __call__(self, request: AWSPreparedRequest) -> Reply:
        path = urlsplit(request.url).path
        if request.method == "PATCH":
            self.updates += 1
            body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
            changes = base64.b64decode(json.loads(body)["Changes"])
            self.request_sizes.append(len(changes))
            for line in changes.decode().splitlines():
                self.received[json.loads(line)["source-ref"]] += 1
            failed = self.updates == self.fail_update
            self.status = "UPDATE_FAILED_ROLLBACK_COMPLETE" if failed else "UPDATE_COMPLETE"
            return json_reply({"Status": "UPDATE_IN_PROGRESS"}, status=202)
        assert path.endswith("/datasets/train")
        description = {"ProjectName": "p", "DatasetType": "train", "Status": self.status}
        return json_reply({"DatasetDescription": description})


def test_twenty_thousand_entries_arrive_exactly_once_within_the_limit(
    service: LookoutVision,
) -> None:
    fake = FakeDatasetService()
    InProcessTransport(service.client, fake)
    sent = entries(20_000, padding=1500)

    result = service.project("p").dataset("train").apply_entries(sent)

    total_bytes = sum(len(e.to_json()) + 1 for e in sent)
    assert total_bytes > 3 * MAX_CHANGES_BYTES  # the update really needs several requests
    assert result.entries == 20_000
    assert result.requests == fake.updates == len(fake.request_sizes) >= 4
    assert max(fake.request_sizes) <= MAX_CHANGES_BYTES
    assert len(fake.received) == 20_000
    assert set(fake.received.values()) == {1}
    assert result.dataset is not None
    assert result.dataset.status == "UPDATE_COMPLETE"


def test_plan_chunks_keeps_order_and_fills_each_chunk() -> None:
    sent = entries(50, padding=100)
    line = len(sent[0].to_json()) + 1
    chunks = plan_chunks(sent, max_bytes=line * 7 + 3)
    assert [len(c) for c in chunks] == [7] * 7 + [1]
    assert [e for chunk in chunks for e in chunk] == sent


def test_an_entry_larger_than_a_request_is_refused() -> None:
    with pytest.raises(ValueError, match="larger than"):
        plan_chunks(entries(1, padding=500), max_bytes=100)


def test_a_failed_chunk_names_the_entries_that_did_not_get_in(service: LookoutVision) -> None:
    fake = FakeDatasetService(fail_update=2)
    InProcessTransport(service.client, fake)
    sent = entries(30, padding=100)
    line = len(sent[0].to_json()) + 1

    with pytest.raises(ChunkedUpdateError) as info:
        service.project("p").dataset("train").apply_entries(sent, max_bytes=line * 10)

    assert info.value.applied == 10
    assert list(info.value.not_applied) == sent[10:]
    assert fake.updates == 2  # the third chunk was not sent after the second failed
    assert "chunk 2 of 3 failed" in str(info.value)


def test_bad_entries_stop_the_update_before_anything_is_sent(service: LookoutVision) -> None:
    fake = FakeDatasetService()
    transport = InProcessTransport(service.client, fake)
    sent = [*entries(3), ManifestEntry({"source-ref": "not-s3"})]

    with pytest.raises(ManifestError, match="line 4"):
        service.project("p").dataset("train").apply_entries(sent)

    assert transport.requests == []


def test_update_entries_reports_bad_lines_by_number(service: LookoutVision) -> None:
    transport = InProcessTransport(service.client, FakeDatasetService())
    with pytest.raises(ManifestError) as info:
        service.project("p").dataset("train").update_entries(
            '{"source-ref":"s3://bucket/a.png"}\n{"oops": \n'
        )
    assert [p.path for p in info.value.problems] == ["Changes line 2"]
    assert transport.requests == []
