"""What S3 accepts as a bucket name, an object key and user metadata.

Every object store checks names alike; the folder store's path safety rests on
:func:`check_key`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lookout_sdk.local.objects.errors import InvalidArgument, InvalidObjectName, MetadataTooLarge

__all__ = [
    "BUCKET_NAME",
    "MAX_KEY_BYTES",
    "MAX_METADATA_BYTES",
    "check_bucket_name",
    "check_key",
    "check_metadata",
]

#: The longest key S3 accepts, in UTF-8 bytes.
MAX_KEY_BYTES = 1024
#: The most user metadata S3 accepts, keys and values together, in UTF-8 bytes.
MAX_METADATA_BYTES = 2048
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_DRIVE = re.compile(r"[A-Za-z]:")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def check_bucket_name(bucket: str) -> str:
    """Return ``bucket`` if S3 would accept it as a new bucket's name.

    Raises:
        InvalidObjectName: it is not 3-63 lowercase letters, digits, dots and hyphens
            starting and ending with a letter or digit, or it looks like an IP address
            or holds ``..``.
    """
    if (
        not isinstance(bucket, str)
        or not BUCKET_NAME.fullmatch(bucket)
        or ".." in bucket
        or ".-" in bucket
        or "-." in bucket
        or _IP_ADDRESS.fullmatch(bucket)
    ):
        raise InvalidObjectName(
            f"The specified bucket is not valid: {bucket!r}",
            bucket=str(bucket),
            code="InvalidBucketName",
        )
    return bucket


def check_key(key: str, bucket: str | None = None) -> str:
    """Return ``key`` if it is a usable object key.

    Keys may hold ``/`` (and be a prefix of other keys), but not a NUL, a backslash,
    a ``..`` segment, a leading ``/`` or drive letter, or over :data:`MAX_KEY_BYTES`.

    Raises:
        InvalidObjectName: the key is refused.
    """

    def refuse(why: str, code: str = "InvalidArgument") -> InvalidObjectName:
        return InvalidObjectName(f"Invalid key {key!r}: {why}", bucket=bucket, key=key, code=code)

    if not isinstance(key, str) or not key:
        raise refuse("a key cannot be empty")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise refuse("a key must be valid UTF-8") from None
    if size > MAX_KEY_BYTES:
        raise refuse(f"a key is at most {MAX_KEY_BYTES} bytes", "KeyTooLongError")
    if "\x00" in key or "\\" in key:
        raise refuse("a key cannot hold a NUL or a backslash")
    if key.startswith("/") or _DRIVE.match(key):
        raise refuse("a key cannot be an absolute path")
    if ".." in key.split("/"):
        raise refuse("a key cannot hold a '..' segment")
    return key


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata with lowercase keys, checked as S3 checks it."""
    cleaned: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(value):
            raise InvalidArgument(f"User metadata must be ASCII header text: {name!r}")
        cleaned[name.lower()] = value
    if sum(len(k) + len(v) for k, v in cleaned.items()) > MAX_METADATA_BYTES:
        raise MetadataTooLarge(f"User metadata is over {MAX_METADATA_BYTES} bytes")
    return cleaned
