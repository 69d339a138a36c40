"""`flask demo load`: demo data for a laptop. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from wallet.accounts import services as accounts
from wallet.accounts.models import Role, User
from wallet.catalogue.generator import generate
from wallet.catalogue.imports import import_courses
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict
from wallet.demo import placements
from wallet.employers import services as employers
from wallet.employers.models import Employer, EmployerStatus
from wallet.funds.models import Fund
from wallet.funds.services import create_fund, deposit
from wallet.grants.allocation import allocate
from wallet.providers.models import Provider, ProviderStatus
from wallet.providers.services import (
    AccreditationClaim,
    ProviderDetails,
    add_accreditation,
    update_details,
)
from wallet.reference import kansberoepen, municipalities
from wallet.schemes.models import Scheme
from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme
from wallet.twofactor import services as twofactor
from wallet.verification.links import mark_verified

demo_cli = AppGroup("demo", help="Demo data for trying Leerwallet out.")

DEMO_PASSWORD = "leerwallet-demo"  # noqa: S105 - printed on purpose; refused in production
# Every demo staff account's authenticator secret (base32): type it into an authenticator
# app, or ask `flask --app wallet demo totp EMAIL` for the current code.
DEMO_TOTP_SECRET = "LEERWALLETDEMOTOTPSECRETFORSTAFF"  # noqa: S105 - printed on purpose
FUND_NAME = "Twents Fonds voor Vakmanschap"
PROVIDER_KVK = "08123456"
EMPLOYER_KVK = "08654321"

LOGINS = [
    ("werkende@demo.leerwallet.nl", Role.WORKER, "Sanne de Vries"),
    ("cursist@demo.leerwallet.nl", Role.WORKER, "Daan Kuipers"),
    ("opleider@demo.leerwallet.nl", Role.PROVIDER_STAFF, "Erik Nijhuis"),
    ("werkgever@demo.leerwallet.nl", Role.EMPLOYER_STAFF, "Ilse Hofman"),
    ("fonds@demo.leerwallet.nl", Role.FUND_ADMIN, "Marieke ter Horst"),
    (placements.TILES_LOGIN, Role.EMPLOYER_STAFF, "Henk Wolters"),
    ("makelaar@demo.leerwallet.nl", Role.BROKER, "Gerrit Oude Nijhuis"),
    ("beheer@demo.leerwallet.nl", Role.PLATFORM_ADMIN, "Platformbeheer"),
]


def _fund() -> Fund:
    fund = session.scalar(sa.select(Fund).where(Fund.name == FUND_NAME))
    fund = fund if fund is not None else create_fund(FUND_NAME)
    if not fund.iban:  # the debtor of the demo's SEPA files
        with unit_of_work():
            fund.iban, fund.bic = "NL44RABO0123456789", "RABONL2U"
    return fund


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


def _employer() -> Employer:
    """An employer like the seed's DTAB: process operators, hiring from other sectors."""
    employer = session.scalar(sa.select(Employer).where(Employer.kvk_number == EMPLOYER_KVK))
    if employer is None:
        with unit_of_work() as db:
            employer = Employer(
                name="DTAB Twente",
                kvk_number=EMPLOYER_KVK,
                sbi_code="20",
                street="Twentekanaal Zuid 8",
                postcode="7554 RV",
                city="Hengelo",
                municipality_code="hengelo",
                iban="NL20INGB0001234567",
                bic="INGBNL2A",
                contact_email="hr@dtab.example",
                status=EmployerStatus.PENDING,
            )
            db.add(employer)
    if employer.status == EmployerStatus.PENDING:
        employers.change_status(
            employer.id, "verify", reason="Demo: KvK-uittreksel gecontroleerd", actor_id=None
        )
    return employer


def load_demo_data() -> list[tuple[str, Role]]:
    """Create the demo fund, provider, employer and one user per role where missing."""
    fund, provider, employer, tiles = _fund(), _provider(), _employer(), _tiles()
    employer_of = {placements.TILES_LOGIN: tiles}
    for email, role, name in LOGINS:
        if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            continue
        if role == Role.WORKER:
            worker = accounts.register_worker(
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
            with unit_of_work():  # the demo worker's address counts as verified
                mark_verified(worker, how="demo")
        else:
            accounts.create_staff_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                provider=provider if role == Role.PROVIDER_STAFF else None,
                fund=fund if role in (Role.FUND_ADMIN, Role.BROKER) else None,
                employer=employer_of.get(email, employer) if role == Role.EMPLOYER_STAFF else None,
            )
    _second_factors()
    _budgets(fund)
    _catalogue(provider)
    _claim_waiting(provider)
    _caseload(employer, tiles)
    placements.load(fund, provider, employer, tiles)
    return [(email, role) for email, role, _name in LOGINS]


