"""The public API's types, as a type checker sees them (checked by tests/test_typing.py).

Nothing here runs: each ``assert_type`` states what mypy must infer.
"""

from __future__ import annotations

from typing_extensions import assert_type

import lookout_sdk as lv
from lookout_sdk.local import LocalBackend, LocalLookoutVision, connect


def training_and_hosting(project: lv.Project) -> None:
    training = project.create_model(output="s3://bucket/output/")
    assert_type(training, lv.ModelPoller[lv.ModelDescription])
    assert_type(training.model, lv.Model)
    assert_type(training.result(), lv.ModelDescription)
    assert_type(training.result(None), lv.ModelDescription)
    assert_type(training.result(lv.DEFAULT_TIMEOUT), lv.ModelDescription)
    assert_type(training.wait(30.0), bool)
    assert_type(training.record, lv.ModelDescription | None)
    assert_type(training.operation, lv.Operation)
    model = training.model
    assert_type(model.start(), lv.ModelPoller[lv.ModelDescription])
    assert_type(model.stop(), lv.ModelPoller[lv.ModelDescription])
    assert_type(model.delete(), lv.ModelPoller[lv.ModelDescription | None])
    assert_type(model.delete(missing_ok=True).result(), lv.ModelDescription | None)


def model_pollers(model: lv.Model, operation: lv.Operation) -> None:
    assert_type(model.poller("train_model"), lv.ModelPoller[lv.ModelDescription])
    assert_type(model.poller(lv.Operation.START_MODEL), lv.ModelPoller[lv.ModelDescription])
    assert_type(model.poller("stop_model"), lv.ModelPoller[lv.ModelDescription])
    assert_type(model.poller("delete_model"), lv.ModelPoller[lv.ModelDescription | None])
    assert_type(model.poller(lv.Operation.DELETE_MODEL), lv.ModelPoller[lv.ModelDescription | None])
    assert_type(
        model.poller(operation),
        lv.ModelPoller[lv.ModelDescription] | lv.ModelPoller[lv.ModelDescription | None],
    )


def datasets(project: lv.Project) -> None:
    creation = project.create_dataset("train", manifest="s3://bucket/train.manifest")
    assert_type(creation, lv.DatasetPoller[lv.DatasetDescription])
    assert_type(creation.dataset, lv.Dataset)
    assert_type(creation.result(), lv.DatasetDescription)
    dataset = creation.dataset
    assert_type(dataset.update_entries([]), lv.DatasetPoller[lv.DatasetDescription])
    assert_type(dataset.delete(), lv.DatasetPoller[lv.DatasetDescription | None])
    assert_type(dataset.poller("update_dataset"), lv.DatasetPoller[lv.DatasetDescription])
    assert_type(
        dataset.poller(lv.Operation.DELETE_DATASET),
        lv.DatasetPoller[lv.DatasetDescription | None],
    )


def packaging(model: lv.Model, configuration: lv.GreengrassConfiguration) -> None:
    job_poller = model.package(configuration)
    assert_type(job_poller, lv.PackagingJobPoller)
    assert_type(job_poller.job, lv.PackagingJob)
    assert_type(job_poller.result(), lv.PackagingJobDescription)
    assert_type(job_poller.job.poller(), lv.PackagingJobPoller)
    assert_type(job_poller.job.poller("package_model"), lv.PackagingJobPoller)


def the_service(service: lv.LookoutVision, token: str) -> None:
    assert_type(service.create_project("boards"), lv.Project)
    resumed = service.resume(token)
    assert_type(resumed, lv.ResumablePoller)
    assert_type(
        resumed,
        lv.ModelPoller[lv.ModelDescription]
        | lv.ModelPoller[lv.ModelDescription | None]
        | lv.DatasetPoller[lv.DatasetDescription]
        | lv.DatasetPoller[lv.DatasetDescription | None]
        | lv.PackagingJobPoller,
    )
    assert_type(service.project("boards").delete(timeout=None), None)


def the_local_backend() -> None:
    local = lv.LookoutVision.local("./data")
    assert_type(local, LocalLookoutVision)
    assert_type(local.backend, LocalBackend)
    assert_type(connect(), LocalLookoutVision)
    assert_type(local.finish_work(), bool)
