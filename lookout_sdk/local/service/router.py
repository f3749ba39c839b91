"""Dispatching Lookout for Vision requests: check, replay tokens, run, answer.

For every request the router finds the operation, reads its parameters, checks them
with the SDK's own validator (the service's rules), and runs the handler in one store
transaction. Operations that take a ``ClientToken`` remember their answer for eight
hours: the same token with the same parameters gets the first answer back and changes
nothing; the same token with other parameters is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from lookout_sdk.api.validation import check_params
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.local.context import Context
from lookout_sdk.local.service import datasets, models, packaging, projects, tags
from lookout_sdk.local.service.errors import ApiError, conflict, disk_full, validation
from lookout_sdk.local.service.protocol import Protocol, encode_json
from lookout_sdk.local.store import now
from lookout_sdk.local.store.space import DiskFullError
from lookout_sdk.local.store.tokens import TOKEN_LIFETIME

__all__ = ["Answer", "Router", "error_answer", "new_request_id"]

_log = logging.getLogger("lookout_sdk.local")
Handler = Callable[[Context, sqlite3.Connection, dict[str, Any]], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {
    "CreateProject": projects.create_project,
    "DescribeProject": projects.describe_project,
    "ListProjects": projects.list_projects,
    "DeleteProject": projects.delete_project,
    "CreateDataset": datasets.create_dataset,
    "DescribeDataset": datasets.describe_dataset,
    "DeleteDataset": datasets.delete_dataset,
    "ListDatasetEntries": datasets.list_dataset_entries,
    "UpdateDatasetEntries": datasets.update_dataset_entries,
    "CreateModel": models.create_model,
    "DescribeModel": models.describe_model,
    "ListModels": models.list_models,
    "DeleteModel": models.delete_model,
    "StartModel": models.start_model,
    "StopModel": models.stop_model,
    "DetectAnomalies": models.detect_anomalies,
    "StartModelPackagingJob": packaging.start_model_packaging_job,
    "DescribeModelPackagingJob": packaging.describe_model_packaging_job,
    "ListModelPackagingJobs": packaging.list_model_packaging_jobs,
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
}
# Reads need no write lock; everything else runs in an immediate transaction.
_READS = frozenset(
    {
        "DescribeProject",
        "ListProjects",
        "DescribeDataset",
        "ListDatasetEntries",
        "DescribeModel",
        "ListModels",
        "DetectAnomalies",
        "DescribeModelPackagingJob",
        "ListModelPackagingJobs",
        "ListTagsForResource",
    }
)
# Writes that free space or stop work: they may spend the disk reserve on a full disk.
_ESSENTIAL = frozenset(
    {"DeleteProject", "DeleteDataset", "DeleteModel", "StopModel", "UntagResource"}
)


@attrs.frozen
class Answer:
    """An HTTP response of the API: status, headers and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def new_request_id() -> str:
    """A fresh request id in the service's form (a UUID)."""
    return str(uuid.uuid4())


def error_answer(error: ApiError, request_id: str) -> Answer:
    """The REST-JSON answer for ``error``: its status, ``x-amzn-ErrorType`` and request id."""
    headers = {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": error.code,
        "x-amzn-RequestId": request_id,
    }
    return Answer(error.status, headers, encode_json(error.body()))


def _fingerprint(operation: str, params: Mapping[str, Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return hashlib.sha256(value).hexdigest()
        return str(value)

    canonical = {k: v for k, v in params.items() if k != "ClientToken"}
    text = json.dumps([operation, canonical], sort_keys=True, default=default)
    return hashlib.sha256(text.encode()).hexdigest()


class Router:
    """Answers Lookout for Vision API requests from the store."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.protocol = Protocol()

    def handle(
        self, method: str, raw_path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        """Answer one request (``raw_path`` still percent-encoded)."""
        request_id = new_request_id()
        try:
            found = self.protocol.match(method, raw_path)
            if found is None:
                raise ApiError(
                    "UnknownOperationException", 404, f"no operation at {method} {raw_path}"
                )
            route, labels = found
            params = self.protocol.read(route, labels, query, headers, body)
            operation = route.operation.name
            try:
                check_params(route.operation, params)
            except InvalidInputError as error:
                raise validation("; ".join(str(p) for p in error.problems)) from error
            status, payload = self._run(operation, params, route.status)
        except DiskFullError as error:
            return error_answer(disk_full(str(error)), request_id)
        except ApiError as error:
            _log.debug("%s %s -> %s: %s", method, raw_path, error.code, error.message)
            return error_answer(error, request_id)
        except Exception:
            # a fault of the server, not of the request: logged, and answered as the
            # service answers one (the SDK may retry it)
            _log.exception("request %s (%s %s) failed", request_id, method, raw_path)
            message = f"the server failed to answer request {request_id}; see its log"
            return error_answer(ApiError("InternalServerException", 500, message), request_id)
        headers_out = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
        return Answer(status, headers_out, payload)

    def _run(self, operation: str, params: dict[str, Any], status: int) -> tuple[int, bytes]:
        handler = _HANDLERS[operation]
        store = self.context.store
        if operation in _READS:
            return status, encode_json(handler(self.context, store.read(), params))
        token = params.get("ClientToken")
        with store.transaction(essential=operation in _ESSENTIAL) as db:
            if token is not None:
                replay = self._replay(db, operation, token, params)
                if replay is not None:
                    return replay
            payload = encode_json(handler(self.context, db, params))
            if token is not None:
                db.execute(
                    "INSERT OR REPLACE INTO tokens (token, operation, fingerprint, status, "
                    "response, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        token,
                        operation,
                        _fingerprint(operation, params),
                        status,
                        payload.decode(),
                        now(),
                    ),
                )
        self.context.wake_worker()
        return status, payload

    def _replay(
        self, db: sqlite3.Connection, operation: str, token: str, params: Mapping[str, Any]
    ) -> tuple[int, bytes] | None:
        row = db.execute(
            "SELECT * FROM tokens WHERE token = ? AND operation = ?", (token, operation)
        ).fetchone()
        if row is None or now() - row["created"] > TOKEN_LIFETIME:
            return None
        if row["fingerprint"] != _fingerprint(operation, params):
            raise conflict(
                "PROJECT",
                str(params.get("ProjectName", "")),
                f"client token {token} was used for {operation} with different parameters",
            )
        return int(row["status"]), str(row["response"]).encode()
