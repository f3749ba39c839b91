"""The training job: check the datasets, train, evaluate, write the evaluation files.

The rules are the service's: with a test dataset, training needs 10 labelled normal
images in train and 10 normal plus 10 anomalous in test; a single dataset needs 20
normal and 10 anomalous, and is split into train and test here with a fixed seed
(the service split it too). The evaluation manifest and result are written under the
model's output location, at ``<prefix><project>/model/<version>/``.

A run saves the detector in a folder of its own attempt and moves it into place in its
last, fenced transaction, so a run that was taken over never mixes its files with the
run that finishes; the evaluation files go to fixed keys, so a repeated run replaces
them rather than adding more.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from lookout_sdk.api.images import check_image
from lookout_sdk.api.minimums import Minimums
from lookout_sdk.errors import InvalidImageError, LookoutError
from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs.running import Job
from lookout_sdk.local.store import now
from lookout_sdk.local.store.entries import labelled_entries
from lookout_sdk.local.store.state import model_status, set_model_status
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.records.enums import ModelStatus

if TYPE_CHECKING:
    from pathlib import Path

    from lookout_sdk.engine import EvaluationReport, TrainedModel

__all__ = ["TrainingError", "run_training", "split_for_training"]

_MINIMUMS = Minimums()
_SPLIT_SEED = 20201120
#: The share of each label that a single dataset gives to testing.
_TEST_SHARE = {False: 0.2, True: 0.5}


class TrainingError(LookoutError):
    """Training cannot go on; the message becomes the model's status message."""


@attrs.frozen
class _Image:
    source: str
    data: bytes
    anomaly: bool
    mask: bytes | None


def _count(entries: Sequence[ManifestEntry], anomaly: bool) -> int:
    return sum(1 for entry in entries if entry.is_anomaly == anomaly)


def split_for_training(
    train: Sequence[ManifestEntry], test: Sequence[ManifestEntry] | None
) -> tuple[list[ManifestEntry], list[ManifestEntry]]:
    """The entries to train and to evaluate on, checked against the minimum counts.

    ``test`` is ``None`` when the project has no test dataset; the train entries are
    then split, stratified by label, with a fixed seed.

    Raises:
        TrainingError: the datasets hold too few labelled images.
    """
    if test is not None:
        if _count(train, False) < _MINIMUMS.train_normal:
            raise TrainingError(
                f"the train dataset needs at least {_MINIMUMS.train_normal} labelled normal "
                f"images; it has {_count(train, False)}"
            )
        if _count(test, False) < _MINIMUMS.test_normal or _count(test, True) < (
            _MINIMUMS.test_anomaly
        ):
            raise TrainingError(
                f"the test dataset needs at least {_MINIMUMS.test_normal} normal and "
                f"{_MINIMUMS.test_anomaly} anomalous labelled images; it has "
                f"{_count(test, False)} and {_count(test, True)}"
            )
        return list(train), list(test)
    normal, anomalous = _count(train, False), _count(train, True)
    if normal < _MINIMUMS.single_normal or anomalous < _MINIMUMS.single_anomaly:
        raise TrainingError(
            f"a single dataset needs at least {_MINIMUMS.single_normal} normal and "
            f"{_MINIMUMS.single_anomaly} anomalous labelled images; it has {normal} and "
            f"{anomalous}"
        )
    rng = random.Random(_SPLIT_SEED)
    kept: list[ManifestEntry] = []
    held: list[ManifestEntry] = []
    for anomaly, share in _TEST_SHARE.items():
        group = [entry for entry in train if entry.is_anomaly == anomaly]
        rng.shuffle(group)
        cut = max(1, round(len(group) * share))
        held += group[:cut]
        kept += group[cut:]
    return kept, held


def _read(ctx: Context, uri: str) -> bytes:
    """An image's bytes, checked against the service's image rules.

    Raises:
        TrainingError: the object cannot be read or is not an acceptable image; the
            message names it (``s3://bucket/key``).
    """
    try:
        data = ctx.objects.read_uri(uri)
    except Exception as error:  # a missing or unreadable object fails the training
        raise TrainingError(f"cannot read {uri}: {error}") from error
    try:
        check_image(data)
    except InvalidImageError as error:
        reasons = "; ".join(problem.reason for problem in error.problems)
        raise TrainingError(f"{uri} is not an image training can use: {reasons}") from None
    return data


