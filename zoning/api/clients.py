"""Who is calling: the client address the rate limits count by.

Behind a reverse proxy (nginx on the same machine) every request comes from the proxy's
address, so a limit per socket peer would hold everyone off at once. ``CAMPUSGRID_TRUSTED_
PROXIES`` names the proxies (comma-separated addresses or networks, e.g.
``127.0.0.1,10.0.0.0/8``; default: none). Only when the socket peer is one of them is
``X-Forwarded-For`` believed, and then its right-most address that is not a trusted proxy
is the client (the left part of the header is whatever the client sent, so it is never
believed). Anyone else's ``X-Forwarded-For`` is ignored.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Collection
from functools import lru_cache

from starlette.types import Scope

from zoning.errors import InvalidInput

__all__ = ["TRUSTED_PROXIES_ENV", "client_address", "parse_proxies", "trusted_proxies"]

#: Comma-separated addresses (or networks) of the reverse proxies in front of the server.
TRUSTED_PROXIES_ENV = "CAMPUSGRID_TRUSTED_PROXIES"
#: Longest client key kept from a header (characters): a rate-limit key, not free text.
MAX_KEY = 100

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_proxies(text: str) -> frozenset[Network]:
    """Return the networks of ``text`` (comma-separated addresses or networks; blank: none).

    Raises InvalidInput naming the first entry that is neither.
    """
    found: set[Network] = set()
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            found.add(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            raise InvalidInput(
                f"{TRUSTED_PROXIES_ENV}: {entry!r} is not an IP address or network: give the "
                "reverse proxies' addresses separated by commas, e.g. 127.0.0.1,10.0.0.0/8."
            ) from None
    return frozenset(found)


def trusted_proxies() -> frozenset[Network]:
    """Return the proxies of ``$CAMPUSGRID_TRUSTED_PROXIES`` (none when unset). Raises
    InvalidInput for an entry that is not an address or network."""
    return parse_proxies(os.environ.get(TRUSTED_PROXIES_ENV, ""))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(text: str, proxies: Collection[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in proxies)


def _forwarded_for(scope: Scope) -> list[str]:
    """Return the hops of every ``X-Forwarded-For`` header, left to right."""
    hops: list[str] = []
    for key, value in scope.get("headers", ()):
        if key.lower() == b"x-forwarded-for":
            hops += [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
    return hops


def client_address(scope: Scope, proxies: Collection[Network] | None = None) -> str:
    """Return the client's address of an HTTP or websocket ``scope``: the socket peer, or,
    when the peer is a trusted proxy (``proxies``, default :func:`trusted_proxies`), the
    right-most ``X-Forwarded-For`` hop that is not one ("unknown" without a peer). A setting
    that does not parse trusts no proxy (``campusgrid serve`` refuses to start with it)."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if proxies is None:
        try:
            proxies = trusted_proxies()
        except InvalidInput:
            proxies = frozenset()
    trusted = proxies
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = _forwarded_for(scope)
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            address = _address(hop)
            return str(address) if address is not None else hop[:MAX_KEY]
    return hops[0][:MAX_KEY] if hops else peer
