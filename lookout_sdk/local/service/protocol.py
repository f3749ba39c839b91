"""Reading REST-JSON requests and writing responses, driven by the API definition.

The bundled service model says, for every operation, its method and URI template and
where each input member travels (path, query string, header, JSON body or raw payload).
:class:`Protocol` reads a request back into the same parameter mapping a boto3 client
started from, so the backend checks it with the SDK's own validator and hands it to the
operation's handler.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote

import attrs
from botocore.model import OperationModel, Shape

from lookout_sdk.api.registry import bundled_service_model
from lookout_sdk.local.service.errors import shown, validation

__all__ = ["Protocol", "Route", "encode_json"]


@attrs.frozen
class Route:
    """One operation's HTTP method, path pattern and success status."""

    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    status: int


def _route(operation: OperationModel) -> Route:
    http = operation.http
    template = str(http["requestUri"]).split("?", 1)[0]
    regex = re.sub(
        r"\{(\w+)(\+?)\}",
        lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})",
        re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
    )
    return Route(
        operation, str(http["method"]), re.compile(regex), int(http.get("responseCode", 200))
    )


_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def _scalar(shape: Shape, text: str, where: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            if not _INTEGER.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if kind == "timestamp":
            return _timestamp(text)
    except ValueError as error:
        raise validation(f"{where} has the value {shown(text)}, which is not a {kind}") from error
    return text


def _timestamp(value: str | float) -> datetime:
    """A timestamp from Unix seconds or ISO 8601 text.

    Raises:
        ValueError: neither, or outside the years a datetime holds (``inf``, ``1e20``).
    """
    try:
        seconds = float(value)
    except ValueError:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError) as error:
        raise ValueError(f"{value} is out of range") from error


class Protocol:
    """Finds the operation of a request and reads its parameters."""

    def __init__(self) -> None:
        model = bundled_service_model()
        self.routes = [_route(model.operation_model(name)) for name in model.operation_names]

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and the still-encoded path, and its path labels."""
        for route in self.routes:
            found = route.pattern.fullmatch(raw_path)
            if route.method == method and found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def read(
        self,
        route: Route,
        labels: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        """The request's parameters, keyed and typed as in the API definition."""
        shape = route.operation.input_shape
        if shape is None:
            return {}
        members: Mapping[str, Shape] = shape.members
        arguments = parse_qs(query, keep_blank_values=True)
        header_values = {name.lower(): value for name, value in headers.items()}
        params: dict[str, Any] = {}
        payload_name = shape.serialization.get("payload")
        json_body: dict[str, Any] = {}
        if payload_name is None and body:
            try:
                loaded = json.loads(body)
            except ValueError as error:
                raise validation(f"the request body is not JSON ({error})") from error
            except RecursionError:
                raise validation("the request body is JSON nested too deeply") from None
            if not isinstance(loaded, dict):
                raise validation("the request body must be a JSON object")
            json_body = loaded
        for name, member in members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri" and wire in labels:
                params[name] = _scalar(member, labels[wire], name)
            elif location == "querystring" and wire in arguments:
                values = arguments[wire]
                if member.type_name == "list":
                    params[name] = [_scalar(member.member, v, name) for v in values]  # type: ignore[attr-defined]
                else:
                    params[name] = _scalar(member, values[0], name)
            elif location == "header":
                value = header_values.get(wire.lower())
                if value is not None:
                    params[name] = _scalar(member, value, name)
            elif name == payload_name:
                params[name] = body
            elif name in json_body:
                params[name] = _decode_body_member(member, json_body[name], name)
        return params


def _decode_body_member(shape: Shape, value: Any, where: str) -> Any:
    if shape.type_name == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as error:
            raise validation(f"{where} is not valid base64") from error
    if shape.type_name == "timestamp" and isinstance(value, (int, float, str)):
        try:
            return _timestamp(value)
        except ValueError as error:
            raise validation(f"{where} is {shown(value)}, not a timestamp") from error
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """A response body: JSON, with bytes as base64 and datetimes as Unix seconds."""
    return json.dumps(payload, default=_json_default, separators=(",", ":")).encode("utf-8")
