"""``lookout api <operation>``: any of the 22 operations, with the AWS CLI's conventions.

Each operation is a command named in kebab case (``start-model``), with one
``--kebab-case`` flag per input member. Structures and lists take JSON (or
``file://path``); blobs take ``fileb://path`` (or the text itself). ``--cli-input-json``
(or ``--cli-input-yaml`` when PyYAML is installed) gives the whole input at once, and
flags given beside it win. ``--generate-cli-skeleton input|output`` prints a skeleton;
an input skeleton passes back through ``--cli-input-json`` unchanged. ``--dry-run``
checks the input and prints it without sending anything. List operations read every
page unless ``--no-paginate``. The answer is printed as the service sent it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from lookout_sdk.cli.output import emit
from lookout_sdk.cli.settings import Settings

__all__ = ["api"]


#: One line on what each operation does, for ``lookout api --help``.
_SUMMARIES = {
    "CreateDataset": "Create a project's train or test dataset, empty or from a manifest.",
    "CreateModel": "Train a new model version on the project's datasets.",
    "CreateProject": "Create a project.",
    "DeleteDataset": "Delete a dataset and its entries.",
    "DeleteModel": "Delete a model version that is not hosted.",
    "DeleteProject": "Delete a project that has no model versions left.",
    "DescribeDataset": "Show a dataset's status and image counts.",
    "DescribeModel": "Show a model version's status, metrics and output.",
    "DescribeModelPackagingJob": "Show a packaging job's status, configuration and output.",
    "DescribeProject": "Show a project and its datasets.",
    "DetectAnomalies": "Ask a hosted model whether an image shows an anomaly.",
    "ListDatasetEntries": "List a dataset's manifest entries, with filters.",
    "ListModelPackagingJobs": "List a project's packaging jobs.",
    "ListModels": "List a project's model versions.",
    "ListProjects": "List the projects.",
    "ListTagsForResource": "List the tags of a project or model.",
    "StartModel": "Start hosting a model version.",
    "StartModelPackagingJob": "Package a model version as a Greengrass component.",
    "StopModel": "Stop hosting a model version.",
    "TagResource": "Add or replace tags on a project or model.",
    "UntagResource": "Remove tags from a project or model.",
    "UpdateDatasetEntries": "Add or replace entries of a dataset.",
}


def _kebab(name: str) -> str:
    from botocore import xform_name

    return xform_name(name).replace("_", "-")


def _operations() -> dict[str, str]:
    from lookout_sdk.api.registry import bundled_service_model

    return {_kebab(name): name for name in bundled_service_model().operation_names}


def _read_reference(value: str, *, binary: bool) -> str | bytes:
    """``file://path`` (text) or ``fileb://path`` (bytes) read, any other text as it is."""
    for prefix, as_bytes in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = Path(value[len(prefix) :]).expanduser()
            try:
                return path.read_bytes() if as_bytes else path.read_text(encoding="utf-8")
            except OSError as error:
                raise click.BadParameter(f"cannot read {path}: {error}") from error
    return value.encode("utf-8") if binary else value


def _convert(shape: Any, value: Any, flag: str) -> Any:
    """A flag's text as the member's type."""
    kind = shape.type_name
    if kind == "blob":
        return value if isinstance(value, bytes) else _read_reference(value, binary=True)
    if kind in ("structure", "list", "map"):
        if not isinstance(value, str):
            return value
        text = _read_reference(value, binary=False)
        try:
            return json.loads(text)
        except ValueError as error:
            raise click.BadParameter(f"{flag} is not valid JSON: {error}") from error
    if kind == "timestamp" and isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise click.BadParameter(f"{flag} is not an ISO 8601 time: {value!r}") from error
    return value


def _input_document(json_text: str | None, yaml_text: str | None) -> dict[str, Any]:
    if json_text and yaml_text:
        raise click.UsageError("give --cli-input-json or --cli-input-yaml, not both")
    if yaml_text:
        import yaml  # type: ignore[import-untyped, unused-ignore]

        document = yaml.safe_load(_read_reference(yaml_text, binary=False))
    elif json_text:
        try:
            document = json.loads(_read_reference(json_text, binary=False))
        except ValueError as error:
            raise click.BadParameter(f"--cli-input-json is not valid JSON: {error}") from error
    else:
        return {}
    if not isinstance(document, dict):
        raise click.BadParameter("the input document must be an object of the operation's members")
    return document


