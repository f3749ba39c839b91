"""Records shared by several resources: S3 locations and tags.

:meth:`S3Location.from_uri` and :meth:`S3Object.from_uri` are the SDK's one reader of
``s3://`` URIs: every part of the SDK (dataset imports and exports, manifest checks,
the command line, the local backend's object stores) parses them here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from lookout_sdk._boundary import checked, unchecked
from lookout_sdk.errors import InvalidInputError

__all__ = ["S3Location", "S3Object", "Tags", "tags_from_api", "tags_to_api"]

_SCHEME = "s3://"
# The API's S3BucketName shape: 3 to 63 letters, digits, dots, hyphens and underscores.
_BUCKET = re.compile(r"[0-9A-Za-z.\-_]{3,63}")


def _split_uri(uri: object, parameter: str, example: str) -> tuple[str, str]:
    """``s3://bucket/rest`` as ``(bucket, rest)``; ``rest`` may be empty."""
    if not isinstance(uri, str) or not uri.startswith(_SCHEME):
        raise InvalidInputError.of(parameter, f"{uri!r} is not an {example} URI")
    bucket, _, rest = uri[len(_SCHEME) :].partition("/")
    if not _BUCKET.fullmatch(bucket):
        reason = (
            f"{uri!r} names the bucket {bucket!r}; a bucket name is 3 to 63 letters, "
            "digits, dots, hyphens or underscores"
        )
        raise InvalidInputError.of(parameter, reason)
    return bucket, rest


@checked
@attrs.frozen
class S3Location:
    """An S3 bucket and an optional key prefix (where the service writes output)."""

    bucket: str
    prefix: str | None = None

    @classmethod
    @unchecked
    def from_api(cls, data: Mapping[str, Any]) -> S3Location:
        """Build from the API's ``S3Location`` shape."""
        return cls(bucket=data["Bucket"], prefix=data.get("Prefix"))

    @classmethod
    def from_uri(cls, uri: str, *, parameter: str = "uri") -> S3Location:
        """Parse ``s3://bucket`` or ``s3://bucket/prefix``.

        Raises:
            InvalidInputError: ``uri`` is not such a URI; the problem names ``parameter``.
        """
        bucket, prefix = _split_uri(uri, parameter, "s3://bucket/prefix")
        return cls(bucket=bucket, prefix=prefix or None)

    def to_api(self) -> dict[str, Any]:
        """Return the API's ``S3Location`` shape."""
        out: dict[str, Any] = {"Bucket": self.bucket}
        if self.prefix is not None:
            out["Prefix"] = self.prefix
        return out

    @property
    def uri(self) -> str:
        """The location as an ``s3://bucket/prefix`` URI."""
        return f"{_SCHEME}{self.bucket}/{self.prefix or ''}"


@checked
@attrs.frozen
class S3Object:
    """One S3 object: bucket, key and, optionally, version."""

    bucket: str
    key: str
    version_id: str | None = None

    @classmethod
    @unchecked
    def from_api(cls, data: Mapping[str, Any]) -> S3Object:
        """Build from the API's ``InputS3Object`` or ``OutputS3Object`` shape."""
        return cls(bucket=data["Bucket"], key=data["Key"], version_id=data.get("VersionId"))

    @classmethod
    def from_uri(cls, uri: str, *, parameter: str = "uri") -> S3Object:
        """Parse ``s3://bucket/key`` (the key may not be empty).

        Raises:
            InvalidInputError: ``uri`` is not such a URI; the problem names ``parameter``.
        """
        bucket, key = _split_uri(uri, parameter, "s3://bucket/key")
        if not key:
            raise InvalidInputError.of(parameter, f"{uri!r} names no key (s3://bucket/key)")
        return cls(bucket=bucket, key=key)

    def to_api(self) -> dict[str, Any]:
        """Return the API's ``InputS3Object`` shape."""
        out: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
        if self.version_id is not None:
            out["VersionId"] = self.version_id
        return out

    @property
    def uri(self) -> str:
        """The object as an ``s3://bucket/key`` URI."""
        return f"{_SCHEME}{self.bucket}/{self.key}"


class Tags(Mapping[str, str]):
    """An immutable, hashable mapping of tag keys to values, as records hold them."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Tags({self._items!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Tags, (self._items,))


def tags_to_api(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Turn ``{"key": "value"}`` into the API's list of ``Key``/``Value`` pairs."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def tags_from_api(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """Turn the API's list of ``Key``/``Value`` pairs into a dict."""
    return {tag["Key"]: tag["Value"] for tag in tags or ()}
