"""AWS Signature Version 4, checked by the local backend's server.

When the server is given credentials (``lookout serve --credentials`` or the
``LOOKOUT_LOCAL_CREDENTIALS`` variable), every request must be signed with one of them,
as AWS would require. :func:`verify_request` rebuilds the canonical request from what
was received, the way the signer built it, and compares signatures.

What a client signs, as checked against botocore's ``SigV4Auth`` and ``S3SigV4Auth``:

* the canonical URI of a Lookout for Vision request is the path *as sent* (already
  percent-encoded), with dot segments and empty segments removed, then URI-encoded once
  more (``%`` becomes ``%25``): an ARN label sent as ``arn%3Aaws%3A...%2Fp`` is signed
  as ``arn%253Aaws%253A...%252Fp``. S3 signs the path exactly as sent, with no
  normalisation; a single encoding of the decoded path is also accepted, for clients
  that send a key's characters differently from how they encode them for signing;
* the query string is decoded, re-encoded (RFC 3986 unreserved characters kept) and
  sorted;
* the headers are those the client lists in ``SignedHeaders``, values trimmed and inner
  runs of spaces collapsed;
* the payload hash is ``x-amz-content-sha256`` when sent (checked against the body;
  ``UNSIGNED-PAYLOAD`` only for S3), otherwise the SHA-256 of the body.

Presigned S3 URLs (``X-Amz-Algorithm`` and friends in the query string) are accepted,
for any method, with an unsigned payload and within ``X-Amz-Expires``. Query-string
authentication is refused for Lookout for Vision requests. Of the aws-chunked
streaming payloads, S3's ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (what botocore sends
over HTTPS: an unsigned body whose checksum trailer the S3 layer checks) is accepted;
those with signed chunks (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD...``) are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import attrs

from lookout_sdk.api.registry import API_PATH_PREFIX

__all__ = [
    "CREDENTIALS_ENV_VAR",
    "AuthError",
    "Credentials",
    "load_credentials",
    "service_for_path",
    "verify_request",
]

_log = logging.getLogger("lookout_sdk.local")

#: The environment variable the server reads credentials from.
CREDENTIALS_ENV_VAR = "LOOKOUT_LOCAL_CREDENTIALS"

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_UNSIGNED = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")
_QUERY_AUTH_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_UNSIGNED_OK = frozenset({"x-amzn-trace-id"})


class AuthError(Exception):
    """A request failed authentication: ``code`` is the error code to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _deny(message: str) -> AuthError:
    return AuthError("AccessDeniedException", message)


@attrs.frozen
class Credentials:
    """One access key and its secret (the secret is kept out of ``repr``)."""

    access_key: str
    secret_key: str = attrs.field(repr=False)


# ----------------------------------------------------------------------------- credentials


def load_credentials(spec: str | None) -> dict[str, str]:
    """Read the server's credentials: secret keys by access key ID.

    ``spec`` is ``ACCESS:SECRET`` pairs separated by commas, or the path of a JSON file
    holding one object ``{"ACCESS": "SECRET", ...}``. ``None`` or an empty string means
    no credentials (the server then checks no signatures). The caller decides where
    ``spec`` comes from, such as the ``--credentials`` option or
    :data:`CREDENTIALS_ENV_VAR`.

    Raises:
        ValueError: the spec or the file is malformed (secrets are never echoed).
    """
    if spec is None or not spec.strip():
        return {}
    spec = spec.strip()
    path = Path(spec).expanduser()
    if path.is_file():
        return _from_file(path)
    if ":" not in spec:
        raise ValueError(f"credentials: no file {spec!r}, and not ACCESS:SECRET pairs")
    pairs: list[Credentials] = []
    for number, item in enumerate(spec.split(","), start=1):
        access, _, secret = item.strip().partition(":")
        access, secret = access.strip(), secret.strip()
        if not access or not secret:
            raise ValueError(f"credentials: pair {number} is not ACCESS:SECRET")
        pairs.append(Credentials(access, secret))
    return _to_dict(pairs, "credentials")