def _second_factors() -> None:
    """Demo staff sign in with the known secret (staff must have a second factor)."""
    for email, _role, _name in LOGINS:
        user = session.scalar(sa.select(User).where(User.email == email))
        if twofactor.must_enrol(user) and twofactor.factor_of(user.id) is None:
            twofactor.set_known_secret(user, DEMO_TOTP_SECRET)


TILES_KVK = "08765432"


def _tiles() -> Employer:
    """Like the seed's tile setters: newcomers from other sectors on a BBL route."""
    tiles = session.scalar(sa.select(Employer).where(Employer.kvk_number == TILES_KVK))
    if tiles is None:
        with unit_of_work() as db:
            tiles = Employer(
                name="Tegelzetbedrijf Oost",
                kvk_number=TILES_KVK,
                sbi_code="43",
                street="Bornsestraat 21",
                postcode="7601 GA",
                city="Almelo",
                municipality_code="almelo",
                iban="NL91ABNA0417164300",
                bic="ABNANL2A",
                contact_email="info@tegelzetbedrijf-oost.example",
                status=EmployerStatus.PENDING,
            )
            db.add(tiles)
    if tiles.status == EmployerStatus.PENDING:
        employers.change_status(
            tiles.id, "verify", reason="Demo: KvK-uittreksel gecontroleerd", actor_id=None
        )
    return tiles


def _caseload(dtab: Employer, tiles: Employer) -> None:
    """The broker's caseload: DTAB preparing an application, a tile setter as a fresh lead."""
    from wallet.brokers import services as brokers
    from wallet.brokers.models import CaseloadEntry

    broker = session.scalar(sa.select(User).where(User.email == "makelaar@demo.leerwallet.nl"))
    if session.scalar(sa.select(CaseloadEntry.id).where(CaseloadEntry.broker_id == broker.id)):
        return
    today = clock.today()
    entry = brokers.add_to_caseload(dtab.id, actor_id=broker.id)
    brokers.log_contact(
        entry.id,
        kind="visit",
        contacted_on=today - dt.timedelta(days=20),
        note="Kennismaking met HR: veel vraag naar procesoperators C; een "
        "zij-instromer uit de zorg wil de hbo-operatorsopleiding volgen.",
        actor_id=broker.id,
    )
    brokers.move_stage(
        entry.id, "prepare", actor_id=broker.id, note="Aanvraag voor één operator wordt voorbereid."
    )
    brokers.plan_next_step(
        entry.id,
        next_step="Offerte opleiding ophalen",
        actor_id=broker.id,
        next_step_on=today + dt.timedelta(days=10),
    )
    entry = brokers.add_to_caseload(
        tiles.id,
        actor_id=broker.id,
        next_step="Tweede bezoek met de opleider (BBL Tegelzetten)",
        next_step_on=today + dt.timedelta(days=3),
    )
    brokers.log_contact(
        entry.id,
        kind="call",
        contacted_on=today - dt.timedelta(days=9),
        note="Eigenaar gebeld: zoekt vier tegelzetters, ook uit andere sectoren.",
        actor_id=broker.id,
    )
    brokers.log_contact(
        entry.id,
        kind="visit",
        contacted_on=today - dt.timedelta(days=2),
        note="Werkplaats bezocht; BBL-traject mbo 2 Tegelzetten uitgelegd.",
        actor_id=broker.id,
    )


def _claim_waiting(provider: Provider) -> None:
    """Daan finished a safety course last week; the provider's invoice waits for review."""
    from wallet.applications import services as applications
    from wallet.applications.models import Application
    from wallet.catalogue.models import Course, CourseRun
    from wallet.claims import services as claims
    from wallet.claims.models import ClaimKind

    worker = session.scalar(sa.select(User).where(User.email == "cursist@demo.leerwallet.nl"))
    if session.scalar(sa.select(Application.id).where(Application.user_id == worker.id)):
        return
    staff = session.scalar(sa.select(User).where(User.email == "opleider@demo.leerwallet.nl"))
    run = session.scalar(
        sa.select(CourseRun)
        .join(Course)
        .where(Course.provider_id == provider.id, Course.code == "VCA-B")
    )
    with clock.frozen_at(clock.now() - dt.timedelta(days=40)):  # applied before the start
        plan = applications.plan_for(worker.id, run)
        application = applications.apply(
            worker, run.id, password=DEMO_PASSWORD, expected_copay_cents=plan.copay_cents
        )
        applications.decide(application.id, "confirm", actor=staff)
    with clock.frozen_at(clock.now() - dt.timedelta(days=29)):
        applications.decide(application.id, "start", actor=staff)
    with clock.frozen_at(clock.now() - dt.timedelta(days=2)):
        applications.decide(application.id, "complete", actor=staff)
    claims.submit(
        staff,
        application.id,
        claims.ClaimInput(
            kind=ClaimKind.FINAL,
            invoice_number="TAT-2026-0001",
            invoice_date=clock.today(),
            amount_cents=plan.covered_cents,
            vat_cents=0,
            attendance_pct=100,
            description="VCA Basisveiligheid, 2 dagen, examen behaald",
            invoice_pdf=_demo_pdf(),
        ),
    )


