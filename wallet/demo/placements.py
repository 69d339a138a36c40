"""Demo employer applications and placements (issue 11): Sectorplan Twente on the demo fund,
DTAB's process operators from other sectors, Tegelzetbedrijf Oost's BBL group, and
placements at each follow-up stage. Made through the services with the clock set back, so
the ledger holds what the decisions committed and released, as it would have happened.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session
from wallet.employers.models import Employer
from wallet.funds.models import Fund
from wallet.grants.validity import add_months
from wallet.placements import followups, reimbursements, review, services
from wallet.placements.models import EmployerApplication
from wallet.placements.persons import PersonInput
from wallet.providers.models import Provider
from wallet.reference import kansberoepen
from wallet.schemes.models import Scheme, SchemeStatus
from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

SCHEME_NAME = "Sectorplan Twente"
# Tile setters are not on the shipped kansberoepen list; the BBL group trains as carpenters
# (afbouw), the building trade's occupation on it.
BBL_OCCUPATION = "Timmerman"
TILES_LOGIN = "tegelzetter@demo.leerwallet.nl"


def _user(email: str) -> User:
    return session.scalar(sa.select(User).where(User.email == email))


def _at(day: dt.date):
    """The clock at noon on `day`."""
    return clock.frozen_at(dt.datetime.combine(day, dt.time(12), dt.UTC))


def employer_scheme(fund: Fund) -> Scheme:
    """The fund's active employer scheme, or a new Sectorplan Twente: half the training cost
    back, a quarter of it once the person is still employed after twelve months."""
    existing = session.scalar(
        sa.select(Scheme)
        .where(
            Scheme.fund_id == fund.id,
            Scheme.kind == "employer",
            Scheme.status == SchemeStatus.ACTIVE,
        )
        .order_by(Scheme.id)
    )
    if existing is not None:
        return existing
    today = clock.today()
    twente = {o.name for o in kansberoepen() if o.region == "Twente"}
    occupations = sorted(twente | {"Procesoperator", BBL_OCCUPATION})
    rules = {
        "share_bps": 5_000,
        "cap_per_person_cents": 7_500_00,
        "cap_per_employer_year_cents": 60_000_00,
        "total_budget_cents": 500_000_00,
        "starting_situations": ["other_sector", "ending_job", "benefit", "current_employee"],
        "target_occupations": occupations,
        "training_kinds": ["catalogue_run", "bespoke", "work_and_learn", "work_experience"],
        "retention_months": 12,
        "retention_share_bps": 2_500,
        "window_opens_on": (today - dt.timedelta(days=500)).isoformat(),
        "window_closes_on": (today + dt.timedelta(days=700)).isoformat(),
        "four_eyes_above_cents": 10_000_00,  # the demo fund has one administrator
    }
    terms = SchemeTerms(
        name=SCHEME_NAME,
        kind="employer",
        allocation_mode=None,
        amount_cents=None,
        validity_months=None,
        rules=rules,
    )
    return activate_scheme(define_scheme(fund.id, terms).id)


def _person(name: str, born: dt.date, starts: dt.date, provider: Provider, **values):
    return PersonInput(
        **{
            "full_name": name,
            "date_of_birth": born,
            "starting_situation": "other_sector",
            "from_sbi_code": None,
            "occupation": "Procesoperator",
            "contract_type": "permanent",
            "hours_per_week": 36,
            "start_date": starts,
            "training_kind": "bespoke",
            "quote_cents": 9_000_00,
            "provider_id": provider.id,
            "training_description": "Associate degree Procestechniek (hbo), deeltijd",
            **values,
        }
    )


def _bbl(name: str, born: dt.date, starts: dt.date, provider: Provider, came_from: str):
    return _person(
        name,
        born,
        starts,
        provider,
        from_sbi_code=came_from,
        occupation=BBL_OCCUPATION,
        contract_type="work_and_learn",
        training_kind="work_and_learn",
        quote_cents=6_400_00,
        hours_per_week=38,
        training_description="BBL mbo 2 Afbouw en tegelwerk, 2 jaar",
    )


def _apply(staff: User, employer: Employer, scheme: Scheme, on: dt.date, persons) -> list[int]:
    """Compose and send on `on`; the placements' ids."""
    with _at(on):
        application = services.compose_application(staff, employer.id, scheme.id, persons)
        services.submit_application(staff, application.id)
        return [p.id for p in application.placements]


def _approve(admin: User, placement_id: int, on: dt.date) -> None:
    with _at(on):
        review.review(placement_id, "approve", actor=admin)


