"""How much ``lookout serve``'s memory grows while it reads a huge manifest.

For each shape (one line of SIZE bytes, and lines of 10,000 characters adding up to
SIZE), the manifest is written straight into a fresh data folder's bucket (as a
multipart upload through the folder object store, so this process never holds it),
``lookout serve`` is started on the folder and warmed up with a small import, and a
CreateDataset from the manifest is sent. When the dataset has failed, the report gives
its status message (shortened) and the server's growth: its peak resident memory
(``VmHWM``) minus its resident memory just before the request. The files are deleted
afterwards.

Usage::

    python benchmarks/manifest_memory.py                 # 1 GiB manifests, print the report
    python benchmarks/manifest_memory.py --size-mb 64    # smaller
    python benchmarks/manifest_memory.py --check         # exit 1 if growth >= 100 MB
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3

BUCKET = "manifests"
LIMIT_MB = 100.0
PART = 64 * 1024 * 1024
LINE = 10_000


def _chunks(size: int, one_line: bool) -> Iterator[bytes]:
    """``size`` bytes of manifest: one endless line, or lines of ``LINE`` characters."""
    unit = b"x" * (LINE - 1) + b"\n" if not one_line else b"x" * LINE
    block = unit * (PART // len(unit))
    left = size
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def write_manifest(objects_root: Path, key: str, size: int, one_line: bool) -> None:
    """Write the manifest as a multipart upload, a part at a time."""
    from lookout_sdk.local.objects import FolderObjectStore

    store = FolderObjectStore(objects_root, durable=False)
    store.create_bucket(BUCKET)
    upload = store.create_multipart(BUCKET, key)
    parts = [
        (number, store.upload_part(BUCKET, key, upload, number, chunk))
        for number, chunk in enumerate(_chunks(size, one_line), start=1)
    ]
    store.complete_multipart(BUCKET, key, upload, parts)
    store.close()


def _memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def _serve(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "lookout_sdk.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--data", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("lookout serve did not start")


def _import(client: object, project: str, key: str, timeout: float = 1800) -> dict[str, str]:
    lookout = client
    lookout.create_project(ProjectName=project)  # type: ignore[attr-defined]
    lookout.create_dataset(  # type: ignore[attr-defined]
        ProjectName=project,
        DatasetType="train",
        DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Key": key}}},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lookout.describe_dataset(ProjectName=project, DatasetType="train")  # type: ignore[attr-defined]
        description: dict[str, str] = found["DatasetDescription"]
        if not description["Status"].endswith("IN_PROGRESS"):
            return description
        time.sleep(0.2)
    raise TimeoutError(f"the import of {key} did not end")


def measure(size: int, one_line: bool) -> tuple[float, str]:
    """The server's growth in MB while it fails to import the manifest, and the message."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        write_manifest(data / "objects", "huge.jsonl", size, one_line)
        write_manifest(data / "objects", "small.jsonl", 3 * LINE, one_line=False)
        server, url = _serve(data)
        try:
            from lookout_sdk import LookoutVision

            session = boto3.Session(
                aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
            )
            client = LookoutVision(session=session, endpoint_url=url).client
            _import(client, "warm", "small.jsonl")  # modules loaded, caches filled
            before = _memory(server.pid)["VmRSS"]
            description = _import(client, "huge", "huge.jsonl")
            peak = _memory(server.pid)["VmHWM"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    message = str(description.get("StatusMessage", ""))
    return (peak - before) / 1e6, f"{description['Status']}: {message[:160]}"


def main() -> int:
    """Print the growth for both shapes; with ``--check``, fail past the limit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="manifest size in MiB")
    parser.add_argument("--check", action="store_true", help=f"exit 1 at {LIMIT_MB} MB or more")
    options = parser.parse_args()
    size = options.size_mb * 1024 * 1024
    failed = False
    for one_line in (True, False):
        shape = "one line" if one_line else f"lines of {LINE} characters"
        started = time.monotonic()
        growth, outcome = measure(size, one_line)
        print(
            f"{options.size_mb} MiB manifest, {shape}: server grew {growth:.1f} MB "
            f"(limit {LIMIT_MB:.0f}) in {time.monotonic() - started:.0f} s; {outcome}"
        )
        failed |= growth >= LIMIT_MB or "characters; the limit is 8192" not in outcome
    return 1 if options.check and failed else 0


if __name__ == "__main__":
    os.environ.pop("AWS_ENDPOINT_URL", None)
    sys.exit(main())
