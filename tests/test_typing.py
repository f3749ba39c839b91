"""The public API's types hold: mypy checks tests/typing/public_types.py strictly."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_public_types_are_what_mypy_infers() -> None:
    import mypy.api

    out, err, status = mypy.api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(ROOT / "tests" / "typing" / "public_types.py"),
        ]
    )
    assert status == 0, out + err
    assert "no issues found in 1 source file" in out