def _from_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"credentials file {path}: cannot read JSON ({exc})") from exc
    if not isinstance(data, dict) or not data:
        raise ValueError(f'credentials file {path}: expected a JSON object {{"ACCESS": "SECRET"}}')
    pairs: list[Credentials] = []
    for access, secret in data.items():
        if not isinstance(secret, str) or not access.strip() or not secret.strip():
            raise ValueError(f"credentials file {path}: access key {access!r} has no secret")
        pairs.append(Credentials(access.strip(), secret.strip()))
    return _to_dict(pairs, f"credentials file {path}")


def _to_dict(pairs: Iterable[Credentials], where: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        if result.get(pair.access_key, pair.secret_key) != pair.secret_key:
            raise ValueError(f"{where}: access key {pair.access_key!r} given two secrets")
        result[pair.access_key] = pair.secret_key
    return result


# ----------------------------------------------------------------------------- verification


def service_for_path(path: str) -> str:
    """The signing name of the API a raw request path belongs to: lookoutvision or s3."""
    return "lookoutvision" if path.startswith(API_PATH_PREFIX) else "s3"


@attrs.frozen
class _Auth:
    """What the client claims: from the Authorization header or a presigned query."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str
    expires: int | None  # set for query (presigned) authentication


def verify_request(  # noqa: PLR0917 - the parts of one HTTP request, in order
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=15),
    region: str | None = None,
    payload_sha256: str | None = None,
) -> str:
    """Check a request's SigV4 signature; return the access key that signed it.

    Args:
        method: the HTTP method.
        path: the request path exactly as sent (still percent-encoded).
        query_string: the query string exactly as sent, without ``?``.
        headers: the request headers (names in any case).
        body: the whole request body (unused when ``payload_sha256`` is given).
        credentials: secret keys by access key ID.
        now: the current time (UTC when naive); the clock by default.
        max_skew: how far the request's time may be from ``now``.
        region: the region the signature must be scoped to; ``None`` accepts any.
        payload_sha256: the body's SHA-256 in hexadecimal, when the caller has it
            already (the server hashes bodies while it reads them).

    Raises:
        AuthError: the request is unsigned, garbled, signed with an unknown key or the
            wrong secret, for another region or service, leaves a header that matters
            unsigned, or is too old or too new.
    """
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    lowered = {name.lower(): value for name, value in headers.items()}
    query = _parse_query(query_string)
    expected_service = service_for_path(path)

    auth = _read_auth(lowered, query, expected_service)
    if auth.service != expected_service:
        raise _deny(
            f"the credential scope is for service {auth.service!r}, "
            f"but this request is for {expected_service!r}"
        )
    if region is not None and auth.region != region:
        raise _deny(
            f"the credential scope is for region {auth.region!r}, "
            f"but this server answers for {region!r}"
        )
    secret = credentials.get(auth.access_key)
    if secret is None:
        raise _deny(f"the access key ID {auth.access_key!r} is not known to this server")
    _check_time(auth, now, max_skew)
    _check_signed_headers(auth, lowered)
    actual = payload_sha256 or hashlib.sha256(body).hexdigest()
    payload_hash = _payload_hash(lowered, actual, auth)

    key = _signing_key(secret, auth.date, auth.region, auth.service)
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    canonical_query = _canonical_query(query, presigned=auth.expires is not None)
    canonical_headers = _canonical_headers(auth.signed_headers, lowered)
    tried: list[str] = []
    for uri in _canonical_uris(path, auth.service):
        canonical = "\n".join(
            [
                method.upper(),
                uri,
                canonical_query,
                canonical_headers,
                ";".join(auth.signed_headers),
                payload_hash,
            ]
        )
        string_to_sign = "\n".join(
            [ALGORITHM, auth.timestamp, scope, hashlib.sha256(_utf8(canonical)).hexdigest()]
        )
        signature = hmac.new(key, _utf8(string_to_sign), hashlib.sha256).hexdigest()
        if hmac.compare_digest(signature, auth.signature):
            return auth.access_key
        tried.append(canonical)
    _log.debug("signature mismatch; canonical request(s):\n%s", "\n--\n".join(tried))
    raise _deny(
        "the request signature does not match the signature computed with the secret key "
        f"of {auth.access_key!r}; check the secret and how the request is signed"
    )


def _utf8(text: str) -> bytes:
    """``text`` in UTF-8; stray surrogates from odd input must not raise."""
    return text.encode("utf-8", "surrogatepass")


def _parse_query(query_string: str) -> list[tuple[bytes, bytes]]:
    pairs: list[tuple[bytes, bytes]] = []
    for item in _utf8(query_string).split(b"&"):
        if item:
            key, _, value = item.partition(b"=")
            pairs.append((unquote_to_bytes(key), unquote_to_bytes(value)))
    return pairs


def _read_auth(headers: Mapping[str, str], query: list[tuple[bytes, bytes]], service: str) -> _Auth:
    params = {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace") for key, value in query
    }
    presigned = any(name in params for name in _QUERY_AUTH_PARAMS)
    header = headers.get("authorization")
    if presigned and header is not None:
        raise _deny("a request may carry an Authorization header or a presigned query, not both")
    if presigned:
        if service != "s3":
            raise _deny("presigned (query-string) authentication is only supported for S3")
        return _read_query_auth(params)
    if header is None or not header.strip():
        raise _deny("the request is not signed: it has no Authorization header")
    return _read_header_auth(header, headers)


def _read_header_auth(header: str, headers: Mapping[str, str]) -> _Auth:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _deny(f"the Authorization header must use {ALGORITHM} (Signature Version 4)")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise _deny("the Authorization header is garbled")
        fields[name.strip()] = value.strip()
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise _deny(f"the Authorization header lacks {', '.join(missing)}")
    timestamp = headers.get("x-amz-date")
    if timestamp is None:
        date_header = headers.get("date")
        if date_header is None:
            raise _deny("the request has no X-Amz-Date or Date header")
        timestamp = _from_http_date(date_header)
    return _build_auth(
        fields["Credential"], fields["SignedHeaders"], fields["Signature"], timestamp.strip(), None
    )


def _read_query_auth(params: Mapping[str, str]) -> _Auth:
    names = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires")
    missing = [n for n in (*names, "X-Amz-SignedHeaders", "X-Amz-Signature") if not params.get(n)]
    if missing:
        raise _deny(f"the presigned URL lacks {', '.join(missing)}")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _deny(f"presigned URLs must use {ALGORITHM} (Signature Version 4)")
    try:
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise _deny("X-Amz-Expires is not a number of seconds") from None
    if not 1 <= expires <= MAX_PRESIGN_EXPIRES:
        raise _deny(f"X-Amz-Expires must be between 1 and {MAX_PRESIGN_EXPIRES} seconds")
    return _build_auth(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        expires,
    )


def _build_auth(
    credential: str, signed_headers: str, signature: str, timestamp: str, expires: int | None
) -> _Auth:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise _deny("the credential must be ACCESS/YYYYMMDD/REGION/SERVICE/aws4_request")
    access_key, date, region, service, _ = parts
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _deny("the request time must be in the form YYYYMMDDTHHMMSSZ")
    if date != timestamp[:8]:
        raise _deny("the credential scope's date is not the date of the request time")
    if service not in ("lookoutvision", "s3"):
        raise _deny(f"the credential scope names service {service!r}; expected lookoutvision or s3")
    names = tuple(signed_headers.split(";"))
    if not all(_HEADER_NAME.fullmatch(name) for name in names):
        raise _deny("SignedHeaders must be lowercase header names separated by ';'")
    if "host" not in names:
        raise _deny("the Host header must be signed")
    if not _SIGNATURE.fullmatch(signature):
        raise _deny("the signature must be 64 lowercase hexadecimal digits")
    return _Auth(
        access_key=access_key,
        date=date,
        region=region,
        service=service,
        signed_headers=tuple(sorted(set(names))),
        signature=signature,
        timestamp=timestamp,
        expires=expires,
    )


def _from_http_date(value: str) -> str:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise _deny("the Date header is not an HTTP date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(_TIMESTAMP_FORMAT)


def _check_time(auth: _Auth, now: datetime, max_skew: timedelta) -> None:
    try:
        moment = datetime.strptime(auth.timestamp, _TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise _deny(f"the request time {auth.timestamp!r} is not a valid time") from None
    if auth.expires is not None:
        if now < moment - max_skew:
            raise _deny("the presigned URL is not valid yet (its X-Amz-Date is in the future)")
        if now > moment + timedelta(seconds=auth.expires):
            raise _deny("the presigned URL has expired")
    elif abs(now - moment) > max_skew:
        raise _deny(
            f"the request time {auth.timestamp} is more than {max_skew} away from the "
            f"server's time {now.astimezone(timezone.utc).strftime(_TIMESTAMP_FORMAT)}"
        )


def _check_signed_headers(auth: _Auth, headers: Mapping[str, str]) -> None:
    """The headers that say what the request does or when it was made must be signed.

    That is ``host``; every ``x-amz-*`` and ``x-amzn-*`` header sent (the time, the
    payload hash, a client token; but ``x-amzn-trace-id``, which tracing proxies add);
    ``date`` when it gives the request time; and, for S3 requests signed in the
    ``Authorization`` header, ``x-amz-content-sha256``, which S3 requires.
    """
    signed = set(auth.signed_headers)
    missing = [name for name in auth.signed_headers if name not in headers]
    if missing:
        raise _deny(f"signed header(s) missing from the request: {', '.join(missing)}")
    unsigned = sorted(
        name
        for name in headers
        if name.startswith(("x-amz-", "x-amzn-"))
        and name not in _UNSIGNED_OK
        and name not in signed
    )
    if "x-amz-date" not in headers and auth.expires is None and "date" not in signed:
        unsigned.append("date")
    if unsigned:
        raise _deny(f"these headers must be signed: {', '.join(unsigned)}")
    if auth.service == "s3" and auth.expires is None and "x-amz-content-sha256" not in headers:
        raise _deny("S3 requests signed in the Authorization header need x-amz-content-sha256")


def _payload_hash(headers: Mapping[str, str], actual: str, auth: _Auth) -> str:
    """The payload hash the client signed; ``actual`` is the body's real SHA-256."""
    claimed = headers.get("x-amz-content-sha256")
    if claimed is None:
        if auth.expires is not None:
            return UNSIGNED_PAYLOAD
        return actual
    claimed = claimed.strip()
    if claimed in (UNSIGNED_PAYLOAD, STREAMING_UNSIGNED):
        if auth.service != "s3":
            raise _deny(f"{claimed} is only accepted for S3 requests")
        return claimed
    if claimed.startswith("STREAMING-"):
        raise _deny(f"streaming (aws-chunked) payloads are not supported: {claimed}")
    if not _SIGNATURE.fullmatch(claimed.lower()):
        raise _deny("x-amz-content-sha256 must be a SHA-256 in hexadecimal or UNSIGNED-PAYLOAD")
    if not hmac.compare_digest(claimed.lower(), actual):
        raise _deny("x-amz-content-sha256 does not match the request body")
    return claimed


def _canonical_uris(path: str, service: str) -> list[str]:
    path = path or "/"
    if service == "s3":
        single = quote(unquote_to_bytes(_utf8(path)), safe="/~")
        return [path] if single == path else [path, single]
    return [quote(_utf8(_remove_dot_segments(path)), safe="/~")]


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, also dropping empty segments (as AWS does)."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def _canonical_query(query: list[tuple[bytes, bytes]], *, presigned: bool) -> str:
    pairs = sorted(
        (quote(key, safe="-_.~"), quote(value, safe="-_.~"))
        for key, value in query
        if not (presigned and key == b"X-Amz-Signature")
    )
    return "&".join(f"{key}={value}" for key, value in pairs)


def _canonical_headers(names: Iterable[str], headers: Mapping[str, str]) -> str:
    return "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names)


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _utf8(f"AWS4{secret}")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, _utf8(part), hashlib.sha256).digest()
    return key
