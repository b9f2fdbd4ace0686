"""Who is the client? The direct peer, unless it is a trusted reverse proxy.

`X-Forwarded-For` is only believed when the direct peer is in `API_TRUSTED_PROXIES` (empty by
default: not even loopback is trusted, so `wasteroute api` runs uvicorn without its own proxy
header handling). Behind trusted proxies the hops are read right to left, each proxy's entry
written by the one after it, and the first hop that is not a trusted proxy is the client:
whatever a client writes into the header itself sits further left and is never reached.

The address is reduced to a throttling key: an IPv4 address as is, an IPv6 address as its /64
(one subscriber usually holds a whole /64), an IPv4-mapped IPv6 address as the IPv4 address.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

Networks = tuple[IPv4Network | IPv6Network, ...]
IPV6_PREFIX = 64


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _key(address: IPv4Address | IPv6Address) -> str:
    if isinstance(address, IPv6Address):
        return str(IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def _trusted(address: IPv4Address | IPv6Address, proxies: Networks) -> bool:
    return any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: Iterable[str], proxies: Networks) -> str:
    """The client's throttling key, from the direct peer and the X-Forwarded-For headers (all of
    them, in order) under the trusted proxies."""
    if not peer:
        return "unknown"
    current = _parse(peer)
    if current is None:
        return peer[:100]  # not an IP (a test client, a Unix socket): the peer's own name
    if not proxies or not _trusted(current, proxies):
        return _key(current)
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a proxy wrote no address: count against the last one we can name
        current = address
        if not _trusted(address, proxies):
            break
    return _key(current)
