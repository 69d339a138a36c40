"""Broker fixtures: a fund with its administrator, two brokers, and a caseload entry."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from flask import Flask

from wallet.accounts.models import Role


@pytest.fixture
def team(app: Flask, make_staff, make_employer_user) -> SimpleNamespace:
    """A fund's administrator, brokers Anna and Bram, and employer DTAB in Anna's caseload."""
    from wallet.brokers import services

    admin = make_staff(Role.FUND_ADMIN)
    anna = make_staff(Role.BROKER, name="Anna Makelaar", fund_id=admin.fund_id)
    bram = make_staff(Role.BROKER, name="Bram Makelaar", fund_id=admin.fund_id)
    employer = make_employer_user(name="DTAB Twente").employer
    with app.app_context():
        entry = services.add_to_caseload(employer.id, actor_id=anna.id)
    return SimpleNamespace(
        admin=admin, anna=anna, bram=bram, employer=employer, entry=entry, fund_id=admin.fund_id
    )


@pytest.fixture
def other_fund_broker(make_staff) -> Callable:
    """A broker (and so a fund) of another fund."""
    return lambda: make_staff(Role.BROKER, name="Vreemde Makelaar")
