"""Lookout for Vision manifest lines: the typed :class:`ManifestEntry`, read and written.

A dataset is a list of JSON Lines entries. Each names its image (``source-ref``) and its
label through a *label attribute*: a key of the caller's choosing (``anomaly-label`` by
convention) with a sibling ``<key>-metadata`` object whose ``class-name`` is ``normal``
or ``anomaly``. A segmentation entry adds a *mask attribute*: a key (``anomaly-mask-ref``
by convention) holding the mask image's S3 URI, with ``<key>-metadata`` holding an
``internal-color-map`` from class index to ``class-name`` and ``hex-color``, where index
"0" is the background.

:class:`ManifestEntry` is a read-only view over the entry's JSON object. It keeps every
key it was given, known or not, so reading and writing a manifest loses nothing; and
it parses a line only when a field is first asked for, so listing many entries stays
cheap.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.records.enums import AnomalyClass

__all__ = [
    "CLASSIFICATION_TYPE",
    "DEFAULT_LABEL_KEY",
    "DEFAULT_MASK_KEY",
    "SEGMENTATION_TYPE",
    "ManifestEntry",
    "MaskClass",
    "dump_manifest",
    "read_manifest",
    "write_manifest",
]

DEFAULT_LABEL_KEY = "anomaly-label"
DEFAULT_MASK_KEY = "anomaly-mask-ref"
METADATA_SUFFIX = "-metadata"
CLASSIFICATION_TYPE = "groundtruth/image-classification"
SEGMENTATION_TYPE = "groundtruth/semantic-segmentation"
BACKGROUND_INDEX = "0"


@checked
@attrs.frozen
class MaskClass:
    """One class of a segmentation colour map: its name and its ``#rrggbb`` colour."""

    name: str
    color: str

    def same_color(self, other: str) -> bool:
        """Whether ``other`` is this class's colour, ignoring case."""
        return self.color.lower() == other.lower()


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _annotation(
    class_name: str,
    annotation_type: str,
    *,
    human_annotated: bool,
    confidence: float | None,
    job_name: str | None,
    creation_date: str | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"class-name": class_name} if class_name else {}
    meta["type"] = annotation_type
    meta["human-annotated"] = _yes_no(human_annotated)
    optional = {"confidence": confidence, "job-name": job_name, "creation-date": creation_date}
    meta.update({key: value for key, value in optional.items() if value is not None})
    return meta


