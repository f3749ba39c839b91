"""A full disk is a clear, recoverable state: on a real 20 MB filesystem, writes fail
saying the disk is full, reads and deletes work, the backend and ``lookout serve`` start
on it, nothing acknowledged is lost, and freeing space brings writes back."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lookout_sdk import ModelStatus, ServiceQuotaExceededError
from lookout_sdk.local import connect
from lookout_sdk.local.inprocess import LocalLookoutVision
from lookout_sdk.local.store.space import DISK_FULL_MESSAGE
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.synthetic import write_dataset_folder
from tests.server_process import connect as connect_http
from tests.server_process import start_server

BUCKET = "small"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 20 MB tmpfs, unmounted afterwards (skipped where mounting is refused)."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command here to make a small filesystem")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"mounting a 20 MB tmpfs was refused: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Take every free byte of the disk with a file; return it."""
    filler = folder / "filler"
    with filler.open("ab", buffering=0) as handle:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                pass
    return filler


def _entries(prefix: str, count: int, label: str = "normal") -> list[ManifestEntry]:
    return [
        ManifestEntry.classification(f"s3://{BUCKET}/{prefix}/{i}.png", label) for i in range(count)
    ]


def _snapshot(service: LocalLookoutVision) -> dict[str, object]:
    """What the service acknowledged: projects, datasets' counts, tags, models."""
    kept = service.project("kept")
    return {
        "projects": sorted(p.name for p in service.list_projects()),
        "train": kept.dataset("train").describe().image_stats.total,
        "tags": kept.tags(),
        "models": [(m.version, m.status) for m in kept.list_models()],
    }


def _fill_up_while_running(data: Path, images: Path) -> dict[str, object]:
    """Fill the disk under a running backend: refused writes, reads, deletes."""
    service = connect(data)
    try:
        assert service.backend.store.reserve.held
        s3 = service.s3_client()
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="spare", Body=b"s" * 65536)
        kept = service.create_project("kept")
        kept.import_folder(images, f"s3://{BUCKET}/kept/", progress=False, timeout=60)
        kept.tag({"owner": "qa"})
        model = kept.create_model(output=f"s3://{BUCKET}/out/").result(timeout=120)
        assert model.status is ModelStatus.TRAINED
        doomed = service.create_project("doomed")
        doomed.create_dataset("train").result(timeout=30)
        doomed.dataset("train").apply_entries(_entries("doomed", 500), timeout=60)
        before = _snapshot(service)

        _fill(data.parent)
        # A write that needs room is refused, saying why, as a quota error (not retried).
        with pytest.raises(ServiceQuotaExceededError) as refused:
            kept.dataset("train").update_entries(_entries("more", 3000)).result(timeout=60)
        assert DISK_FULL_MESSAGE in str(refused.value)
        assert refused.value.quota_code == "L-DISK-SPACE"
        # Reads work.
        assert _snapshot(service) == before
        # S3 follows the same rules: a write is refused saying why (507, not retried),
        # and a delete works, spending the reserve as the Lookout deletes do.
        with pytest.raises(ClientError) as full:
            s3.put_object(Bucket=BUCKET, Key="more", Body=b"m" * 65536)
        assert full.value.response["Error"]["Code"] == "InsufficientStorage"
        assert DISK_FULL_MESSAGE in full.value.response["Error"]["Message"]
        s3.delete_object(Bucket=BUCKET, Key="spare")
        assert not service.backend.store.reserve.held
        with pytest.raises(ClientError):
            s3.head_object(Bucket=BUCKET, Key="spare")
        # Deletes work: they spend the reserve.
        doomed.dataset("train").delete().result(timeout=60)
        doomed.delete(timeout=60)
        assert not service.backend.store.reserve.held
        kept.model(model.version).delete().result(timeout=60)
        assert sorted(p.name for p in service.list_projects()) == ["kept"]
        # Other writes stay refused while the reserve is spent and space is short.
        with pytest.raises(ServiceQuotaExceededError):
            service.create_project("refused")
        return _snapshot(service)
    finally:
        service.close()


def _start_on_the_full_disk(data: Path, logs: Path, acknowledged: dict[str, object]) -> None:
    """The backend, and ``lookout serve``, open on the full disk and serve reads."""
    again = connect(data)
    try:
        assert _snapshot(again) == acknowledged  # nothing acknowledged was lost
    finally:
        again.close()
    server = start_server(data, log_folder=logs)
    try:
        over_http = connect_http(server.url)
        assert [p.name for p in over_http.list_projects()] == ["kept"]
        with pytest.raises(ClientError) as answered:
            over_http.client.create_project(ProjectName="refused")
        error = answered.value.response
        assert error["Error"]["Code"] == "ServiceQuotaExceededException"
        assert DISK_FULL_MESSAGE in error["Error"]["Message"]
    finally:
        server.stop()


def test_a_full_disk_fails_writes_clearly_and_keeps_reads_and_deletes(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    images = write_dataset_folder(tmp_path / "images", normal=20, anomaly=10, size=(64, 64))
    acknowledged = _fill_up_while_running(data, images)
    filler = _fill(small_disk)  # whatever the deletes freed is taken again
    _start_on_the_full_disk(data, tmp_path, acknowledged)

    filler.unlink()  # space is freed: writes come back, and so does the reserve
    freed = connect(data)
    try:
        freed.create_project("fresh")
        assert sorted(p.name for p in freed.list_projects()) == ["fresh", "kept"]
        assert freed.backend.store.reserve.held
        assert freed.project("kept").dataset("train").describe().image_stats.total == 30
    finally:
        freed.close()
