"""Make the ``lookoutvision`` API definition available to botocore.

botocore 1.40.61 and later no longer ship the definition of the retired service, so
``boto3.client("lookoutvision")`` fails on them. lookout_sdk carries the definition
(taken from botocore 1.40.60, documentation removed) under ``lookout_sdk/api/data`` and
adds that folder to a session's loader search path, but only when none of the
folders botocore already searches holds the service: an installed botocore that still
has it, or a model the user put in ``~/.aws/models``, keeps precedence.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3
    import botocore.session
    from botocore.loaders import Loader
    from botocore.model import ServiceModel

__all__ = [
    "API_PATH_PREFIX",
    "API_VERSION",
    "DATA_PATH",
    "SERVICE_NAME",
    "bundled_paginators",
    "bundled_service_model",
    "register_service",
    "service_is_known",
]

#: The botocore service name.
SERVICE_NAME = "lookoutvision"
#: The API version of the bundled definition; every request path starts with it.
API_VERSION = "2020-11-20"
#: The path prefix of every Lookout for Vision request (anything else on a local
#: endpoint is S3).
API_PATH_PREFIX = f"/{API_VERSION}/"
#: The folder holding the bundled definition, laid out as botocore's data folder is.
DATA_PATH = str(Path(__file__).resolve().parent / "data")


@cache
def bundled_service_model() -> ServiceModel:
    """The bundled ``lookoutvision`` service model, read without making a client."""
    from botocore.model import ServiceModel

    data = _loader().load_service_model(SERVICE_NAME, "service-2")
    return ServiceModel(data, SERVICE_NAME)


@cache
def bundled_paginators() -> dict[str, dict[str, str]]:
    """The bundled paginator settings, by operation name."""
    pagination: dict[str, dict[str, str]] = _loader().load_service_model(
        SERVICE_NAME, "paginators-1"
    )["pagination"]
    return pagination


def _loader() -> Loader:
    from botocore.loaders import Loader

    return Loader(extra_search_paths=[DATA_PATH], include_default_search_paths=False)


def _botocore_session(
    session: boto3.Session | botocore.session.Session,
) -> botocore.session.Session:
    inner = getattr(session, "_session", None)  # a boto3.Session wraps a botocore one
    return inner if inner is not None else session  # type: ignore[return-value]


def service_is_known(session: boto3.Session | botocore.session.Session) -> bool:
    """Tell whether the session's loader finds a ``lookoutvision`` definition."""
    loader = _botocore_session(session).get_component("data_loader")
    return any(os.path.isdir(os.path.join(path, SERVICE_NAME)) for path in loader.search_paths)


def register_service(session: boto3.Session | botocore.session.Session | None = None) -> bool:
    """Let ``session`` create ``lookoutvision`` clients.

    With no argument, the default boto3 session is used, so plain
    ``boto3.client("lookoutvision")`` works afterwards. Returns ``True`` when the
    bundled definition was added, ``False`` when the session already knew the service.
    Calling it again is harmless.
    """
    if session is None:
        import boto3

        session = boto3._get_default_session()
    if service_is_known(session):
        return False
    loader = _botocore_session(session).get_component("data_loader")
    loader.search_paths.append(DATA_PATH)
    _forget_service_listings(loader)
    return True


# The loader caches what it found per instance; a session that already made a client
# has listed its services without ours, so those answers must be looked up again.
_LISTINGS = frozenset({"list_available_services", "list_api_versions", "determine_latest_version"})


def _forget_service_listings(loader: object) -> None:
    cache = getattr(loader, "_cache", None)
    if isinstance(cache, dict):
        for key in [k for k in cache if isinstance(k, tuple) and k and k[0] in _LISTINGS]:
            del cache[key]
