"""Credentials resolved at the first request instead of when a client is built.

botocore resolves credentials while it builds a client. With nothing configured, its
chain ends at the EC2 instance metadata service: a network call, and a delay of a
second or more off EC2. ``LookoutVision(...)`` promises to make no network call when it
is built, so it hands botocore a provider whose credentials look themselves up on first
use, through the session's own unchanged chain.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import NoCredentialsError

__all__ = ["DeferredCredentialProvider", "DeferredCredentials", "defer_credentials"]


class DeferredCredentials(Credentials):
    """Credentials that run a provider chain the first time they are needed."""

    method = "deferred"

    def __init__(self, provider: Any) -> None:  # the parent's fields are properties here
        self._provider = provider
        self._resolved: Credentials | None = None
        self._lock = threading.Lock()

    def _get(self) -> Credentials:
        if self._resolved is None:
            with self._lock:
                if self._resolved is None:
                    found = self._provider.load_credentials()
                    if found is None:
                        raise NoCredentialsError()
                    self._resolved = found
        return self._resolved

    @property
    def access_key(self) -> str:  # type: ignore[override]
        """The access key id."""
        return str(self._get().access_key)

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        """The secret access key."""
        return str(self._get().secret_key)

    @property
    def token(self) -> str | None:  # type: ignore[override]
        """The session token, if any."""
        token = self._get().token
        return None if token is None else str(token)

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        """Resolve (once) and return a consistent snapshot of the credentials."""
        return self._get().get_frozen_credentials()


class DeferredCredentialProvider:
    """Wrap a session's credential provider so that loading it does no work yet."""

    def __init__(self, chain: Any) -> None:
        self.chain = chain

    def load_credentials(self) -> DeferredCredentials:
        """Return credentials that consult the wrapped chain on first use."""
        return DeferredCredentials(self.chain)


def defer_credentials(botocore_session: Any) -> None:
    """Make ``botocore_session`` resolve its credentials lazily (idempotent)."""
    chain = botocore_session.get_component("credential_provider")
    if not isinstance(chain, DeferredCredentialProvider):
        botocore_session.register_component(
            "credential_provider", DeferredCredentialProvider(chain)
        )
