"""A seeded fuzzer of Lookout for Vision and S3 requests, and a judge of the answers.

Requests are built from valid shapes (every operation of the bundled API model, every
S3 call the backend serves) with parts swapped for hostile values: huge and odd
numbers, unicode digits, control characters, deep JSON, bad base64, bad XML, bad
tokens and ranges. Each answer must be in the API's own form: a success, or an error
with its code and request id. A 500 is a failure unless the server really broke.

``run_wsgi`` calls a WSGI application in this process; ``run_http`` sends raw bytes
to a server over a socket (loopback only).
"""

from __future__ import annotations

import base64
import io
import json
import random
import socket
from collections.abc import Callable, Iterable, Iterator
from http.client import HTTPResponse
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import attrs

from lookout_sdk.api.registry import bundled_service_model

__all__ = [
    "Answer",
    "FuzzRequest",
    "Tally",
    "judge",
    "lookout_requests",
    "run_http",
    "run_wsgi",
    "s3_requests",
]


@attrs.frozen
class FuzzRequest:
    """One request: method, target (path and query, as sent), headers and body."""

    api: str  # "lookout" or "s3"
    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@attrs.frozen
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


# ----------------------------------------------------------------------------- values

NUMBERS = [
    "0", "1", "-1", "5", "100", "101", "1e20", "inf", "-inf", "nan", "1.5", "²", "١٢",
    "9" * 30, "9" * 5000, "0x10", " 7", "", "99999999999999999999", "-0", "+3",
]  # fmt: skip
STRINGS = [
    "", "a", "p1", "x" * 300, "ü", "a b", "../x", "a/b", "%00", "\x00", "\r\nX: y", "é" * 100,
    "<b>", "'; DROP TABLE projects; --", "\ud800", "🙂", "a" * 5000, "arn:aws:x", "-",
]  # fmt: skip
TOKENS = [
    base64.b64encode(b"offset:99999999999999999999").decode(),
    base64.b64encode("offset:²".encode()).decode(),
    base64.b64encode(b"offset:-1").decode(),
    base64.b64encode(b"\xff\xfe").decode(),
    base64.b64encode(b'["k1","\\ud800"]').decode(),
    base64.b64encode(b'["k1",99999999999999999999]').decode(),
    base64.b64encode(b'["k1",NaN]').decode(),
    base64.b64encode(b'["k1",1e999]').decode(),
    "not base64!",
    "",
    "A" * 3000,
]


def _odd_json(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9)
    if choice == 0 and depth < 3:
        return [_odd_json(rng, depth + 1) for _ in range(rng.randrange(3))]
    if choice == 1 and depth < 3:
        return {rng.choice(STRINGS): _odd_json(rng, depth + 1) for _ in range(rng.randrange(3))}
    if choice == 2:
        return rng.choice([0, -1, 2**70, 1e308, 1.5, True, None])
    if choice == 3:
        return float(rng.choice(["inf", "-inf", "nan"]))
    return rng.choice(STRINGS)


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# ----------------------------------------------------------------------------- Lookout


def _template_path(uri: str, rng: random.Random, good: dict[str, str]) -> str:
    path = uri.split("?", 1)[0]
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end].rstrip("+")
        value = good.get(name, "p1") if rng.random() < 0.6 else rng.choice(STRINGS + NUMBERS)
        encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
        path = path[:start] + encoded + path[end + 1 :]
    return path


def _member_value(shape: Any, rng: random.Random, good: dict[str, str], name: str) -> Any:
    kind = shape.type_name
    if rng.random() < 0.5 and name in good:
        return good[name]
    if kind in ("integer", "long"):
        return rng.choice([1, 0, -5, 2**70, 10, "7", 1.5, None])
    if kind == "timestamp":
        return rng.choice([0, 1e20, float("inf"), -1e20, "2020-01-01", "yesterday", 1.7e9])
    if kind == "boolean":
        return rng.choice([True, False, "yes", 1])
    if kind == "blob":
        return rng.choice(["aGVsbG8=", "!!", "", base64.b64encode(b"\x89PNG" * 10).decode()])
    if kind == "list":
        return [_odd_json(rng) for _ in range(rng.randrange(4))]
    if kind == "structure":
        return {m: _odd_json(rng) for m in list(shape.members)[: rng.randrange(4)]}
    return rng.choice(STRINGS)


GOOD = {
    "ProjectName": "p1",
    "DatasetType": "train",
    "ModelVersion": "1",
    "JobName": "job1",
    "ResourceArn": "arn:aws:lookoutvision:us-east-1:123456789012:project/p1",
    "ClientToken": "token-1",
}


