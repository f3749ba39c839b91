"""The entry point: :class:`LookoutVision`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookout_sdk._boundary import checked, unchecked
from lookout_sdk._version import __version__
from lookout_sdk.api.registry import SERVICE_NAME, register_service
from lookout_sdk.errors import BackendUnavailableError, InvalidInputError
from lookout_sdk.records.common import tags_from_api, tags_to_api
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.enums import ResourceType
from lookout_sdk.records.model import ModelDescription
from lookout_sdk.records.operations import Operation
from lookout_sdk.records.project import ProjectSummary
from lookout_sdk.resources.dataset import DatasetPoller
from lookout_sdk.resources.model import ModelPoller
from lookout_sdk.resources.packaging import PackagingJobPoller
from lookout_sdk.resources.project import Project
from lookout_sdk.runtime.credentials import defer_credentials
from lookout_sdk.runtime.endpoints import is_local_endpoint
from lookout_sdk.runtime.invoker import Invoker
from lookout_sdk.runtime.paging import ItemPaged, list_operation
from lookout_sdk.runtime.polling import PollingPolicy, decode_resume_token
from lookout_sdk.runtime.retry import RetryPolicy
from lookout_sdk.runtime.transport import PLACEHOLDER_ENDPOINT, BeforeSendHook, Transport

if TYPE_CHECKING:
    from typing import TypeAlias

    import boto3
    from botocore.client import BaseClient
    from botocore.config import Config

    from lookout_sdk.local.inprocess import LocalLookoutVision

__all__ = ["BACKENDS_GROUP", "LookoutVision", "ResumablePoller"]

#: The entry-point group where backends (such as ``local``) register their ``connect``.
BACKENDS_GROUP = "lookout_sdk.backends"

#: Every poller :meth:`LookoutVision.resume` can give back.
ResumablePoller: TypeAlias = (
    ModelPoller[ModelDescription]
    | ModelPoller[ModelDescription | None]
    | DatasetPoller[DatasetDescription]
    | DatasetPoller[DatasetDescription | None]
    | PackagingJobPoller
)

#: The identity key a resume token carries for each kind of resource.
_RESUME_KEYS = {
    ResourceType.MODEL: "version",
    ResourceType.DATASET: "dataset_type",
    ResourceType.MODEL_PACKAGE_JOB: "job",
}


@checked
class LookoutVision:
    """A connection to Lookout for Vision: AWS, the local backend, or any endpoint.

    Building it sends nothing: credentials are looked up at the first request.

    Args:
        session: the ``boto3.Session`` to build the client from (its profile, region
            and credentials apply).
        client: an existing ``lookoutvision`` client to use as it is (for example one
            under ``botocore.stub.Stubber``); excludes the other client options.
        region_name: the AWS region.
        endpoint_url: a custom endpoint; ``AWS_ENDPOINT_URL_LOOKOUTVISION`` and the
            profile's ``endpoint_url`` apply as in boto3 when this is not given.
        profile_name: a profile of the shared AWS config, when no session is given.
        config: a ``botocore.config.Config`` merged over the SDK's defaults.
        retry: how calls are retried.
        polling: how long-running operations are waited on; by default, quickly for an
            endpoint on this machine (such as ``lookout serve``) and patiently otherwise.
        s3: the S3 client dataset imports and exports use; by default one is made
            from the same session and region when first needed.
        s3_endpoint_url: the endpoint of that S3 client when the SDK makes it, with
            path-style addressing (for ``lookout serve``, MinIO and other S3-compatible
            stores); ``AWS_ENDPOINT_URL_S3`` applies as in boto3 when this is not given.
        transport: answers the Lookout for Vision client's requests, and those of the
            S3 client the SDK makes, in this process instead of the network (see
            :class:`~lookout_sdk.runtime.transport.Transport`); both clients then name
            a placeholder endpoint unless one is given, and (without a ``session`` or
            ``profile_name``) sign with placeholder credentials, since nothing leaves
            the process. The clients stay real: their serialisation, signing, retries
            and parsing all run.

    Raises:
        InvalidInputError: options that exclude each other are combined.
    """

    def __init__(
        self,
        *,
        session: boto3.Session | None = None,
        client: BaseClient | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        config: Config | None = None,
        retry: RetryPolicy | None = None,
        polling: PollingPolicy | None = None,
        s3: BaseClient | None = None,
        s3_endpoint_url: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        if s3 is not None and s3_endpoint_url is not None:
            raise InvalidInputError.of("s3_endpoint_url", "cannot be combined with s3")
        if transport is not None and not isinstance(transport, Transport):
            raise InvalidInputError.of("transport", "must have a handle(request) method")
        self.retry = retry or RetryPolicy()
        self._s3_endpoint_url = s3_endpoint_url
        self.polling = polling or PollingPolicy()
        self._session = session
        self._s3 = s3
        self._transport = transport
        self._closers: list[Callable[[], None]] = []
        if transport is not None and client is None:
            endpoint_url = endpoint_url or PLACEHOLDER_ENDPOINT
            if session is None and profile_name is None:
                session = _placeholder_session(region_name)
        if client is not None:
            others = {
                "session": session,
                "region_name": region_name,
                "profile_name": profile_name,
                "endpoint_url": endpoint_url,
                "config": config,
            }
            given = [name for name, value in others.items() if value is not None]
            if given:
                raise InvalidInputError.of(given[0], "cannot be combined with client")
            self.client = client
        else:
            self._session, self.client = _build_client(
                session=session,
                region_name=region_name,
                endpoint_url=endpoint_url,
                profile_name=profile_name,
                config=config,
                retry=self.retry,
            )
        self.invoker = Invoker(self.client, self.retry)
        if polling is None and is_local_endpoint(self.client.meta.endpoint_url):
            self.polling = PollingPolicy.quick()
        self._hooks: list[BeforeSendHook] = []
        self._answer(self.client)

    def __repr__(self) -> str:
        return f"LookoutVision(endpoint={self.client.meta.endpoint_url!r})"

    def __enter__(self) -> LookoutVision:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @classmethod
    def local(
        cls,
        data: str | Path | None = None,
        *,
        region_name: str = "us-east-1",
        retry: RetryPolicy | None = None,
        polling: PollingPolicy | None = None,
        s3: BaseClient | None = None,
    ) -> LocalLookoutVision:
        """Connect to a local backend on the data folder ``data``, in this process.

        A shortcut for :func:`lookout_sdk.local.connect`, found through the
        ``lookout_sdk.backends`` entry point so that this core class never imports the
        backend. Nothing listens on a socket: requests leave real boto3 clients and the
        backend answers them directly. The default folder is ``~/.lookout_sdk/local``.
        Images and outputs are kept in that folder, one folder per S3 bucket, and reached
        with :meth:`s3_client`; pass ``s3`` (a boto3 S3 client for AWS S3, MinIO or
        another S3-compatible endpoint) to keep them there instead. :meth:`close` stops
        the backend.

        Raises:
            BackendUnavailableError: the ``local`` extra is not installed.
        """
        connect: Callable[..., LocalLookoutVision] = _backend("local")
        return connect(data, region_name=region_name, retry=retry, polling=polling, s3=s3)

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when this service is closed."""
        self._closers.append(callback)

    def close(self) -> None:
        """Close the clients' HTTP connections and anything tied to this service.

        A transport given to the service is closed too, if it has a ``close()``.
        """
        self.client.close()
        if self._s3 is not None:
            self._s3.close()
        while self._hooks:
            self._hooks.pop().close()
        close_transport = getattr(self._transport, "close", None)
        if callable(close_transport):
            close_transport()
        while self._closers:
            self._closers.pop()()

    def _answer(self, client: BaseClient) -> None:
        """Have the service's transport, if any, answer ``client``'s requests."""
        if self._transport is not None:
            self._hooks.append(BeforeSendHook(client, self._transport.handle, first=True))

    def s3_client(self) -> BaseClient:
        """The S3 client for dataset files: the one given, or one made on first use.

        A made client uses this service's session (or boto3's default one) and region,
        signs with SigV4 (presigned URLs included), and the service's transport, if
        any, answers it. Its requests are retried by
        the service's :class:`RetryPolicy` (attempts, ``Retry-After``, deadline), as
        the Lookout for Vision calls are; a given client keeps its own retry settings
        (``service.retry.attach(client)`` applies the policy to it).
        """
        if self._s3 is None:
            import boto3
            from botocore.config import Config

            session = self._session or boto3.Session()
            make_client: Any = session.client
            # One attempt per retry of the service's policy: it does the retrying.
            # SigV4 for presigned URLs too (botocore may still presign with SigV2,
            # which S3 in most regions, and the local server, refuse).
            config = Config(
                retries={"mode": "standard", "total_max_attempts": 1}, signature_version="s3v4"
            )
            options: dict[str, Any] = {"region_name": self.client.meta.region_name}
            endpoint = self._s3_endpoint_url
            if endpoint is None and self._transport is not None:
                endpoint = PLACEHOLDER_ENDPOINT
            if endpoint is not None:
                options["endpoint_url"] = endpoint
                config = config.merge(Config(s3={"addressing_style": "path"}))
            self._s3 = make_client("s3", config=config, **options)
            self.retry.attach(self._s3)
            self._answer(self._s3)
        return self._s3

    # -- projects -----------------------------------------------------------------

    @unchecked
    def project(self, name: str) -> Project:
        """Return a handle for project ``name`` (no request is sent)."""
        return Project(self, name)

    def create_project(self, name: str, *, client_token: str | None = None) -> Project:
        """Create project ``name`` and return its handle.

        CreateProject is synchronous (the project exists when the call returns), so
        there is no poller to wait on, unlike ``create_dataset`` and ``create_model``.
        """
        self.invoker.call("CreateProject", {"ProjectName": name}, client_token=client_token)
        return Project(self, name)

    def list_projects(
        self, *, page_size: int | None = None, max_items: int | None = None
    ) -> ItemPaged[ProjectSummary]:
        """List the account's projects, lazily."""
        return list_operation(
            self.invoker.call,
            "ListProjects",
            {},
            ProjectSummary.from_api,
            page_size=page_size,
            max_items=max_items,
        )

    # -- tags ---------------------------------------------------------------------

    def list_tags(self, arn: str) -> dict[str, str]:
        """Return the tags of the resource with ARN ``arn``."""
        answer = self.invoker.call("ListTagsForResource", {"ResourceArn": arn})
        return tags_from_api(answer.get("Tags"))

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or replace ``tags`` on the resource with ARN ``arn``."""
        self.invoker.call("TagResource", {"ResourceArn": arn, "Tags": tags_to_api(tags)})

    def untag_resource(self, arn: str, keys: Iterable[str]) -> None:
        """Remove the tags named ``keys`` from the resource with ARN ``arn``."""
        self.invoker.call("UntagResource", {"ResourceArn": arn, "TagKeys": list(keys)})

    # -- long-running operations ----------------------------------------------------

    def resume(self, token: str) -> ResumablePoller:
        """Rebuild a poller from its ``resume_token``, in this process or another.

        Raises:
            InvalidInputError: ``token`` is not a resume token, or a damaged one.
        """
        ids = decode_resume_token(token)
        operation = Operation.parse(ids["kind"], parameter="token")
        key = _RESUME_KEYS[operation.resource]
        if "project" not in ids or key not in ids:
            raise InvalidInputError.of("token", f"names no project and {key}: {token!r}")
        project = self.project(ids["project"])
        if operation.resource is ResourceType.MODEL:
            return project.model(ids[key]).poller(operation)
        if operation.resource is ResourceType.DATASET:
            return project.dataset(ids[key]).poller(operation)
        return project.packaging_job(ids[key]).poller()


def _placeholder_session(region_name: str | None) -> boto3.Session:
    """A session whose credentials only sign requests a transport answers in-process."""
    import boto3

    return boto3.Session(
        aws_access_key_id="transport", aws_secret_access_key="transport", region_name=region_name
    )


def _backend(name: str) -> Callable[..., Any]:
    """The ``connect`` function of backend ``name``, from its entry point.

    Raises:
        BackendUnavailableError: the backend (or a package it needs) is not installed.
    """
    from importlib.metadata import entry_points

    found = entry_points(group=BACKENDS_GROUP, name=name)
    if not found:
        raise BackendUnavailableError(name, f"no {BACKENDS_GROUP!r} entry point named {name!r}")
    try:
        connect: Callable[..., Any] = next(iter(found)).load()
    except ImportError as error:  # the backend, or a package it needs, is missing
        raise BackendUnavailableError(name, str(error)) from error
    return connect


def _build_client(
    *,
    session: boto3.Session | None,
    region_name: str | None,
    endpoint_url: str | None,
    profile_name: str | None,
    config: Config | None,
    retry: RetryPolicy,
) -> tuple[boto3.Session, BaseClient]:
    import boto3
    from botocore.config import Config

    if session is None:
        session = boto3.Session(profile_name=profile_name, region_name=region_name)
    elif profile_name is not None:
        raise InvalidInputError.of("profile_name", "cannot be combined with session")
    register_service(session)
    defer_credentials(session._session)
    # Config.merge replaces a whole ``retries`` dict, so combine the caller's keys here.
    retries: Any = {"mode": "standard", "total_max_attempts": retry.botocore_max_attempts}
    retries.update(getattr(config, "retries", None) or {})
    defaults = Config(retries=retries, user_agent_extra=f"lookout-sdk/{__version__}")
    merged = defaults.merge(config).merge(Config(retries=retries)) if config else defaults
    make_client: Any = session.client  # the type stubs list only services botocore ships
    client: BaseClient = make_client(
        SERVICE_NAME, region_name=region_name, endpoint_url=endpoint_url, config=merged
    )
    return session, client
