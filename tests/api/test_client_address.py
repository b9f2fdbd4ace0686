"""The client address the login limiter counts (api.client_address): X-Forwarded-For only
behind a trusted proxy, read right to left."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from api.client_address import client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        # no trusted proxies (the default): the header is ignored, loopback included
        ("127.0.0.1", ["203.0.113.9"], (), "127.0.0.1"),
        ("192.0.2.1", ["203.0.113.9"], PROXIES, "192.0.2.1"),
        # behind a trusted proxy: the right-most hop that is not a proxy
        ("10.0.0.1", ["203.0.113.9"], PROXIES, "203.0.113.9"),
        ("10.0.0.1", ["1.1.1.1, 203.0.113.9, 10.0.0.2"], PROXIES, "203.0.113.9"),
        ("10.0.0.1", ["1.1.1.1", "203.0.113.9"], PROXIES, "203.0.113.9"),
        # a trusted proxy that sends no header is itself the client (health checks)
        ("10.0.0.1", [], PROXIES, "10.0.0.1"),
        # garbage where a proxy should have written an address: the last address we can name
        ("10.0.0.1", ["203.0.113.9, not-an-ip"], PROXIES, "10.0.0.1"),
        # IPv6: one /64 is one client; IPv4-mapped is IPv4
        ("2001:db8::1", [], (), "2001:db8::/64"),
        ("2001:db8:ffff::1", ["2001:db8:1:2:3:4:5:6"], PROXIES, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.5", [], (), "192.0.2.5"),
        # no peer, or a peer that is no address
        (None, ["203.0.113.9"], PROXIES, "unknown"),
        ("testclient", ["203.0.113.9"], PROXIES, "testclient"),
    ],
)
def test_client_address(peer, forwarded, proxies, expected):
    """Each case: the address the limiter counts."""
    assert client_address(peer, forwarded, proxies) == expected


def test_the_setting_takes_addresses_and_networks(database_url):
    """API_TRUSTED_PROXIES: comma-separated addresses and networks; anything else is refused
    naming the bad item."""
    import pydantic

    from api import ApiSettings

    base = {"database_url": database_url, "jwt_secret": "s" * 40}
    settings = ApiSettings(**base, trusted_proxies=" 10.0.0.0/8, 192.0.2.7 ,")
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32"]
    assert ApiSettings(**base).trusted_proxies == ()
    with pytest.raises(pydantic.ValidationError, match="proxy.example"):
        ApiSettings(**base, trusted_proxies="proxy.example")
