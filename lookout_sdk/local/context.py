"""What every API handler and background job of the local backend works with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from lookout_sdk.engine import Engine
    from lookout_sdk.local.hosting import Hosting
    from lookout_sdk.local.objects import ObjectStore
    from lookout_sdk.local.store import Store

__all__ = ["Context", "Quotas"]


def _default_engine() -> Engine:
    from lookout_sdk.engine import default_engine

    return default_engine()


@attrs.frozen
class Quotas:
    """Limits the backend enforces with ServiceQuotaExceededException."""

    projects: int = 100
    models_per_project: int = 50
    tags_per_resource: int = 50
    inference_units: int = 10


@attrs.define
class Context:
    """The store, the object store, the job queue's doorbell, and identity settings."""

    store: Store
    objects: ObjectStore
    wake_worker: Callable[[], None]
    hosted: Hosting
    #: Makes the training method (see :func:`lookout_sdk.engine.default_engine`).
    make_engine: Callable[[], Engine] = attrs.field(factory=lambda: _default_engine)
    region: str = "us-east-1"
    account: str = "123456789012"
    quotas: Quotas = Quotas()
    #: The backend instance answering the API here: the origin of the jobs it queues.
    instance: str | None = None

    def project_arn(self, project: str) -> str:
        """The ARN of a project, in the service's form."""
        return f"arn:aws:lookoutvision:{self.region}:{self.account}:project/{project}"

    def model_arn(self, project: str, version: int | str) -> str:
        """The ARN of a model version, in the service's form."""
        return f"arn:aws:lookoutvision:{self.region}:{self.account}:model/{project}/{version}"
