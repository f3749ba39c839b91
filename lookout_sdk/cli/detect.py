"""``lookout detect``: ask a hosted model about image files, for people and pipelines.

Exit codes: 0 when every image was answered (and, with ``--fail-on-anomaly``, none is
anomalous), 4 when ``--fail-on-anomaly`` and an image is anomalous with at least
``--min-confidence``, 2 when an image could not be read or was refused before sending,
1 when the service answered an image with an error.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from lookout_sdk.cli.exits import ExitCode
from lookout_sdk.cli.options import model_version_option, project_option
from lookout_sdk.cli.output import FORMATS, emit
from lookout_sdk.cli.settings import Settings, pass_settings
from lookout_sdk.runtime.batch import DEFAULT_WORKERS

__all__ = ["detect"]


def _files(patterns: tuple[str, ...]) -> Iterator[Path]:
    """Each pattern's files, in order: a path as it is, a glob expanded and sorted."""
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise click.BadParameter(f"{pattern!r} matches no file", param_hint="FILES")
            yield from (Path(match) for match in matches if Path(match).is_file())
        else:
            yield Path(pattern)


def _row(item: Any) -> dict[str, Any]:
    if item.error is not None:
        return {"file": str(item.source), "error": str(item.error)}
    result = item.result
    return {
        "file": str(item.source),
        "is_anomalous": result.is_anomalous,
        "confidence": result.confidence,
        "anomalies": [
            {"name": a.name, "area": a.total_percentage_area, "color": a.color}
            for a in result.anomaly_classes
        ],
    }


@click.command()
@project_option
@model_version_option
@click.argument("files", nargs=-1, required=True)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    help="How results are printed (overrides --output).",
)
@click.option("--fail-on-anomaly", is_flag=True, help="Exit with 4 if any image is anomalous.")
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="With --fail-on-anomaly, only anomalies this confident count.",
)
@click.option(
    "--workers",
    "--max-workers",
    "workers",
    type=click.IntRange(min=1),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="How many images are sent at once (--max-workers is the old name).",
)
@pass_settings
def detect(
    settings: Settings,
    project: str,
    model_version: str,
    files: tuple[str, ...],
    output_format: str | None,
    fail_on_anomaly: bool,
    min_confidence: float,
    workers: int,
) -> None:
    """Ask a hosted model whether each of FILES (paths or globs) shows an anomaly."""
    from lookout_sdk.errors import InvalidInputError

    model = settings.service().project(project).model(model_version)
    items = list(model.detect_many(_files(files), workers=workers))
    emit([_row(item) for item in items], output_format or settings.output)
    errors = [item.error for item in items if item.error is not None]
    if any(not isinstance(e, (InvalidInputError, OSError)) for e in errors):
        raise SystemExit(ExitCode.SERVICE_ERROR)
    if errors:
        raise SystemExit(ExitCode.USAGE_ERROR)
    anomalous = [
        item
        for item in items
        if item.result is not None
        and item.result.is_anomalous
        and item.result.confidence >= min_confidence
    ]
    if fail_on_anomaly and anomalous:
        click.echo(f"lookout: {len(anomalous)} of {len(items)} images are anomalous", err=True)
        raise SystemExit(ExitCode.ANOMALY_FOUND)
