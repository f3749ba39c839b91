"""Dataset entries in the store: checking manifest lines, writing and reading them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from lookout_sdk.local.store.database import now
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.manifests.validate import validate_manifest

__all__ = ["apply_entries", "check_lines", "labelled_entries"]

#: How many bad lines a status message names before it only counts the rest.
_MESSAGE_PROBLEMS = 5


def check_lines(text: str) -> tuple[list[ManifestEntry], str | None]:
    """Validate manifest lines; return the entries, or a status message naming bad lines."""
    report = validate_manifest(text.splitlines())
    if report.ok:
        return list(report.entries), None
    shown = "; ".join(str(p) for p in report.problems[:_MESSAGE_PROBLEMS])
    more = len(report.problems) - _MESSAGE_PROBLEMS
    return [], f"the manifest has {len(report.problems)} bad line(s): {shown}" + (
        f"; and {more} more" if more > 0 else ""
    )


def apply_entries(
    db: sqlite3.Connection, project: str, kind: str, entries: Sequence[ManifestEntry]
) -> None:
    """Insert or replace entries (by ``source-ref``), keeping first-seen creation times."""
    (seq,) = db.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE project = ? AND type = ?", (project, kind)
    ).fetchone()
    stamp = now()
    db.executemany(
        "INSERT INTO entries (project, type, source_ref, line, label, created, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, type, source_ref) "
        "DO UPDATE SET line = excluded.line, label = excluded.label",
        (
            (
                project,
                kind,
                entry.source_ref,
                entry.to_json(),
                entry.label.value if entry.label is not None else None,
                stamp,
                seq + offset,
            )
            for offset, entry in enumerate(entries, start=1)
        ),
    )


def labelled_entries(db: sqlite3.Connection, project: str, kind: str) -> list[ManifestEntry]:
    """The labelled entries of a dataset, in the order they were added."""
    rows = db.execute(
        "SELECT line FROM entries WHERE project = ? AND type = ? AND label IS NOT NULL "
        "ORDER BY seq",
        (project, kind),
    ).fetchall()
    return [ManifestEntry.parse(row["line"]) for row in rows]
