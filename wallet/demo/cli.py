"""`flask demo load`: demo data for a laptop. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from wallet.accounts import services as accounts
from wallet.accounts.models import Role, User
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.funds.models import Fund
from wallet.funds.services import create_fund, deposit
from wallet.grants.allocation import allocate
from wallet.providers.models import Provider, ProviderStatus
from wallet.reference import kansberoepen, municipalities
from wallet.schemes.models import Scheme
from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

demo_cli = AppGroup("demo", help="Demo data for trying Leerwallet out.")

DEMO_PASSWORD = "leerwallet-demo"  # noqa: S105 - printed on purpose; refused in production
FUND_NAME = "Twents Fonds voor Vakmanschap"
PROVIDER_KVK = "08123456"

LOGINS = [
    ("werkende@demo.leerwallet.nl", Role.WORKER, "Sanne de Vries"),
    ("opleider@demo.leerwallet.nl", Role.PROVIDER_STAFF, "Erik Nijhuis"),
    ("fonds@demo.leerwallet.nl", Role.FUND_ADMIN, "Marieke ter Horst"),
    ("beheer@demo.leerwallet.nl", Role.PLATFORM_ADMIN, "Platformbeheer"),
]


def _fund() -> Fund:
    fund = session.scalar(sa.select(Fund).where(Fund.name == FUND_NAME))
    return fund if fund is not None else create_fund(FUND_NAME)


def _provider() -> Provider:
    provider = session.scalar(sa.select(Provider).where(Provider.kvk_number == PROVIDER_KVK))
    if provider is None:
        with unit_of_work() as db:
            provider = Provider(
                name="Techniek Academie Twente",
                kvk_number=PROVIDER_KVK,
                status=ProviderStatus.ACCREDITED,
            )
            db.add(provider)
    return provider


def load_demo_data() -> list[tuple[str, Role]]:
    """Create the demo fund, provider and one user per role where missing."""
    fund, provider = _fund(), _provider()
    for email, role, name in LOGINS:
        if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            continue
        if role == Role.WORKER:
            accounts.register_worker(
                accounts.WorkerRegistration(
                    name=name,
                    email=email,
                    password=DEMO_PASSWORD,
                    date_of_birth=dt.date(1984, 5, 17),
                    municipality_code="enschede",
                    employment_status="employed",
                    sector="papier",
                    occupation="Machineoperator",
                    education_level=3,
                    target_occupation="Installatiemonteur",
                )
            )
        else:
            accounts.create_staff_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                provider=provider if role == Role.PROVIDER_STAFF else None,
                fund=fund if role == Role.FUND_ADMIN else None,
            )
    _budgets(fund)
    return [(email, role) for email, role, _name in LOGINS]


def _budgets(fund: Fund) -> None:
    """Money in the fund, an allocated Twente budget and a first-come scheme to apply for."""
    deposit(fund.id, 2_500_000_00, reference="Demo: bijdrage provincie", idempotency_key="demo-1")
    today = clock.today()
    twente = [m.code for m in municipalities().values() if m.in_twente]
    kansberoepen_twente = [o.name for o in kansberoepen() if o.region == "Twente"]
    entitlement = _scheme(
        fund,
        SchemeTerms(
            name="Scholingsbudget Twente",
            allocation_mode="entitlement",
            amount_cents=1_000_00,
            validity_months=24,
            rules={"municipalities": twente, "min_age": 18, "max_age": 67},
        ),
    )
    allocate(entitlement.id)
    _scheme(
        fund,
        SchemeTerms(
            name="Omscholing naar een kansberoep",
            allocation_mode="first_come",
            amount_cents=2_500_00,
            validity_months=18,
            window_opens_on=today - dt.timedelta(days=7),
            window_closes_on=today + dt.timedelta(days=60),
            total_cap_cents=250_000_00,
            rules={"co_funding_bps": 8_000, "target_occupations": kansberoepen_twente},
        ),
    )


def _scheme(fund: Fund, terms: SchemeTerms) -> Scheme:
    scheme = session.scalar(
        sa.select(Scheme).where(Scheme.fund_id == fund.id, Scheme.name == terms.name)
    )
    if scheme is None:
        scheme = activate_scheme(define_scheme(fund.id, terms).id)
    return scheme


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo fund, provider and logins (idempotent)."""
    if current_app.config["ENVIRONMENT"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    logins = load_demo_data()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in logins:
        click.echo(f"  {role.value:<15} {email}")
