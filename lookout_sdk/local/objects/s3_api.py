"""The S3 REST API subset the local backend serves, path-style, over any object store.

:func:`handle_s3` answers one werkzeug request addressed as ``/bucket`` or
``/bucket/key``: enough of S3 for boto3's client (``Config(s3={"addressing_style":
"path"})``), its managed transfers (multipart uploads) and ``lookout_sdk.datasets.s3``.

Served: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
ListObjects (v1 and v2, with delimiters), DeleteObjects, PutObject, GetObject (with a
``Range``), HeadObject, DeleteObject, and CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, AbortMultipartUpload. Anything else is answered with S3's
``NotImplemented`` error, never guessed at.

Request signatures are checked in front of this module (by the HTTP server's
middleware, when it has credentials). Bodies are checked here, as they stream to the
store (:mod:`~lookout_sdk.local.objects.s3_body`): ``Content-MD5``,
``x-amz-content-sha256`` and the ``x-amz-checksum-*`` values must match the bytes
received, or the request is refused with ``BadDigest`` and nothing is stored. One
PutObject or UploadPart body may hold up to :data:`MAX_PUT_SIZE` bytes; it is never
held in memory whole.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from lookout_sdk.local.objects import (
    MAX_PARTS,
    ByteRange,
    InvalidArgument,
    ObjectInfo,
    ObjectStoreError,
    resolve_range,
)
from lookout_sdk.local.objects.s3_body import RequestBody

if TYPE_CHECKING:
    from datetime import datetime

    from lookout_sdk.local.objects import ObjectStore

__all__ = [
    "MAX_PUT_SIZE",
    "MAX_XML_SIZE",
    "NAMESPACE",
    "error_document",
    "handle_s3",
    "new_request_id",
]

_log = logging.getLogger("lookout_sdk.local")

#: The largest body accepted by one PutObject or UploadPart, in bytes.
MAX_PUT_SIZE = 512 * 1024 * 1024
#: The largest XML body accepted (CreateBucket, DeleteObjects, CompleteMultipartUpload).
MAX_XML_SIZE = 1024 * 1024
#: The namespace of S3's XML documents.
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"

_MAX_LISTED = 1000
_MAX_DELETED = 1000
_RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")
_NUMBER = re.compile(r"[0-9]{1,10}")
_HEADER_TEXT = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_TOKEN_MARK = "1:"
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}
_KNOWN_ARGS = frozenset(
    {
        "x-id",
        "list-type",
        "prefix",
        "delimiter",
        "max-keys",
        "continuation-token",
        "start-after",
        "fetch-owner",
        "encoding-type",
        "marker",
        "location",
        "delete",
        "uploads",
        "uploadId",
        "partNumber",
        *_OVERRIDES,
    }
)


def _is_auth_arg(name: str) -> bool:
    """Whether a query parameter belongs to a presigned URL's signature (``X-Amz-*``)."""
    return name.lower().startswith("x-amz-")


def _error(code: str, message: str, status: int = 400) -> ObjectStoreError:
    return ObjectStoreError(message, code=code, http_status=status)


# ----------------------------------------------------------------------------- entry


def handle_s3(request: Request, store: ObjectStore) -> Response:
    """Answer one path-style S3 request from ``store``, with S3's XML errors on failure."""
    request_id = new_request_id()
    bucket, _, key = request.path.lstrip("/").partition("/")
    try:
        response = _dispatch(request, store, bucket, key)
    except ObjectStoreError as error:
        response = _error_response(error, request_id, bucket, key)
    except Exception:
        _log.exception("S3 request %s %s failed", request.method, request.path)
        failure = _error("InternalError", "We encountered an internal error.", 500)
        response = _error_response(failure, request_id, bucket, key)
    response.headers["x-amz-request-id"] = request_id
    response.headers["x-amz-id-2"] = base64.b64encode(request_id.encode()).decode()
    return response


def _error_response(error: ObjectStoreError, request_id: str, bucket: str, key: str) -> Response:
    body = error_document(error, request_id, bucket=bucket, key=key)
    return Response(body, status=error.http_status, content_type="application/xml")


def new_request_id() -> str:
    """A fresh request id in S3's form (16 uppercase hexadecimal digits)."""
    return uuid.uuid4().hex[:16].upper()


