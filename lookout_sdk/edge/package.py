"""The edge package: a trained model as one self-contained, checksummed zip file.

A model packaging job writes it to the job's S3 output location as
``<prefix><component name>-<component version>.zip`` (see
:attr:`~lookout_sdk.GreengrassConfiguration.package_location`). It holds:

``lookout-package.json``
    What the package is: the format number, the project and model version, the
    engine, the colour map, the decision threshold, the reference to pretrained
    weights the engine needs (if any), the Greengrass configuration of the job, when it
    was made, and the SHA-256 of every other file.
``model.json`` and ``model.npz``
    The trained detector, exactly as the backend saved it (plain JSON and numpy
    arrays: loading a package never runs code from it).

:func:`read_package` checks every file against its checksum before anything is
loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import LookoutError
from lookout_sdk.records.packaging import DEFAULT_COMPONENT_VERSION, GreengrassConfiguration

__all__ = [
    "DEFAULT_COMPONENT_VERSION",
    "MANIFEST_NAME",
    "PACKAGE_FORMAT",
    "PackageError",
    "PackageManifest",
    "package_key",
    "read_package",
    "write_package",
]

#: The name of the package's own description inside the zip.
MANIFEST_NAME = "lookout-package.json"
#: The version of the package layout this SDK writes and reads.
PACKAGE_FORMAT = 1
#: A package larger than this once unzipped is refused (a zip bomb guard).
MAX_UNPACKED_BYTES = 2 * 1024**3


class PackageError(LookoutError, ValueError):
    """The bytes are not an intact edge package this SDK can read."""


@attrs.frozen
class PackageManifest:
    """What an edge package says about itself.

    Attributes:
        project: The project the model belongs to.
        model_version: The model version that was packaged.
        engine: The detector that trained the model (``model.json``'s ``engine``).
        threshold: The decision threshold on the model's raw score.
        color_map: ``(name, colour)`` pairs, background first; empty for classification.
        weights: The pretrained weights the engine needs, as the engine names them
            (for example a package name and the SHA-256 of its weights file), or ``None``.
        greengrass: The job's Greengrass configuration, as the API has it.
        created: When the package was written (UTC).
        files: The SHA-256 of each file of the package but this description.
    """

    project: str
    model_version: str
    engine: str
    threshold: float
    color_map: tuple[tuple[str, str], ...]
    weights: Mapping[str, Any] | None
    greengrass: Mapping[str, Any]
    created: datetime
    files: Mapping[str, str]

    def to_json(self) -> str:
        """The description as the package stores it."""
        document = {
            "format": PACKAGE_FORMAT,
            "project": self.project,
            "model_version": self.model_version,
            "engine": self.engine,
            "threshold": self.threshold,
            "color_map": [list(pair) for pair in self.color_map],
            "weights": dict(self.weights) if self.weights is not None else None,
            "greengrass": dict(self.greengrass),
            "created": self.created.isoformat(),
            "files": dict(sorted(self.files.items())),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> PackageManifest:
        """Read a stored description.

        Raises:
            PackageError: it is not a description of a known format.
        """
        try:
            document = json.loads(text)
            if document.get("format") != PACKAGE_FORMAT:
                raise PackageError(
                    f"package format {document.get('format')!r} is not {PACKAGE_FORMAT}"
                )
            return cls(
                project=str(document["project"]),
                model_version=str(document["model_version"]),
                engine=str(document["engine"]),
                threshold=float(document["threshold"]),
                color_map=tuple((str(n), str(c)) for n, c in document["color_map"]),
                weights=document.get("weights"),
                greengrass=dict(document.get("greengrass") or {}),
                created=datetime.fromisoformat(document["created"]),
                files={str(k): str(v) for k, v in document["files"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            if isinstance(error, PackageError):
                raise
            raise PackageError(
                f"{MANIFEST_NAME} is not a valid package description: {error}"
            ) from error


def package_key(greengrass: Mapping[str, Any]) -> str:
    """Where a packaging job with this Greengrass configuration writes its package.

    ``greengrass`` is the API's ``GreengrassConfiguration`` shape; the key is relative to
    its ``S3OutputLocation`` bucket (see
    :attr:`~lookout_sdk.GreengrassConfiguration.package_location`).
    """
    return GreengrassConfiguration.from_api(greengrass).package_location.key


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@checked
def write_package(
    model_folder: Path,
    *,
    project: str,
    model_version: str,
    greengrass: Mapping[str, Any],
) -> bytes:
    """Zip a saved model folder (``model.json``, ``model.npz``) into an edge package."""
    files = {path.name: path.read_bytes() for path in sorted(Path(model_folder).iterdir())}
    if "model.json" not in files:
        raise PackageError(f"{model_folder} holds no saved model (model.json is missing)")
    settings = json.loads(files["model.json"])
    manifest = PackageManifest(
        project=project,
        model_version=str(model_version),
        engine=str(settings.get("engine")),
        threshold=float(settings.get("threshold", 0.0)),
        color_map=tuple((str(n), str(c)) for n, c in settings.get("color_map", ())),
        weights=settings.get("weights"),
        greengrass=greengrass,
        created=datetime.now(timezone.utc),
        files={name: _sha256(data) for name, data in files.items()},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, manifest.to_json())
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@checked
def read_package(data: bytes) -> tuple[PackageManifest, dict[str, bytes]]:
    """The description and the files of an edge package, every checksum verified.

    Raises:
        PackageError: not a zip, no description, a file missing, extra or altered, or
            the package unpacks to more than 2 GiB.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise PackageError(f"not an edge package: {error}") from error
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise PackageError("the package unpacks to more than 2 GiB")
        names = set(archive.namelist())
        if MANIFEST_NAME not in names:
            raise PackageError(f"not an edge package: {MANIFEST_NAME} is missing")
        manifest = PackageManifest.from_json(archive.read(MANIFEST_NAME).decode("utf-8"))
        listed = set(manifest.files)
        if names - {MANIFEST_NAME} != listed:
            missing, extra = listed - names, names - listed - {MANIFEST_NAME}
            raise PackageError(
                f"the package's files do not match its description "
                f"(missing: {sorted(missing)}, not listed: {sorted(extra)})"
            )
        files = {name: archive.read(name) for name in sorted(listed)}
    for name, content in files.items():
        if _sha256(content) != manifest.files[name]:
            raise PackageError(f"{name} does not match its checksum: the package is damaged")
    return manifest, files