@checked
class ManifestEntry:
    """One line of a manifest, as a read-only, typed view over its JSON object.

    Build one with :meth:`classification` or :meth:`segmentation`, from a mapping, or
    from a line with :meth:`parse`. Equal entries have equal JSON objects.
    """

    __slots__ = ("_data", "_line")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data: dict[str, Any] | None = copy.deepcopy(dict(data))
        self._line: str | None = None

    @classmethod
    def parse(cls, line: str) -> ManifestEntry:
        """Wrap one JSON Lines line; it is decoded when a field is first read.

        Raises:
            InvalidInputError: when a field is read and the line is not a JSON object.
        """
        entry = cls.__new__(cls)
        entry._data = None
        entry._line = line.strip()
        return entry

    @classmethod
    def _parsed(cls, line: str, value: dict[str, Any]) -> ManifestEntry:
        """Wrap a line whose JSON object ``value`` the caller has already decoded."""
        entry = cls.parse(line)
        entry._data = value
        return entry

    @classmethod
    def classification(
        cls,
        source_ref: str,
        label: AnomalyClass | str,
        *,
        label_key: str = DEFAULT_LABEL_KEY,
        human_annotated: bool = True,
        confidence: float | None = None,
        job_name: str | None = None,
        creation_date: str | None = None,
    ) -> ManifestEntry:
        """An entry labelling the image at ``source_ref`` as normal or anomalous."""
        label = AnomalyClass(str(label).lower())
        meta = _annotation(
            label.value,
            CLASSIFICATION_TYPE,
            human_annotated=human_annotated,
            confidence=confidence,
            job_name=job_name,
            creation_date=creation_date,
        )
        return cls(
            {
                "source-ref": source_ref,
                label_key: 1 if label is AnomalyClass.ANOMALY else 0,
                label_key + METADATA_SUFFIX: meta,
            }
        )

    @classmethod
    def segmentation(
        cls,
        source_ref: str,
        label: AnomalyClass | str,
        *,
        mask_ref: str,
        color_map: Sequence[MaskClass] | Mapping[str, MaskClass],
        label_key: str = DEFAULT_LABEL_KEY,
        mask_key: str = DEFAULT_MASK_KEY,
        human_annotated: bool = True,
        job_name: str | None = None,
        creation_date: str | None = None,
    ) -> ManifestEntry:
        """An entry with a label and a mask whose colours follow ``color_map``.

        ``color_map`` lists the classes with the background first (index "0"), or
        maps the indexes (as text) to classes.
        """
        base = cls.classification(
            source_ref,
            label,
            label_key=label_key,
            human_annotated=human_annotated,
            job_name=job_name,
            creation_date=creation_date,
        )
        classes = (
            dict(color_map)
            if isinstance(color_map, Mapping)
            else {str(i): c for i, c in enumerate(color_map)}
        )
        internal = {
            index: {"class-name": c.name, "hex-color": c.color} for index, c in classes.items()
        }
        meta = _annotation(
            "",
            SEGMENTATION_TYPE,
            human_annotated=human_annotated,
            confidence=None,
            job_name=job_name,
            creation_date=creation_date,
        )
        data = base.data
        data[mask_key] = mask_ref
        data[mask_key + METADATA_SUFFIX] = {"internal-color-map": internal, **meta}
        return cls(data)

    # -- the JSON object ------------------------------------------------------------

    def _object(self) -> dict[str, Any]:
        if self._data is None:
            try:
                value = json.loads(self._line or "")
            except ValueError as error:
                raise InvalidInputError.of("manifest line", f"is not JSON ({error})") from error
            if not isinstance(value, dict):
                raise InvalidInputError.of("manifest line", "is not a JSON object")
            self._data = value
        return self._data

    @property
    def data(self) -> dict[str, Any]:
        """A copy of the entry's JSON object (changing it does not change the entry)."""
        return copy.deepcopy(self._object())

    def get(self, key: str, default: Any = None) -> Any:
        """The value of top-level key ``key`` (a copy of it), or ``default``."""
        return copy.deepcopy(self._object().get(key, default))

    def to_json(self) -> str:
        """The entry as one JSON line (no newline).

        A parsed entry gives back its line exactly; a built one is written compactly,
        keys in their order.
        """
        if self._line is not None:
            return self._line
        return json.dumps(self._object(), separators=(",", ":"), ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ManifestEntry) and self._object() == other._object()

    def __hash__(self) -> int:
        return hash(json.dumps(self._object(), sort_keys=True))

    def __repr__(self) -> str:
        label = self.label.value if self.label is not None else None
        mask = f", mask_ref={self.mask_ref!r}" if self.mask_ref else ""
        return f"ManifestEntry(source_ref={self.source_ref!r}, label={label!r}{mask})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ManifestEntry.parse, (self.to_json(),))

    # -- attributes -----------------------------------------------------------------

    def _metadata_of(self, key: str) -> Mapping[str, Any]:
        meta = self._object().get(key + METADATA_SUFFIX)
        return meta if isinstance(meta, Mapping) else {}

    def _keys_whose_metadata_has(self, field: str) -> list[str]:
        # An attribute is known by its "<key>-metadata" object; "<key>" itself (the
        # 0/1 label value) may be absent.
        return [
            key[: -len(METADATA_SUFFIX)]
            for key, value in self._object().items()
            if key.endswith(METADATA_SUFFIX) and isinstance(value, Mapping) and field in value
        ]

    @property
    def source_ref(self) -> str | None:
        """The S3 URI of the image."""
        value = self._object().get("source-ref")
        return value if isinstance(value, str) else None

    @property
    def label_keys(self) -> list[str]:
        """Every key that carries a label (a valid entry has exactly one)."""
        return [
            key
            for key in self._keys_whose_metadata_has("class-name")
            if "internal-color-map" not in self._metadata_of(key)
        ]

    @property
    def label_key(self) -> str | None:
        """The key of the label attribute, when there is exactly one."""
        keys = self.label_keys
        return keys[0] if len(keys) == 1 else None

    @property
    def label_metadata(self) -> Mapping[str, Any]:
        """The ``<label key>-metadata`` object (empty when there is no label)."""
        key = self.label_key
        return copy.deepcopy(dict(self._metadata_of(key))) if key else {}

    @property
    def class_name(self) -> str | None:
        """The label's ``class-name`` as written."""
        key = self.label_key
        value = self._metadata_of(key).get("class-name") if key else None
        return value if isinstance(value, str) else None

    @property
    def label(self) -> AnomalyClass | None:
        """``normal`` or ``anomaly``, from ``class-name`` (any case); else ``None``."""
        name = self.class_name
        if name is None or name.lower() not in ("normal", "anomaly"):
            return None
        return AnomalyClass(name.lower())

    @property
    def is_anomaly(self) -> bool:
        """Whether the entry is labelled ``anomaly``."""
        return self.label is AnomalyClass.ANOMALY

    @property
    def human_annotated(self) -> bool | None:
        """Whether a person labelled the image (``human-annotated``), if stated."""
        key = self.label_key
        value = self._metadata_of(key).get("human-annotated") if key else None
        return value.lower() == "yes" if isinstance(value, str) else None

    @property
    def mask_keys(self) -> list[str]:
        """Every key that carries a segmentation mask (a valid entry has at most one)."""
        return self._keys_whose_metadata_has("internal-color-map")

    @property
    def mask_key(self) -> str | None:
        """The key of the mask attribute, when there is exactly one."""
        keys = self.mask_keys
        return keys[0] if len(keys) == 1 else None

    @property
    def mask_ref(self) -> str | None:
        """The S3 URI of the mask image, for segmentation entries."""
        key = self.mask_key
        value = self._object().get(key) if key else None
        return value if isinstance(value, str) else None

    @property
    def color_map(self) -> dict[str, MaskClass]:
        """The mask's classes by index ("0" is the background); empty without a mask."""
        key = self.mask_key
        internal = self._metadata_of(key).get("internal-color-map") if key else None
        if not isinstance(internal, Mapping):
            return {}
        return {
            str(index): MaskClass(str(item.get("class-name", "")), str(item.get("hex-color", "")))
            for index, item in internal.items()
            if isinstance(item, Mapping)
        }

    @property
    def is_segmentation(self) -> bool:
        """Whether the entry has a mask attribute."""
        return bool(self.mask_keys)

    @property
    def anomaly_class_names(self) -> tuple[str, ...]:
        """The colour map's class names other than the background."""
        return tuple(c.name for i, c in self.color_map.items() if i != BACKGROUND_INDEX)


def _lines(source: str | Path | IO[str]) -> Iterator[str]:
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8") as handle:
            yield from handle
    else:
        yield from source


@checked
def read_manifest(source: str | Path | IO[str]) -> list[ManifestEntry]:
    """Read a JSON Lines manifest from a path or text file; blank lines are skipped.

    Lines are not checked here; see :func:`~lookout_sdk.manifests.validate_manifest`.
    """
    return [ManifestEntry.parse(line) for line in _lines(source) if line.strip()]


@checked
def dump_manifest(entries: Iterable[ManifestEntry]) -> str:
    """The entries as JSON Lines text, one per line, ending with a newline."""
    return "".join(entry.to_json() + "\n" for entry in entries)


@checked
def write_manifest(entries: Iterable[ManifestEntry], target: str | Path | IO[str]) -> None:
    """Write the entries as JSON Lines to a path or text file."""
    text = dump_manifest(entries)
    if isinstance(target, (str, Path)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)