def error_document(
    error: ObjectStoreError, request_id: str, *, bucket: str = "", key: str = ""
) -> bytes:
    """S3's XML ``Error`` document for ``error``, naming the request."""
    root = ET.Element("Error")
    _sub(root, "Code", error.code)
    _sub(root, "Message", error.message)
    if error.key or key:
        _sub(root, "Key", error.key or key)
    if error.bucket or bucket:
        _sub(root, "BucketName", error.bucket or bucket)
    _sub(root, "RequestId", request_id)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _dispatch(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    try:
        method, args = request.method, request.args
    except UnicodeDecodeError:
        raise InvalidArgument("The query string is not valid UTF-8.") from None
    unknown = sorted(name for name in set(args) - _KNOWN_ARGS if not _is_auth_arg(name))
    if unknown:
        raise _error("NotImplemented", f"This server does not support ?{unknown[0]}.", 501)
    if not bucket:
        if method in ("GET", "HEAD"):
            return _list_buckets(store)
        raise _error("MethodNotAllowed", "The specified method is not allowed.", 405)
    if not key:
        return _bucket_request(request, store, bucket)
    if "x-amz-copy-source" in request.headers:
        raise _error("NotImplemented", "This server does not support copying objects.", 501)
    if method == "PUT":
        if "uploadId" in args or "partNumber" in args:
            return _upload_part(request, store, bucket, key)
        return _put_object(request, store, bucket, key)
    if method in ("GET", "HEAD") and "uploadId" in args:
        raise _error("NotImplemented", "This server does not support ListParts.", 501)
    if method == "GET":
        return _get_object(request, store, bucket, key)
    if method == "HEAD":
        return _object_response(store.head(bucket, key), Response(b""), None)
    if method == "DELETE":
        if "uploadId" in args:
            store.abort_multipart(bucket, key, args["uploadId"])
        else:
            store.delete(bucket, key)
        return Response(status=204)
    if method == "POST" and "uploads" in args:
        return _create_multipart(request, store, bucket, key)
    if method == "POST" and "uploadId" in args:
        return _complete_multipart(request, store, bucket, key)
    raise _error("MethodNotAllowed", "The specified method is not allowed.", 405)


def _bucket_request(request: Request, store: ObjectStore, bucket: str) -> Response:
    method, args = request.method, request.args
    if method == "PUT":
        _read_body(request, MAX_XML_SIZE)  # a CreateBucketConfiguration: nothing to keep
        store.create_bucket(bucket)
        return Response(b"", headers={"Location": f"/{bucket}"})
    if method == "HEAD":
        if not store.bucket_exists(bucket):
            raise _error("NoSuchBucket", "The specified bucket does not exist", 404)
        return Response(b"", headers={"x-amz-bucket-region": "us-east-1"})
    if method == "DELETE":
        store.delete_bucket(bucket)
        return Response(status=204)
    if method == "GET" and "location" in args:
        if not store.bucket_exists(bucket):
            raise _error("NoSuchBucket", "The specified bucket does not exist", 404)
        return _xml(ET.Element("LocationConstraint", xmlns=NAMESPACE))
    if method == "GET" and "uploads" in args:
        raise _error("NotImplemented", "This server does not support ListMultipartUploads.", 501)
    if method == "GET":
        return _list_objects(request, store, bucket)
    if method == "POST" and "delete" in args:
        return _delete_objects(request, store, bucket)
    raise _error("MethodNotAllowed", "The specified method is not allowed.", 405)


# ----------------------------------------------------------------------------- bodies


def _body(request: Request, limit: int) -> RequestBody:
    """The request's body as checked chunks (see :class:`RequestBody`)."""
    return RequestBody(dict(request.headers.items()), request.stream, request.content_length, limit)


def _read_body(request: Request, limit: int) -> bytes:
    """The request's whole body, checked (for small bodies: XML documents)."""
    return _body(request, limit).read_all()


def _parse_xml(request: Request) -> ET.Element:
    """The request's XML body (at most :data:`MAX_XML_SIZE`).

    ElementTree, not defusedxml (not available here): this server answers its own
    machine, the body size is capped, and expat refuses external entities.
    """
    body = _read_body(request, MAX_XML_SIZE)
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _error(
            "MalformedXML", "The XML you provided was not well-formed or did not validate."
        ) from None
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]  # drop the namespace
    return root


def _metadata(request: Request) -> dict[str, str]:
    return {
        name[len("x-amz-meta-") :].lower(): value
        for name, value in request.headers.items()
        if name.lower().startswith("x-amz-meta-")
    }


# ----------------------------------------------------------------------------- XML


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _xml(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, content_type="application/xml")


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ----------------------------------------------------------------------------- objects