def lookout_requests(seed: int, count: int) -> Iterator[FuzzRequest]:
    """``count`` Lookout for Vision requests, the same ones for the same ``seed``."""
    rng = random.Random(seed)
    model = bundled_service_model()
    operations = [model.operation_model(name) for name in model.operation_names]
    for _ in range(count):
        operation = rng.choice(operations)
        http = operation.http
        method = http["method"] if rng.random() < 0.95 else rng.choice(["GET", "PUT", "PATCH"])
        path = _template_path(http["requestUri"], rng, GOOD)
        if rng.random() < 0.03:
            path = rng.choice(["/2020-11-20/", "/2020-11-20/nope", "/2020-11-20/projects/%ZZ"])
        query: list[tuple[str, str]] = []
        headers: list[tuple[str, str]] = [("Content-Type", "application/x-amz-json-1.1")]
        document: dict[str, Any] = {}
        members = operation.input_shape.members if operation.input_shape else {}
        for name, member in members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri" or rng.random() < 0.4:
                continue
            if location == "querystring":
                if name == "NextToken" and rng.random() < 0.7:
                    value = rng.choice(TOKENS)
                else:
                    value = rng.choice(NUMBERS + STRINGS)
                query.append((wire, value))
            elif location == "header":
                value = rng.choice(STRINGS + NUMBERS)
                headers.append((wire, value.encode("utf-8", "replace").decode("latin-1")))
            else:
                document[name] = _member_value(member, rng, GOOD, name)
        body = _lookout_body(rng, document, operation)
        target = path
        if query:
            target += "?" + "&".join(
                f"{quote(k, safe='')}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                for k, v in query
            )
        yield FuzzRequest("lookout", method, target, tuple(headers), body)


def _lookout_body(rng: random.Random, document: dict[str, Any], operation: Any) -> bytes:
    roll = rng.random()
    if operation.name == "DetectAnomalies":
        return rng.choice([b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"GIF89a", b"x" * 1000])
    if roll < 0.05:
        return _deep(rng.choice([1000, 100_000]))
    if roll < 0.1:
        return rng.choice([b"{", b"[]", b"null", b"\xff\xfe", b'{"a": NaN}', b"1e999999"])
    try:
        return json.dumps(document, allow_nan=True).encode()
    except (TypeError, ValueError):
        return b"{}"


# ----------------------------------------------------------------------------- S3

KEYS = ["k", "a b/ü.txt", "dir/", "x" * 1100, "../up", "a\\b", "%2F", "~t!*'()", "🙂"]
BUCKETS = ["bucket", "fuzz", "Bad_Bucket", "ab", "x" * 70, "192.168.0.1", "a..b"]
S3_ARGS = {
    "max-keys": NUMBERS,
    "partNumber": NUMBERS,
    "uploadId": ["0" * 32, "nope", "", "ab" * 16],
    "list-type": ["2", "1", "x"],
    "continuation-token": [*TOKENS, "MTpr"],
    "start-after": STRINGS,
    "marker": STRINGS,
    "prefix": STRINGS,
    "delimiter": ["/", "", "ab", "\x00"],
    "encoding-type": ["url", "x", ""],
    "response-content-type": ["text/plain", "a\r\nX-Evil: 1", "\x00", "é"],
    "response-content-disposition": ["inline", "a\nb"],
    "location": [""],
    "uploads": [""],
    "delete": [""],
    "versioning": [""],
    "X-Amz-Algorithm": ["AWS4-HMAC-SHA256"],
    "X-Amz-Expires": NUMBERS,
}
S3_HEADERS = {
    "Range": ["bytes=0-0", "bytes=-5", "bytes=5-", "bytes=" + "9" * 5000 + "-", "bytes=²-3",
              "bytes=9-1", "lines=1-2", "bytes=0-1,3-4"],
    "Content-MD5": ["1B2M2Y8AsgTpgAmY7PhCfg==", "nope", ""],
    "x-amz-content-sha256": ["UNSIGNED-PAYLOAD", "0" * 64, "zz",
                             "STREAMING-UNSIGNED-PAYLOAD-TRAILER"],
    "Content-Encoding": ["aws-chunked", "gzip"],
    "x-amz-decoded-content-length": NUMBERS,
    "x-amz-meta-a": ["b", "é", "x" * 3000],
    "x-amz-checksum-crc32": ["AAAAAA==", "!!"],
    "x-amz-copy-source": ["/bucket/k"],
    "Content-Type": ["text/plain", "", "a" * 500],
}  # fmt: skip
XML_BODIES = [
    b"",
    b"<Delete><Object><Key>k</Key></Object></Delete>",
    b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>",
    b"<CompleteMultipartUpload><Part><PartNumber>" + b"9" * 5000 + b"</PartNumber>"
    b"<ETag>x</ETag></Part></CompleteMultipartUpload>",
    b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part>'
    b"</CompleteMultipartUpload>",
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
    b"<unclosed",
    b"\xff\xfe<a/>",
    b"3\r\nabc\r\n0\r\n\r\n",
    b"zz\r\nabc\r\n",
]


