"""Telling endpoints on this machine from remote ones."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_local_endpoint", "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) only reaches this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_local_endpoint(url: str | None) -> bool:
    """Whether the endpoint URL names this machine (``lookout serve``, say)."""
    return bool(url) and is_loopback(urlsplit(str(url)).hostname or "")
