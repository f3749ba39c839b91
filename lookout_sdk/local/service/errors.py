"""Errors the local backend answers with, in the service's REST-JSON form."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ApiError",
    "conflict",
    "disk_full",
    "not_found",
    "quota_exceeded",
    "shown",
    "validation",
]

# What a Python object's default repr looks like: it means nothing to a client.
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 6]}...{text[-1]} ({len(text)} characters)"


class ApiError(Exception):
    """An error response: its code, HTTP status, message and modelled fields."""

    def __init__(self, code: str, status: int, message: str, **fields: Any) -> None:
        message = _OBJECT_REPR.sub("the data", message)  # no memory addresses in answers
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.fields = {key: value for key, value in fields.items() if value is not None}

    def body(self) -> dict[str, Any]:
        """The JSON body of the response."""
        return {"message": self.message, **self.fields}


def not_found(resource_type: str, resource_id: str, what: str | None = None) -> ApiError:
    """ResourceNotFoundException for a project, dataset, model or packaging job."""
    message = f"{what or resource_type.lower()} {resource_id} does not exist"
    return ApiError(
        "ResourceNotFoundException",
        404,
        message,
        ResourceId=resource_id,
        ResourceType=resource_type,
    )


def conflict(resource_type: str, resource_id: str, message: str) -> ApiError:
    """ConflictException: the resource's state does not allow the operation."""
    return ApiError(
        "ConflictException", 409, message, ResourceId=resource_id, ResourceType=resource_type
    )


def validation(message: str) -> ApiError:
    """ValidationException: the request is not one the API accepts."""
    return ApiError("ValidationException", 400, message)


def quota_exceeded(message: str, quota_code: str, resource_type: str | None = None) -> ApiError:
    """ServiceQuotaExceededException with the quota's code."""
    return ApiError(
        "ServiceQuotaExceededException",
        402,
        message,
        QuotaCode=quota_code,
        ServiceCode="lookoutvision",
        ResourceType=resource_type,
    )


def disk_full(message: str) -> ApiError:
    """ServiceQuotaExceededException for a write refused because the disk is full.

    The closest error the API models: a limit on stored data was reached, the request
    itself is valid (not a ValidationException), and repeating it at once would fail
    again (an InternalServerException is retried by SDKs; this is not).
    """
    return quota_exceeded(message, "L-DISK-SPACE")