def _demo_pdf() -> bytes:
    """A one-page PDF standing in for the provider's invoice."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Factuur TAT-2026-0001"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _catalogue(provider: Provider) -> None:
    """The demo provider's own courses (by CSV import) and a generated regional catalogue."""
    if not provider.accreditations:
        claim = AccreditationClaim(
            kind="crkbo",
            reference="CRKBO-2019-0815",
            evidence="https://www.crkbo.nl/register",
            valid_from=clock.today() - dt.timedelta(days=400),
        )
        add_accreditation(provider.id, claim, actor_id=None)
        update_details(provider.id, DEMO_DETAILS, actor_id=None)
        with unit_of_work():  # demo data: a real provider asks on its bank details page
            provider.iban, provider.bic = "NL91ABNA0417164300", "ABNANL2A"
    import_courses(provider.id, "demo.csv", _demo_csv(), actor_id=None)
    with suppress(Conflict):  # generated before: the same seed makes the same catalogue
        generate(400, seed=2026)


DEMO_DETAILS = ProviderDetails(
    name="Techniek Academie Twente",
    vat_number="NL004495445B01",
    street="Hengelosestraat 500",
    postcode="7521 AN",
    city="Enschede",
    contact_email="opleidingen@techniekacademie.example",
    contact_phone="053 480 0000",
    website="https://www.techniekacademie.example",
)


def _demo_csv() -> bytes:
    """The provider's catalogue as a CSV file, dates counted from today."""
    today = clock.today()
    rows = [
        (
            "INST-W",
            "Installatiemonteur W (BBL)",
            "mbo_bbl",
            3,
            800,
            "4.950,00",
            "installatietechniek|sanitair|verwarming",
            "Installatiemonteur",
            45,
            365,
        ),
        (
            "WP-1",
            "Warmtepompen installeren",
            "certificate",
            3,
            40,
            "1.495,00",
            "warmtepomp|F-gassen",
            "Warmtepompinstallateur",
            21,
            35,
        ),
        (
            "LAS-MIG",
            "MIG/MAG-lassen voor zij-instromers",
            "certificate",
            2,
            80,
            "2.400,00",
            "lassen|MIG/MAG",
            "Lasser",
            14,
            70,
        ),
        # Started a month ago: the demo's finished course with a claim waiting for review.
        (
            "VCA-B",
            "VCA Basisveiligheid",
            "certificate",
            2,
            16,
            "345,00",
            "veiligheid",
            "Operator",
            -30,
            1,
        ),
    ]
    # English and German titles, for cross-border workers searching in their own language.
    translated = {
        "INST-W": ("Installation technician W (work-based)", "Installateur W (berufsbegleitend)"),
        "WP-1": ("Installing heat pumps", "Wärmepumpen installieren"),
        "LAS-MIG": ("MIG/MAG welding for career changers", "MIG/MAG-Schweißen für Quereinsteiger"),
        "VCA-B": ("VCA basic safety", "VCA Grundlagen Sicherheit"),
    }
    lines = [
        "course_code;title_nl;description_nl;kind;sector;hours;modality;language;"
        "municipality;price;vat;run_code;starts_on;ends_on;seats;nlqf_level;skills;"
        "occupations;title_en;title_de"
    ]
    for code, title, kind, level, hours, price, skills, occupation, start, length in rows:
        for run in (1, 2):
            begins = today + dt.timedelta(days=start + (run - 1) * 90)
            if code == "VCA-B" and run == 2:
                break
            ends = begins + dt.timedelta(days=length)
            lines.append(
                f"{code};{title};{title}: praktijkgerichte opleiding in ons leerbedrijf in "
                f"Enschede.;{kind};techniek;{hours};classroom;nl;enschede;{price};exempt;"
                f"R{run};{begins};{ends};12;{level};{skills};{occupation};"
                + ";".join(translated[code])
            )
    return ("\n".join(lines) + "\n").encode()


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
    click.echo(
        f"Staff accounts ask for a code from an authenticator app with the secret "
        f"{DEMO_TOTP_SECRET} (time-based, 6 digits, 30 seconds); or print the current "
        f"code with: flask --app wallet demo totp EMAIL"
    )


@demo_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print the current second-factor code of a demo account."""
    if current_app.config["ENVIRONMENT"] == "production":
        raise click.ClickException("Demo codes are never printed in production.")
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    code = twofactor.current_code(user) if user is not None else None
    if code is None:
        raise click.ClickException(f"{email} has no authenticator app set up.")
    click.echo(code)
