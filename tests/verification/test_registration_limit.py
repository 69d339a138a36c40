"""Registration is limited per address and per network, with a clear 429 page."""

import pytest
import sqlalchemy as sa

from tests.verification.helpers import worker_form
from wallet.accounts.models import User
from wallet.verification.signals import network_of


def _register(client, n: int, ip: str):
    client.post("/logout")
    return client.post(
        "/register",
        data=worker_form(email=f"w{n}@example.nl", name=f"W {n}"),
        environ_base={"REMOTE_ADDR": ip},
    )


@pytest.fixture
def limits(app):
    old = {
        key: app.config[key]
        for key in ("REGISTRATION_LIMIT_PER_ADDRESS", "REGISTRATION_LIMIT_PER_NETWORK")
    }
    app.config.update(REGISTRATION_LIMIT_PER_ADDRESS=2, REGISTRATION_LIMIT_PER_NETWORK=3)
    yield
    app.config.update(old)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.17", "192.0.2.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("not an address", "not an address"),
    ],
)
def test_the_network_of_an_address(address, network):
    assert network_of(address) == network


def test_one_address_registers_its_share_then_gets_a_429_page(client, db, limits):
    assert _register(client, 1, "192.0.2.1").status_code == 302
    assert _register(client, 2, "192.0.2.1").status_code == 302
    refused = _register(client, 3, "192.0.2.1")
    assert refused.status_code == 429
    assert "Er zijn de laatste tijd te veel accounts gemaakt" in refused.text
    assert db.scalar(sa.select(sa.func.count(User.id))) == 2


def test_a_network_registers_more_than_an_address_but_not_without_end(client, db, limits):
    assert _register(client, 1, "192.0.2.1").status_code == 302
    assert _register(client, 2, "192.0.2.2").status_code == 302
    assert _register(client, 3, "192.0.2.3").status_code == 302
    assert _register(client, 4, "192.0.2.4").status_code == 429
    assert _register(client, 5, "198.51.100.1").status_code == 302  # another network
    assert db.scalar(sa.select(sa.func.count(User.id))) == 4


def test_ipv6_addresses_count_per_64(client, db, limits):
    for n in range(3):
        assert _register(client, n, f"2001:db8:0:1::{n + 1}").status_code == 302
    assert _register(client, 9, "2001:db8:0:1:ffff::1").status_code == 429
    assert _register(client, 10, "2001:db8:0:2::1").status_code == 302