def _query_value(value: str, *, raw: bool) -> str:
    if raw:
        return value.encode("utf-8", "replace").decode("latin-1").replace("&", "%26")
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def s3_requests(seed: int, count: int) -> Iterator[FuzzRequest]:
    """``count`` S3 requests, the same ones for the same ``seed``."""
    rng = random.Random(seed)
    for _ in range(count):
        method = rng.choice(["GET", "GET", "PUT", "PUT", "HEAD", "POST", "DELETE"])
        shape = rng.random()
        bucket = rng.choice(BUCKETS) if rng.random() < 0.3 else "bucket"
        key = rng.choice(KEYS)
        if shape < 0.1:
            path = "/"
        elif shape < 0.35:
            path = f"/{bucket}"
        else:
            path = f"/{bucket}/" + quote(key.encode("utf-8", "surrogatepass"), safe="/")
        args = rng.sample(sorted(S3_ARGS), rng.randrange(0, 3))
        raw = rng.random() < 0.05  # some clients send non-ASCII unencoded
        query = "&".join(
            f"{name}={_query_value(rng.choice(S3_ARGS[name]), raw=raw)}" for name in args
        )
        headers = [
            (h, rng.choice(S3_HEADERS[h])) for h in rng.sample(sorted(S3_HEADERS), rng.randrange(3))
        ]
        headers = [(h, v.encode("utf-8").decode("latin-1")) for h, v in headers]
        body = rng.choice(XML_BODIES) if method in ("PUT", "POST") else b""
        yield FuzzRequest("s3", method, path + (f"?{query}" if query else ""), tuple(headers), body)


def s3_setup() -> list[FuzzRequest]:
    """Requests that give the S3 fuzzing something to find: a bucket, an object."""
    objects = [quote(key, safe="/") for key in KEYS[:3] + KEYS[-2:]]
    return [
        FuzzRequest("s3", "PUT", "/bucket"),
        *(FuzzRequest("s3", "PUT", f"/bucket/{key}", body=b"0123456789") for key in objects),
    ]


# ----------------------------------------------------------------------------- running


def _environ(request: FuzzRequest) -> dict[str, Any]:
    path, _, query = request.target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": request.target,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(request.body)),
    }
    for name, value in request.headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


def run_wsgi(app: Callable[..., Iterable[bytes]], request: FuzzRequest) -> Answer:
    """Answer ``request`` with a WSGI application, in this process."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = {k.lower(): v for k, v in headers}

    try:
        chunks = app(_environ(request), start_response)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    except Exception as error:  # a WSGI server would answer a bare 500
        return Answer(500, {}, repr(error).encode())
    return Answer(captured["status"], captured["headers"], body)


def run_http(host: str, port: int, request: FuzzRequest, timeout: float = 30) -> Answer:
    """Send ``request`` as raw bytes to a server on ``host:port``; read its answer."""
    lines = [f"{request.method} {request.target} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    lines += [f"Content-Length: {len(request.body)}", "Connection: close"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head + request.body)
        response = HTTPResponse(sock, method=request.method)
        response.begin()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, body)


# ----------------------------------------------------------------------------- judging


@attrs.define
class Tally:
    """Counts of answers by verdict, with the first few bad ones kept."""

    total: int = 0
    server_errors: int = 0
    unshaped: int = 0
    examples: list[str] = attrs.field(factory=list)

    def add(self, request: FuzzRequest, answer: Answer) -> None:
        self.total += 1
        verdict = judge(request, answer)
        if verdict is None:
            return
        if answer.status >= 500:
            self.server_errors += 1
        else:
            self.unshaped += 1
        if len(self.examples) < 10:
            shown = f"{request.method} {request.target[:120]} -> {answer.status} {verdict}"
            self.examples.append(f"{shown}: {answer.body[:200]!r}")


def judge(request: FuzzRequest, answer: Answer) -> str | None:
    """Why ``answer`` is not in the API's form (or is a 500); ``None`` when it is fine."""
    if answer.status < 400:
        return None
    if answer.status >= 500 and answer.status != 501:
        return "server error"
    if request.api == "lookout":
        if not answer.headers.get("x-amzn-errortype") or not answer.headers.get("x-amzn-requestid"):
            return "no x-amzn-ErrorType or x-amzn-RequestId"
        try:
            document = json.loads(answer.body)
        except ValueError:
            return "body is not JSON"
        return None if isinstance(document, dict) and "message" in document else "no message"
    if not answer.headers.get("x-amz-request-id"):
        return "no x-amz-request-id"
    if request.method == "HEAD":
        return None  # HEAD answers carry no body
    if b"<Error>" not in answer.body or b"<Code>" not in answer.body:
        return "no XML Error with a Code"
    return None if b"<RequestId>" in answer.body else "no RequestId in the Error"
