"""Running ``lookout`` through click's test runner, on an in-process local backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from lookout_sdk.cli.app import cli


@attrs.frozen
class Lookout:
    """``lookout --local <data> ...`` with JSON parsed from stdout."""

    data: Path
    runner: CliRunner

    def __call__(self, *args: str, input: str | None = None, local: bool = True) -> Result:
        prefix = ["--local", str(self.data)] if local else []
        return self.runner.invoke(
            cli, [*prefix, *args], input=input, catch_exceptions=False, prog_name="lookout"
        )

    def json(self, *args: str, expect: int = 0) -> Any:
        result = self(*args)
        assert result.exit_code == expect, result.output + result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def lookout(tmp_path: Path) -> Lookout:
    return Lookout(tmp_path / "data", CliRunner())


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lookout, Path]:
    """A local backend holding the demo project, kept, with sample images to detect on."""
    root = tmp_path_factory.mktemp("cli")
    lookout = Lookout(root / "data", CliRunner())
    summary = lookout.json("demo", "--keep", "--workdir", str(root / "demo"))
    assert summary["kept"] is True
    return lookout, root / "demo" / "new"