def _load(ctx: Context, entries: Sequence[ManifestEntry]) -> list[_Image]:
    images = []
    for entry in entries:
        source = entry.source_ref or ""
        mask = _read(ctx, entry.mask_ref) if entry.mask_ref else None
        images.append(_Image(source, _read(ctx, source), entry.is_anomaly, mask))
    return images


def _color_map(entries: Sequence[ManifestEntry]) -> list[tuple[str, str]]:
    """The colour map of the first segmentation entry, background (key "0") first."""
    for entry in entries:
        if entry.color_map:
            ordered = sorted(entry.color_map.items(), key=lambda item: int(item[0]))
            return [(color.name, color.color) for _, color in ordered]
    return []


def _train(ctx: Context, project: str) -> tuple[TrainedModel, EvaluationReport, list[_Image]]:
    from lookout_sdk.engine import evaluate

    db = ctx.store.read()
    has_test = db.execute(
        "SELECT 1 FROM datasets WHERE project = ? AND type = 'test'", (project,)
    ).fetchone()
    train_entries, test_entries = split_for_training(
        labelled_entries(db, project, "train"),
        labelled_entries(db, project, "test") if has_test else None,
    )
    train, test = _load(ctx, train_entries), _load(ctx, test_entries)
    colors = _color_map([*train_entries, *test_entries])
    anomalous = [image for image in train if image.anomaly]
    model = ctx.make_engine().fit(
        [image.data for image in train if not image.anomaly],
        [image.data for image in anomalous],
        anomalous_masks=[image.mask for image in anomalous] if colors else (),
        color_map=colors,
    )
    # evaluate() reports the normal test images first, then the anomalous ones
    ordered = [image for image in test if not image.anomaly] + [i for i in test if i.anomaly]
    report = evaluate(
        model,
        [image.data for image in ordered if not image.anomaly],
        [image.data for image in ordered if image.anomaly],
        test_masks=[image.mask for image in ordered if image.anomaly] if colors else None,
        color_map=colors,
    )
    return model, report, ordered


def run_training(ctx: Context, job: Job) -> None:
    """Train on the train images, evaluate on the test images, and record the results."""
    project, version = job.project, job.target
    if model_status(ctx.store.read(), project, version) != ModelStatus.TRAINING:
        return  # deleted, or settled by an earlier run
    try:
        model, report, tested = _train(ctx, project)
    except Exception as error:  # every failure becomes the model's status message
        message = str(error) if isinstance(error, TrainingError) else f"training failed: {error}"
        with job.settle(essential=True) as db:
            if model_status(db, project, version) == ModelStatus.TRAINING:
                set_model_status(db, project, version, ModelStatus.TRAINING_FAILED, message)
        return
    final = ctx.hosted.folder(project, version)
    staging = final.parent / f".{version}.{job.key}"
    try:
        staging.mkdir(parents=True, exist_ok=True)
        model.save(staging)
        _record(ctx, job, staging, report, tested)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record(
    ctx: Context, job: Job, staging: Path, report: EvaluationReport, tested: list[_Image]
) -> None:
    project, version = job.project, job.target
    row = (
        ctx.store.read()
        .execute(
            "SELECT output_bucket, output_prefix FROM models WHERE project = ? AND version = ?",
            (project, int(version)),
        )
        .fetchone()
    )
    if row is None:
        return  # deleted while training
    bucket = row["output_bucket"]
    prefix = f"{row['output_prefix'] or ''}{project}/model/{version}/"
    manifest_key = f"{prefix}evaluation-manifest.jsonl"
    result_key = f"{prefix}evaluation-result.json"
    lines = [
        json.dumps({"source-ref": image.source, **fields}, separators=(",", ":"))
        for image, fields in zip(tested, report.rows, strict=True)
    ]
    ctx.objects.put(bucket, manifest_key, ("\n".join(lines) + "\n").encode())
    ctx.objects.put(bucket, result_key, report.to_json().encode())
    performance = {"F1Score": report.f1, "Recall": report.recall, "Precision": report.precision}
    with job.settle() as db:
        if model_status(db, project, version) != ModelStatus.TRAINING:
            return
        final = ctx.hosted.folder(project, version)
        if final.exists():  # left by a run that never settled
            shutil.rmtree(final)
        os.replace(staging, final)
        set_model_status(
            db,
            project,
            version,
            ModelStatus.TRAINED,
            "Training completed.",
            performance=json.dumps(performance),
            evaluation_manifest=json.dumps({"Bucket": bucket, "Key": manifest_key}),
            evaluation_result=json.dumps({"Bucket": bucket, "Key": result_key}),
            evaluation_end=now(),
        )
