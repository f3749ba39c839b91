"""Records describing model versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from lookout_sdk.records.common import S3Location, S3Object
from lookout_sdk.records.enums import ModelStatus

__all__ = ["ModelDescription", "ModelPerformance", "ModelSummary"]


@attrs.frozen
class ModelPerformance:
    """Evaluation metrics of a trained model (each from 0 to 1)."""

    f1_score: float | None = None
    recall: float | None = None
    precision: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> ModelPerformance | None:
        """Build from the API's ``ModelPerformance`` shape (``None`` when absent)."""
        if not data:
            return None
        return cls(
            f1_score=data.get("F1Score"),
            recall=data.get("Recall"),
            precision=data.get("Precision"),
        )


def _optional_object(data: Mapping[str, Any] | None) -> S3Object | None:
    return S3Object.from_api(data) if data else None


@attrs.frozen
class ModelSummary:
    """A model version as listed."""

    project_name: str
    version: str
    status: ModelStatus
    arn: str = ""
    status_message: str | None = None
    description: str | None = None
    created: datetime | None = None
    performance: ModelPerformance | None = None

    @classmethod
    def from_api(cls, project_name: str, data: Mapping[str, Any]) -> ModelSummary:
        """Build from the API's ``ModelMetadata`` shape."""
        return cls(**_summary_fields(project_name, data))


def _summary_fields(project_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "project_name": project_name,
        "version": data["ModelVersion"],
        "status": ModelStatus(data["Status"]),
        "arn": data.get("ModelArn", ""),
        "status_message": data.get("StatusMessage"),
        "description": data.get("Description"),
        "created": data.get("CreationTimestamp"),
        "performance": ModelPerformance.from_api(data.get("Performance")),
    }


@attrs.frozen
class ModelDescription(ModelSummary):
    """Everything the service reports about a model version: the summary and more."""

    output_location: S3Location | None = None
    evaluation_manifest: S3Object | None = None
    evaluation_result: S3Object | None = None
    evaluation_ended: datetime | None = None
    kms_key_id: str | None = None
    min_inference_units: int | None = None
    max_inference_units: int | None = None

    @classmethod
    def from_api(cls, project_name: str, data: Mapping[str, Any]) -> ModelDescription:
        """Build from the API's ``ModelDescription`` (or ``ModelMetadata``) shape."""
        output = data.get("OutputConfig")
        return cls(
            **_summary_fields(project_name, data),
            output_location=S3Location.from_api(output["S3Location"]) if output else None,
            evaluation_manifest=_optional_object(data.get("EvaluationManifest")),
            evaluation_result=_optional_object(data.get("EvaluationResult")),
            evaluation_ended=data.get("EvaluationEndTimestamp"),
            kms_key_id=data.get("KmsKeyId"),
            min_inference_units=data.get("MinInferenceUnits"),
            max_inference_units=data.get("MaxInferenceUnits"),
        )