def _yaml_available() -> bool:
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _member_option(name: str, shape: Any, *, required: bool) -> click.Option:
    flag = f"--{_kebab(name)}"
    kind = shape.type_name
    need = "required" if required else "optional"
    if kind == "boolean":
        return click.Option([f"{flag}/--no-{_kebab(name)}", name], default=None, help=need)
    click_type: Any = {"integer": int, "long": int, "float": float, "double": float}.get(kind, str)
    hints = {
        "blob": "fileb://PATH or text",
        "structure": "JSON or file://PATH",
        "list": "JSON or file://PATH",
        "map": "JSON or file://PATH",
        "timestamp": "ISO 8601 time",
    }
    enum = shape.metadata.get("enum")
    hint = f"one of {', '.join(enum)}" if enum else hints.get(kind)
    return click.Option([flag, name], type=click_type, help=f"{need}; {hint}" if hint else need)


def _call(settings: Settings, operation: str, params: dict[str, Any], paginate: bool) -> Any:
    from lookout_sdk.api.registry import bundled_paginators

    invoker = settings.service().invoker
    token = params.pop("ClientToken", None)
    kwargs = {"client_token": token} if token is not None else {}
    paging = bundled_paginators().get(operation)
    answer = invoker.call(operation, dict(params), **kwargs)
    if paging is not None and paginate:
        key, next_key = paging["result_key"], paging["output_token"]
        while answer.get(next_key):
            page = invoker.call(operation, {**params, paging["input_token"]: answer[next_key]})
            answer[key] = [*answer.get(key, ()), *page.get(key, ())]
            answer[next_key] = page.get(next_key)
        answer.pop(next_key, None)
    answer.pop("ResponseMetadata", None)
    return answer


def _command(kebab: str, operation_name: str) -> click.Command:
    from lookout_sdk.api.registry import bundled_paginators, bundled_service_model
    from lookout_sdk.cli.skeleton import sample

    operation = bundled_service_model().operation_model(operation_name)
    shape = operation.input_shape
    members: dict[str, Any] = dict(shape.members) if shape is not None else {}
    required = set(shape.required_members) if shape is not None else set()
    paginated = operation_name in bundled_paginators()

    def run(**values: Any) -> None:
        settings = click.get_current_context().find_object(Settings)
        assert settings is not None  # the root group always sets it
        skeleton = values.pop("generate_cli_skeleton")
        if skeleton is not None:
            target = shape if skeleton == "input" else operation.output_shape
            click.echo(json.dumps(sample(target) if target is not None else {}, indent=4))
            return
        params = _input_document(values.pop("cli_input_json"), values.pop("cli_input_yaml", None))
        unknown = sorted(set(params) - set(members))
        if unknown:
            raise click.UsageError(f"{operation_name} has no member {', '.join(unknown)}")
        params = {name: _convert(members[name], value, name) for name, value in params.items()}
        for name, member in members.items():
            if values.get(name) is not None:
                params[name] = _convert(member, values[name], f"--{_kebab(name)}")
        missing = sorted(required - set(params) - {"ClientToken"})
        if missing:
            flags = ", ".join(f"--{_kebab(name)}" for name in missing)
            raise click.UsageError(f"{kebab} needs {flags}")
        if values.pop("dry_run"):
            from lookout_sdk.api.validation import check_params

            check_params(operation, params)
            emit(params, "json")
            return
        emit(
            _call(settings, operation_name, params, paginate=values.pop("paginate", True)),
            settings.output,
        )

    options: list[click.Parameter] = [
        _member_option(name, member, required=name in required and name != "ClientToken")
        for name, member in members.items()
    ]
    options += [
        click.Option(["--cli-input-json"], help="The whole input as JSON, or file://PATH."),
        click.Option(
            ["--generate-cli-skeleton", "generate_cli_skeleton"],
            type=click.Choice(["input", "output"]),
            is_flag=False,
            flag_value="input",
            default=None,
            help="Print a skeleton of the input (default) or output, and send nothing.",
        ),
        click.Option(
            ["--dry-run"], is_flag=True, help="Check the input and print it; send nothing."
        ),
    ]
    if _yaml_available():
        options.append(
            click.Option(["--cli-input-yaml"], help="The whole input as YAML, or file://PATH.")
        )
    if paginated:
        options.append(
            click.Option(
                ["--paginate/--no-paginate"], default=True, help="Read every page (default) or one."
            )
        )
    return click.Command(
        kebab,
        callback=run,
        params=options,
        help=f"{_SUMMARIES.get(operation_name, operation_name)} ({operation_name})",
        short_help=_SUMMARIES.get(operation_name, operation_name),
    )


class _ApiGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_operations())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        operation = _operations().get(cmd_name)
        return None if operation is None else _command(cmd_name, operation)


@click.group(cls=_ApiGroup)
def api() -> None:
    """Call any of the 22 API operations, AWS CLI style (lookout api start-model ...)."""
