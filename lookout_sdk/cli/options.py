"""Options many commands share, as decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from lookout_sdk.cli.output import FORMATS
from lookout_sdk.cli.settings import Settings

__all__ = [
    "client_token_option",
    "missing_ok_option",
    "model_version_option",
    "output_option",
    "parse_tags",
    "project_option",
    "tag_option",
    "timeout_option",
    "wait_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def _set_output(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(Settings).output = value


def output_option(command: F) -> F:
    """``-o/--output`` after the command name too, as in ``lookout models list -o table``."""
    option = click.option(
        "-o",
        "--output",
        type=click.Choice(FORMATS),
        expose_value=False,
        callback=_set_output,
        help="How results are printed on stdout (overrides the global option).",
    )
    return option(command)


def project_option(command: F) -> F:
    """``-p/--project``, from ``LOOKOUT_PROJECT`` when not given."""
    option = click.option(
        "-p",
        "--project",
        envvar="LOOKOUT_PROJECT",
        required=True,
        help="The project (or set LOOKOUT_PROJECT).",
    )
    return option(command)


def model_version_option(command: F) -> F:
    """``-m/--model-version``, the newest version when not given."""
    option = click.option(
        "-m",
        "--model-version",
        envvar="LOOKOUT_MODEL_VERSION",
        default="latest",
        show_default=True,
        help="The model version (or set LOOKOUT_MODEL_VERSION).",
    )
    return option(command)


def timeout_option(default: float, help_text: str) -> Callable[[F], F]:
    """``--timeout SECONDS``: how long a wait may take before it gives up (exit code 3)."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        default=default,
        show_default=True,
        help=help_text,
    )


def wait_options(default_timeout: float) -> Callable[[F], F]:
    """``--wait/--no-wait`` and ``--timeout SECONDS`` for a long-running operation."""

    def decorate(command: F) -> F:
        command = timeout_option(
            default_timeout, "With --wait, give up waiting after this many seconds (exit code 3)."
        )(command)
        return click.option(
            "--wait/--no-wait",
            default=False,
            help="Wait until the operation ends, and print the final state.",
        )(command)

    return decorate


def missing_ok_option(what: str) -> Callable[[F], F]:
    """``--missing-ok/--no-missing-ok`` for a delete command (missing is fine by default)."""
    return click.option(
        "--missing-ok/--no-missing-ok",
        default=True,
        show_default=True,
        help=f"Whether a {what} that does not exist is an error.",
    )


def client_token_option(command: F) -> F:
    """``--client-token``: the idempotency token (one is made when not given)."""
    option = click.option(
        "--client-token", help="Idempotency token: the same token never repeats the operation."
    )
    return option(command)


def parse_tags(ctx: click.Context, _: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as a mapping (a click callback)."""
    tags: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", ctx=ctx, param_hint="--tag")
        tags[key] = item
    return tags


def tag_option(command: F) -> F:
    """``--tag KEY=VALUE``, repeatable."""
    option = click.option(
        "--tag", "tags", multiple=True, callback=parse_tags, help="KEY=VALUE; repeat for more."
    )
    return option(command)
