"""The documentation builds with warnings as errors, and every public name is documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import lookout_sdk

ROOT = Path(__file__).parents[1]


def test_sphinx_build_has_no_warnings(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(ROOT / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "html" / "api.html").read_text().count("LookoutVision") > 3


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in lookout_sdk.__all__:
        value = getattr(lookout_sdk, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if not inspect.getdoc(value):
                missing.append(name)
            for attr, member in vars(value).items() if inspect.isclass(value) else ():
                if not attr.startswith("_") and callable(member) and not inspect.getdoc(member):
                    missing.append(f"{name}.{attr}")
    assert missing == []
