"""Dataset entries in the store: manifests checked as they stream in, staged, then applied.

A manifest is never held whole. :func:`manifest_lines` cuts its bytes into lines and
keeps at most :data:`MAX_LINE_CHARS` characters of any line (the API's limit for one
entry): a longer line is only counted, however long it is. :class:`ManifestCheck` checks
each line with the SDK's own rules, stages the good entries in the store a thousand at
a time under the job's attempt (``staged_entries``), finds repeated images and
clashing class colours there rather than in memory, and keeps only the first few
problems for the message. :func:`apply_staged` then moves the staged entries into the
dataset in one transaction. Memory stays bounded whatever the manifest's size; the
store's disk holds the staged lines until the job settles.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager

import attrs

from lookout_sdk.errors import Problem
from lookout_sdk.local.store.database import now
from lookout_sdk.manifests.entry import BACKGROUND_INDEX, ManifestEntry
from lookout_sdk.manifests.validate import MAX_ENTRY_CHARS, validate_manifest

__all__ = [
    "MAX_LINE_CHARS",
    "ManifestCheck",
    "RawLine",
    "apply_staged",
    "drop_staged",
    "labelled_entries",
    "manifest_lines",
]

#: The longest manifest line read, in characters (the API's limit for one entry).
MAX_LINE_CHARS = MAX_ENTRY_CHARS
#: How many bad lines a status message names before it only counts the rest.
_MESSAGE_PROBLEMS = 5
#: How many lines are staged per transaction.
_BATCH = 1000
_CONTINUATION = bytes(range(0x80, 0xC0))

Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


def _chars(data: bytes) -> int:
    """How many characters UTF-8 ``data`` holds (bytes that do not continue one)."""
    return len(data.translate(None, _CONTINUATION))


@attrs.frozen
class RawLine:
    """One manifest line: its number, its text (``None`` when refused) and its length."""

    number: int
    text: str | None
    length: int
    problem: str | None = None


def _finish_line(number: int, held: bytearray, length: int, over: bool) -> RawLine:
    if over:
        reason = f"has {length} characters; the limit is {MAX_LINE_CHARS}"
        return RawLine(number, None, length, reason)
    try:
        text = bytes(held).decode("utf-8")
    except UnicodeDecodeError:
        return RawLine(number, None, length, "is not UTF-8 text")
    return RawLine(number, text.rstrip("\r"), length)


def manifest_lines(chunks: Iterable[bytes], limit: int = MAX_LINE_CHARS) -> Iterator[RawLine]:
    """The lines of a manifest's bytes, one at a time, keeping at most ``limit`` characters.

    Lines end at a line feed (a carriage return before it is dropped). A line longer than ``limit``
    comes with no text and a problem giving its length; one that is not UTF-8 with no
    text and a problem saying so.
    """
    number, held, length, over = 0, bytearray(), 0, False
    for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            length += _chars(piece)
            if not over:
                held += piece
                over = length > limit + 1  # one more for a "\r" dropped at the end
                if over:
                    held.clear()
            if end < 0:
                break
            number += 1
            yield _finish_line(number, held, length, over)
            held, length, over = bytearray(), 0, False
            start = end + 1
    if held or over:
        yield _finish_line(number + 1, held, length, over)


@attrs.define
class _Staged:
    line: int
    entry: ManifestEntry


class ManifestCheck:
    """Checks manifest lines as they come and stages the good entries for one job attempt.

    Args:
        transaction: opens a (fenced) write transaction on the store.
        job: the job's id.
        attempt: the attempt, so a stale attempt's rows never mix with this one's.
    """

    def __init__(self, transaction: Transaction, job: int, attempt: int) -> None:
        self._transaction = transaction
        self._key = (job, attempt)
        self._batch: list[_Staged] = []
        self._shown: list[tuple[tuple[int, int, int], Problem]] = []
        self._order = 0
        self.problems = 0
        self.bad_lines = 0
        self.entries = 0
        self._segmentation = False

    def _problem(self, line: int, reason: str, phase: int = 0) -> None:
        self.problems += 1
        self._order += 1
        key = (line, phase, self._order)
        if len(self._shown) < _MESSAGE_PROBLEMS or key < self._shown[-1][0]:
            bisect.insort(self._shown, (key, Problem.at_line(line, reason)), key=lambda i: i[0])
            del self._shown[_MESSAGE_PROBLEMS:]

    def add(self, line: RawLine) -> None:
        """Check one line; stage its entry when it has no problem of its own."""
        if line.problem is not None:
            self.bad_lines += 1
            self._problem(line.number, line.problem)
            return
        assert line.text is not None
        report = validate_manifest([line.text])
        if report.problems:
            self.bad_lines += 1
            for problem in report.problems:
                self._problem(line.number, problem.reason)
            return
        if report.entries:
            entry = report.entries[0]
            self._segmentation = self._segmentation or entry.is_segmentation
            self._batch.append(_Staged(line.number, entry))
            if len(self._batch) >= _BATCH:
                self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        job, attempt = self._key
        with self._transaction() as db:
            for item in batch:
                entry = item.entry
                source = entry.source_ref or ""
                bad = self._repeated(db, item.line, source) | self._clashing(db, item)
                self.bad_lines += bad
                unmasked = int(entry.is_anomaly and not entry.is_segmentation)
                label = entry.label.value if entry.label is not None else None
                db.execute(
                    "INSERT INTO staged_entries (job, attempt, line_no, source_ref, line, "
                    "label, unmasked_anomaly, bad) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (job, attempt, item.line, source, entry.to_json(), label, unmasked, bad),
                )
                self.entries += 1

    def _repeated(self, db: sqlite3.Connection, line: int, source: str) -> int:
        (first,) = db.execute(
            "SELECT MIN(line_no) FROM staged_entries WHERE job = ? AND attempt = ? "
            "AND source_ref = ?",
            (*self._key, source),
        ).fetchone()
        if first is None:
            return 0
        self._problem(line, f"{source} is already listed on line {first}", 1)
        return 1

    def _clashing(self, db: sqlite3.Connection, item: _Staged) -> int:
        clashed = 0
        for index, mask_class in item.entry.color_map.items():
            if index == BACKGROUND_INDEX:
                continue
            name, color = mask_class.name.lower(), mask_class.color.lower()
            db.execute(
                "INSERT OR IGNORE INTO staged_classes (job, attempt, name, color, line_no) "
                "VALUES (?, ?, ?, ?, ?)",
                (*self._key, name, color, item.line),
            )
            known, first = db.execute(
                "SELECT color, line_no FROM staged_classes WHERE job = ? AND attempt = ? "
                "AND name = ?",
                (*self._key, name),
            ).fetchone()
            if known != color:
                reason = (
                    f"class {mask_class.name!r} is {mask_class.color} here but {known} on "
                    f"line {first}"
                )
                self._problem(item.line, reason, 3)
                clashed = 1
        return clashed

    def finish(self) -> str | None:
        """Stage what is left and run the checks across lines; the failure message, if any."""
        self._flush()
        if self._segmentation:
            self._unmasked_anomalies()
        if not self.problems:
            return None
        shown = "; ".join(str(problem) for _, problem in self._shown)
        more = self.problems - len(self._shown)
        counted = (
            f"{self.bad_lines} bad line(s)"
            if self.problems == self.bad_lines
            else f"{self.bad_lines} bad line(s) with {self.problems} problems"
        )
        return f"the manifest has {counted}: {shown}" + (f"; and {more} more" if more > 0 else "")

    def _unmasked_anomalies(self) -> None:
        reason = "is an anomaly without a mask in a segmentation dataset"
        with self._transaction() as db:
            where = "job = ? AND attempt = ? AND unmasked_anomaly = 1"
            (count, fresh) = db.execute(
                f"SELECT COUNT(*), COALESCE(SUM(bad = 0), 0) FROM staged_entries WHERE {where}",
                self._key,
            ).fetchone()
            lines = db.execute(
                f"SELECT line_no FROM staged_entries WHERE {where} ORDER BY line_no LIMIT ?",
                (*self._key, _MESSAGE_PROBLEMS),
            ).fetchall()
        for (line,) in lines:
            self._problem(line, reason, 2)
        self.problems += count - len(lines)
        self.bad_lines += fresh


def apply_staged(db: sqlite3.Connection, project: str, kind: str, job: int, attempt: int) -> None:
    """Move a job attempt's staged entries into the dataset, in manifest order.

    Entries are inserted or replaced by ``source-ref``, keeping first-seen creation
    times and listing positions.
    """
    (seq,) = db.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE project = ? AND type = ?", (project, kind)
    ).fetchone()
    db.execute(
        "INSERT INTO entries (project, type, source_ref, line, label, created, seq) "
        "SELECT ?, ?, source_ref, line, label, ?, ? + line_no FROM staged_entries "
        "WHERE job = ? AND attempt = ? ORDER BY line_no "
        "ON CONFLICT (project, type, source_ref) "
        "DO UPDATE SET line = excluded.line, label = excluded.label",
        (project, kind, now(), seq, job, attempt),
    )


def drop_staged(db: sqlite3.Connection, job: int | None = None) -> None:
    """Remove staged rows: a job's, or (with ``None``) those of jobs no longer queued."""
    for table in ("staged_entries", "staged_classes"):
        if job is None:
            db.execute(f"DELETE FROM {table} WHERE job NOT IN (SELECT id FROM jobs)")
        else:
            db.execute(f"DELETE FROM {table} WHERE job = ?", (job,))


def labelled_entries(db: sqlite3.Connection, project: str, kind: str) -> list[ManifestEntry]:
    """The labelled entries of a dataset, in the order they were added."""
    rows = db.execute(
        "SELECT line FROM entries WHERE project = ? AND type = ? AND label IS NOT NULL "
        "ORDER BY seq",
        (project, kind),
    ).fetchall()
    return [ManifestEntry.parse(row["line"]) for row in rows]
