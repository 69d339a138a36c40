"""`flask demo load`: demo data for a laptop. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from wallet.accounts import services as accounts
from wallet.accounts.models import Role, User
from wallet.core.db import session, unit_of_work
from wallet.funds.models import Fund
from wallet.funds.services import create_fund
from wallet.providers.models import Provider, ProviderStatus

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
    return [(email, role) for email, role, _name in LOGINS]


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo fund, provider and logins (idempotent)."""
    if current_app.config["ENVIRONMENT"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    logins = load_demo_data()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in logins:
        click.echo(f"  {role.value:<15} {email}")