def _object_response(info: ObjectInfo, response: Response, content_range: str | None) -> Response:
    headers = response.headers
    headers["Content-Type"] = info.content_type
    headers["ETag"] = f'"{info.etag}"'
    headers["Last-Modified"] = http_date(info.last_modified)
    headers["Accept-Ranges"] = "bytes"
    if content_range is None:
        headers["Content-Length"] = str(info.size)
    for name, value in info.metadata.items():
        headers[f"x-amz-meta-{name}"] = value
    return response


def _parse_range(header: str | None) -> ByteRange | None:
    """The byte range of a ``Range`` header; ``None`` (the whole object) if it has none."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None  # absent, several ranges, or not bytes: S3 sends the whole object
    first = int(match.group(1)) if match.group(1) else None
    last = int(match.group(2)) if match.group(2) else None
    if first is not None and last is not None and last < first:
        return None
    return first, last


def _get_object(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    byte_range = _parse_range(request.headers.get("Range"))
    chunks, info = store.stream(bucket, key, byte_range=byte_range)
    content_range = None
    status = 200
    length = info.size
    if byte_range is not None:
        start, stop = resolve_range(byte_range, info.size)
        content_range = f"bytes {start}-{stop - 1}/{info.size}"
        status, length = 206, stop - start
    response = _object_response(info, Response(chunks, status=status), content_range)
    response.headers["Content-Length"] = str(length)
    if content_range is not None:
        response.headers["Content-Range"] = content_range
    for name, header in _OVERRIDES.items():
        if name in request.args:
            value = request.args[name]
            if not _HEADER_TEXT.fullmatch(value):  # no CR, LF or other controls
                chunks.close()
                raise InvalidArgument(f"{name} must be header text without control characters")
            response.headers[header] = value
    return response


def _put_object(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    if not store.bucket_exists(bucket):  # refuse before reading a body for nothing
        raise _error("NoSuchBucket", "The specified bucket does not exist", 404)
    info = store.put(
        bucket,
        key,
        _body(request, MAX_PUT_SIZE),
        metadata=_metadata(request),
        content_type=request.headers.get("Content-Type") or None,
    )
    return Response(b"", headers={"ETag": f'"{info.etag}"'})


def _list_buckets(store: ObjectStore) -> Response:
    root = ET.Element("ListAllMyBucketsResult", xmlns=NAMESPACE)
    owner = _sub(root, "Owner")
    _sub(owner, "ID", "local")
    _sub(owner, "DisplayName", "local")
    buckets = _sub(root, "Buckets")
    for name, created in store.list_buckets():
        element = _sub(buckets, "Bucket")
        _sub(element, "Name", name)
        _sub(element, "CreationDate", _timestamp(created))
    return _xml(root)


def _int_arg(args: Mapping[str, str], name: str, default: int) -> int:
    text = args.get(name)
    if text is None:
        return default
    if not _NUMBER.fullmatch(text):  # ASCII digits only ("²" is a digit to str.isdigit)
        raise InvalidArgument(f"Provided {name} not an integer or within integer range")
    return int(text)


def _encode_token(last: str) -> str:
    return base64.urlsafe_b64encode((_TOKEN_MARK + last).encode("utf-8")).decode("ascii")


def _decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError):
        text = ""
    if not text.startswith(_TOKEN_MARK):
        raise InvalidArgument("The continuation token provided is incorrect")
    return text[len(_TOKEN_MARK) :]


def _list_objects(request: Request, store: ObjectStore, bucket: str) -> Response:
    """ListObjects (v1) or, with ``list-type=2``, ListObjectsV2."""
    args = request.args
    v2 = args.get("list-type") == "2"
    encoding = args.get("encoding-type")
    if encoding not in (None, "url"):
        raise InvalidArgument("Invalid Encoding Method specified in Request")

    def encoded(text: str) -> str:
        return quote(text, safe="/") if encoding == "url" else text

    prefix = args.get("prefix", "")
    delimiter = args.get("delimiter") or None
    max_keys = _int_arg(args, "max-keys", _MAX_LISTED)
    token = args.get("continuation-token") if v2 else None
    after = _decode_token(token) if token is not None else None
    if after is None:
        after = (args.get("start-after") if v2 else args.get("marker")) or None
    page = store.list_page(
        bucket,
        prefix,
        delimiter=delimiter,
        start_after=after,
        max_keys=min(max_keys, _MAX_LISTED),
    )
    truncated = page.truncated and page.last is not None
    root = ET.Element("ListBucketResult", xmlns=NAMESPACE)
    _sub(root, "Name", bucket)
    _sub(root, "Prefix", encoded(prefix) if v2 else prefix)
    if v2:
        if token is not None:
            _sub(root, "ContinuationToken", token)
        if args.get("start-after"):
            _sub(root, "StartAfter", encoded(args["start-after"]))
        _sub(root, "KeyCount", str(len(page.objects) + len(page.common_prefixes)))
    else:
        _sub(root, "Marker", encoded(args.get("marker", "")))
    _sub(root, "MaxKeys", str(max_keys))
    if delimiter:
        _sub(root, "Delimiter", encoded(delimiter))
    if encoding:
        _sub(root, "EncodingType", encoding)
    _sub(root, "IsTruncated", "true" if truncated else "false")
    if truncated and page.last is not None:
        if v2:
            _sub(root, "NextContinuationToken", _encode_token(page.last))
        else:
            _sub(root, "NextMarker", encoded(page.last))
    for info in page.objects:
        contents = _sub(root, "Contents")
        _sub(contents, "Key", encoded(info.key))
        _sub(contents, "LastModified", _timestamp(info.last_modified))
        _sub(contents, "ETag", f'"{info.etag}"')
        _sub(contents, "Size", str(info.size))
        _sub(contents, "StorageClass", "STANDARD")
    for common in page.common_prefixes:
        _sub(_sub(root, "CommonPrefixes"), "Prefix", encoded(common))
    return _xml(root)


def _delete_objects(request: Request, store: ObjectStore, bucket: str) -> Response:
    document = _parse_xml(request)
    keys = [element.findtext("Key") or "" for element in document.findall("Object")]
    if document.tag != "Delete" or not keys or len(keys) > _MAX_DELETED:
        raise _error(
            "MalformedXML", "The XML you provided was not well-formed or did not validate."
        )
    quiet = (document.findtext("Quiet") or "").strip().lower() == "true"
    if not store.bucket_exists(bucket):
        raise _error("NoSuchBucket", "The specified bucket does not exist", 404)
    root = ET.Element("DeleteResult", xmlns=NAMESPACE)
    for key in keys:
        try:
            store.delete(bucket, key)
        except ObjectStoreError as error:
            failed = _sub(root, "Error")
            _sub(failed, "Key", key)
            _sub(failed, "Code", error.code)
            _sub(failed, "Message", error.message)
            continue
        if not quiet:
            _sub(_sub(root, "Deleted"), "Key", key)
    return _xml(root)


# ----------------------------------------------------------------------------- multipart


def _create_multipart(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    upload_id = store.create_multipart(
        bucket,
        key,
        metadata=_metadata(request),
        content_type=request.headers.get("Content-Type") or None,
    )
    root = ET.Element("InitiateMultipartUploadResult", xmlns=NAMESPACE)
    _sub(root, "Bucket", bucket)
    _sub(root, "Key", key)
    _sub(root, "UploadId", upload_id)
    return _xml(root)


def _upload_part(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    args = request.args
    if "uploadId" not in args or "partNumber" not in args:
        raise InvalidArgument("UploadPart needs both partNumber and uploadId")
    number = _int_arg(args, "partNumber", 0)
    if not 1 <= number <= MAX_PARTS:
        raise InvalidArgument(f"Part number must be an integer between 1 and {MAX_PARTS}")
    etag = store.upload_part(bucket, key, args["uploadId"], number, _body(request, MAX_PUT_SIZE))
    return Response(b"", headers={"ETag": f'"{etag}"'})


def _complete_multipart(request: Request, store: ObjectStore, bucket: str, key: str) -> Response:
    document = _parse_xml(request)
    malformed = _error(
        "MalformedXML", "The XML you provided was not well-formed or did not validate."
    )
    if document.tag != "CompleteMultipartUpload":
        raise malformed
    parts: list[tuple[int, str]] = []
    for element in document.findall("Part"):
        number, etag = element.findtext("PartNumber") or "", element.findtext("ETag") or ""
        if not _NUMBER.fullmatch(number) or not etag.strip():
            raise malformed
        parts.append((int(number), etag.strip().strip('"')))
    if not parts:
        raise malformed
    info = store.complete_multipart(bucket, key, request.args["uploadId"], parts)
    root = ET.Element("CompleteMultipartUploadResult", xmlns=NAMESPACE)
    _sub(root, "Location", f"{request.host_url}{bucket}/{quote(key, safe='/')}")
    _sub(root, "Bucket", bucket)
    _sub(root, "Key", key)
    _sub(root, "ETag", f'"{info.etag}"')
    return _xml(root)
