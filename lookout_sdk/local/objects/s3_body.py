"""S3 request bodies as streams: decoded, capped and checked while they pass.

:class:`RequestBody` yields a body in chunks of at most 1 MiB, decoding ``aws-chunked``
framing on the way, refusing it once it passes its cap, and computing every digest the
client sent with it (``Content-MD5``, ``x-amz-content-sha256``, the CRC32, SHA-1 and
SHA-256 ``x-amz-checksum-*`` values, in headers or in an ``aws-chunked`` trailer). The
digests are compared after the last chunk: a mismatch raises from the iterator, so a
store writing the chunks to a temporary file discards it and stores nothing. Memory
stays at one chunk whatever the body's size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterator, Mapping
from typing import IO, Any

from lookout_sdk.local.objects.base import CHUNK_SIZE
from lookout_sdk.local.objects.errors import BadDigest, EntityTooLarge, ObjectStoreError

__all__ = ["RequestBody"]

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_CHUNK_HEADER = 4096  # the longest aws-chunked size line (hex size and a signature)


class _Crc32:
    """zlib's running CRC32 behind hashlib's update/digest interface."""

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def _checksum(algorithm: str) -> Any:
    if algorithm == "crc32":
        return _Crc32()
    return hashlib.new(algorithm, usedforsecurity=False)


def _error(code: str, message: str) -> ObjectStoreError:
    return ObjectStoreError(message, code=code, http_status=400)


class RequestBody:
    """The body of one S3 request, as checked chunks (see the module).

    Args:
        headers: the request headers (any case-insensitive mapping).
        stream: the body as sent (``aws-chunked`` framing included, if any).
        content_length: the length the client declared, if it did.
        limit: the largest (decoded) body accepted.

    Raises:
        EntityTooLarge: a declared length is over ``limit`` (before anything is read).
        ObjectStoreError: ``InvalidDigest`` for a ``Content-MD5`` that is not one.
    """

    def __init__(
        self, headers: Mapping[str, str], stream: IO[bytes], content_length: int | None, limit: int
    ) -> None:
        self.stream = stream
        self.limit = limit
        self.size = 0
        self.trailers: dict[str, str] = {}
        self._headers = {name.lower(): value for name, value in headers.items()}
        self._content_sha256 = self._headers.get("x-amz-content-sha256", "").strip()
        self.chunked = "aws-chunked" in self._headers.get(
            "content-encoding", ""
        ) or self._content_sha256.startswith("STREAMING-")
        decoded = self._headers.get("x-amz-decoded-content-length", "").strip()
        self._decoded_length = int(decoded) if decoded.isascii() and decoded.isdigit() else None
        if len(decoded) > 18 or (self._decoded_length or 0) > limit:
            raise self._too_large()
        if not self.chunked and (content_length or 0) > limit:
            raise self._too_large()
        self._md5 = self._sent_md5()
        self._digests: dict[str, Any] = {"md5": hashlib.md5(usedforsecurity=False)}
        if _SHA256.fullmatch(self._content_sha256):
            self._digests["sha256"] = hashlib.sha256()
        for algorithm in ("crc32", "sha1", "sha256"):
            if self.chunked or f"x-amz-checksum-{algorithm}" in self._headers:
                self._digests[f"checksum-{algorithm}"] = _checksum(algorithm)

    def _too_large(self) -> EntityTooLarge:
        return EntityTooLarge("Your proposed upload exceeds the maximum allowed size")

    def _sent_md5(self) -> bytes | None:
        text = self._headers.get("content-md5")
        if text is None:
            return None
        try:
            sent = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            sent = b""
        if len(sent) != 16:
            raise _error("InvalidDigest", "The Content-MD5 you specified was invalid.")
        return sent

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._aws_chunks() if self.chunked else self._plain():
            self.size += len(chunk)
            if self.size > self.limit:
                raise self._too_large()
            for digest in self._digests.values():
                digest.update(chunk)
            yield chunk
        if self._decoded_length is not None and self.chunked and self._decoded_length != self.size:
            raise _error("IncompleteBody", "The body is shorter than its declared length.")
        self._verify()

    def read_all(self) -> bytes:
        """The whole body, checked (for small bodies: XML documents)."""
        return b"".join(self)

    @property
    def etag(self) -> str:
        """The MD5 of the body read so far, in hexadecimal."""
        return str(self._digests["md5"].hexdigest())

    def _plain(self) -> Iterator[bytes]:
        while chunk := self.stream.read(CHUNK_SIZE):
            yield chunk

    def _aws_chunks(self) -> Iterator[bytes]:
        broken = _error("IncompleteBody", "The aws-chunked body is malformed.")
        while True:
            line = self.stream.readline(_CHUNK_HEADER)
            text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9a-fA-F]{1,16}", text):
                raise broken
            remaining = int(text, 16)
            if remaining == 0:
                break
            while remaining > 0:
                data = self.stream.read(min(CHUNK_SIZE, remaining))
                if not data:
                    raise broken
                remaining -= len(data)
                yield data
            if self.stream.read(2) != b"\r\n":
                raise broken
        while line := self.stream.readline(_CHUNK_HEADER):
            name, colon, value = line.partition(b":")
            if colon:
                self.trailers[name.strip().lower().decode("latin-1")] = value.strip().decode(
                    "latin-1"
                )

    def _verify(self) -> None:
        if self._md5 is not None and self._md5 != self._digests["md5"].digest():
            raise BadDigest("The Content-MD5 you specified did not match what we received.")
        sha256 = self._digests.get("sha256")
        if sha256 is not None and sha256.hexdigest() != self._content_sha256.lower():
            raise _error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        for algorithm in ("crc32", "sha1", "sha256"):
            name = f"x-amz-checksum-{algorithm}"
            sent = self.trailers.get(name) or self._headers.get(name)
            computed = self._digests.get(f"checksum-{algorithm}")
            if (
                sent
                and computed is not None
                and base64.b64encode(computed.digest()).decode("ascii") != sent.strip()
            ):
                raise BadDigest(
                    f"The {algorithm.upper()} you specified did not match the calculated checksum."
                )
