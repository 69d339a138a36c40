"""A fund with an employer scheme, two administrators, a broker, a verified employer (DTAB)
with its caseload entry, another verified employer, and an accredited provider."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from flask import Flask

from tests.schemes import conftest as schemes
from wallet.accounts.models import Role
from wallet.core import clock

make_employer_scheme = schemes.make_employer_scheme  # the fixture, here too


def person(**changes) -> dict:
    """A valid person for the scheme of `scene`: a process operator from another sector."""
    from wallet.placements.persons import PersonInput

    values = {
        "full_name": "Sanne de Vries",
        "date_of_birth": dt.date(1988, 4, 12),
        "starting_situation": "other_sector",
        "from_sbi_code": "47",
        "occupation": "Procesoperator",
        "contract_type": "permanent",
        "hours_per_week": 36,
        "start_date": clock.today() + dt.timedelta(days=30),
        "training_kind": "bespoke",
        "quote_cents": 800_000,
        "training_description": "Procesoperator B (mbo-4), maatwerk",
        "provider_id": None,
    }
    values.update(changes)
    return PersonInput(**values)


@pytest.fixture
def scene(
    app: Flask, make_fund, make_staff, make_employer_user, make_employer_scheme, accredited_provider
):
    """Everything an employer application needs; `scheme_changes` via make_scene."""
    return _scene(
        app, make_fund, make_staff, make_employer_user, make_employer_scheme, accredited_provider
    )


def _scene(
    app,
    make_fund,
    make_staff,
    make_employer_user,
    make_employer_scheme,
    provider,
    deposit: int = 10_000_000,
    **scheme_changes,
) -> SimpleNamespace:
    from wallet.brokers import services as brokers
    from wallet.employers import services as employers

    fund = make_fund(deposit)
    scheme_changes.setdefault("four_eyes_above_cents", 1_000_000)  # one pair of eyes by default
    scheme = make_employer_scheme(fund, **scheme_changes)
    admin = make_staff(Role.FUND_ADMIN, fund_id=fund.id, name="Fatma Yilmaz")
    admin2 = make_staff(Role.FUND_ADMIN, fund_id=fund.id, name="Gerrit Mulder")
    broker = make_staff(Role.BROKER, fund_id=fund.id, name="Anna Makelaar")
    dtab = make_employer_user(name="DTAB Twente")
    other = make_employer_user(name="Tegelzetbedrijf Oost")
    with app.app_context():
        for user in (dtab, other):
            employers.change_status(user.employer_id, "verify", reason="KvK checked", actor_id=None)
        brokers.add_to_caseload(dtab.employer_id, actor_id=broker.id)
    return SimpleNamespace(
        fund=fund,
        scheme=scheme,
        admin=admin,
        admin2=admin2,
        broker=broker,
        dtab=dtab,
        other=other,
        provider=provider,
    )


@pytest.fixture
def make_scene(
    app, make_fund, make_staff, make_employer_user, make_employer_scheme, accredited_provider
):
    """make_scene(deposit=..., **scheme rule changes) -> a scene like `scene`."""

    def make(**changes):
        return _scene(
            app,
            make_fund,
            make_staff,
            make_employer_user,
            make_employer_scheme,
            accredited_provider,
            **changes,
        )

    return make