def _follow_up(staff: User, placement_id: int, months: int, employed: bool, note: str = ""):
    placement = services.visible_placement(placement_id, staff)
    due = add_months(placement.start_date, months)
    with _at(due + dt.timedelta(days=3)):
        followups.record_follow_up(
            placement_id, months, actor=staff, still_employed=employed, note=note
        )


def _reimburse(
    staff: User,
    admin: User | None,
    placement_id: int,
    part: str,
    invoice: tuple[str, dt.date],
    sent: dt.date,
    approved: dt.date | None,
) -> None:
    """The employer claims a part with the provider's paid invoice (number, date; € 9.000, all
    eligible) and its proofs on `sent`; the fund approves it on `approved` (None: it waits)."""
    from wallet.demo.cli import _demo_pdf

    document = _demo_pdf()
    data = reimbursements.ReimbursementInput(
        part=part,
        invoice_number=invoice[0],
        invoice_date=invoice[1],
        invoice_cents=9_000_00,
        eligible_cents=9_000_00,
        invoice_pdf=document,
        payment_proof_pdf=document,
        employment_proof_pdf=document,
    )
    with _at(sent):
        claim = reimbursements.submit(staff, placement_id, data)
    if approved is not None:
        with _at(max(approved, sent)):
            reimbursements.review(claim.id, "approve", actor=admin)


def load(fund: Fund, provider: Provider, dtab: Employer, tiles: Employer) -> None:
    """DTAB: a process operator retained after twelve months and one from retail on an hbo
    course with the 6-month follow-up recorded. Tegelzetbedrijf Oost: two BBL starters of
    last year (one follow-up due now, one ended early) and a group of four sent this month
    (three approved, one in review). Made once."""
    scheme = employer_scheme(fund)
    if (
        session.scalar(
            sa.select(EmployerApplication.id).where(EmployerApplication.fund_id == fund.id)
        )
        is not None
    ):
        return
    today = clock.today()
    admin = _user("fonds@demo.leerwallet.nl")
    dtab_staff, tiles_staff = _user("werkgever@demo.leerwallet.nl"), _user(TILES_LOGIN)
    day = lambda days: today - dt.timedelta(days=days)  # noqa: E731 - a short local helper

    (retained,) = _apply(
        dtab_staff,
        dtab,
        scheme,
        day(410),
        [
            _person(
                "Marloes Brinkhuis",
                dt.date(1983, 2, 7),
                day(395),
                provider,
                from_sbi_code="86",
                starting_situation="ending_job",
            )
        ],
    )
    _approve(admin, retained, day(404))
    invoice = ("PTA-2025-0412", day(372))
    _reimburse(dtab_staff, admin, retained, "first", invoice, day(370), day(366))
    _follow_up(dtab_staff, retained, 6, True)
    _follow_up(dtab_staff, retained, 12, True, "Vast in dienst als operator B.")
    _reimburse(dtab_staff, admin, retained, "retention", invoice, day(20), day(18))

    (hbo,) = _apply(
        dtab_staff,
        dtab,
        scheme,
        day(215),
        [_person("Jeroen Koopman", dt.date(1990, 9, 23), day(200), provider, from_sbi_code="47")],
    )
    _approve(admin, hbo, day(209))
    _follow_up(dtab_staff, hbo, 6, True, "Haalt zijn eerste tentamens; draait volcontinu mee.")
    _reimburse(dtab_staff, None, hbo, "first", ("PTA-2026-0977", day(3)), day(2), None)

    due_now, ended = _apply(
        tiles_staff,
        tiles,
        scheme,
        day(205),
        [
            _bbl("Kevin Lammers", dt.date(1996, 11, 2), day(185), provider, "49"),
            _bbl("Dennis Scholten", dt.date(1979, 6, 30), day(185), provider, "56"),
        ],
    )
    _approve(admin, due_now, day(198))
    _approve(admin, ended, day(198))
    with _at(day(60)):
        followups.close(
            ended,
            "end_early",
            actor=tiles_staff,
            reason="Terug naar de horeca; BBL-contract in de proeftijd beëindigd.",
        )

    group = _apply(
        tiles_staff,
        tiles,
        scheme,
        day(12),
        [
            _bbl("Yusuf Demir", dt.date(2001, 3, 14), day(-20), provider, "47"),
            _bbl("Lotte Nijenhuis", dt.date(1998, 8, 5), day(-20), provider, "88"),
            _bbl("Bart Hofstede", dt.date(1987, 1, 19), day(-20), provider, "52"),
            _bbl("Ahmed el Amrani", dt.date(1993, 12, 1), day(-20), provider, "49"),
        ],
    )
    for placement_id in group[:3]:
        _approve(admin, placement_id, day(4))
