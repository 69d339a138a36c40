"""Employers' reimbursement claims at the service level: what is paid of an invoice, the
staged part after the retention follow-up, what is released, who may, bad input that writes
nothing, fraud flags; `ledger verify` clean after each."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.claims.conftest import pdf
from tests.placements.conftest import person
from wallet.accounts.models import User
from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.ledger.models import Hold, HoldStatus
from wallet.ledger.services import balance
from wallet.placements import followups, reimbursements, review, services
from wallet.placements.models import Placement, ReimbursementClaim, ReimbursementStatus
from wallet.placements.review import employer_payable
from wallet.schemes.models import Scheme

TODAY = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
PDF = pdf()
EXAMPLE = itertools.count()


def claim(**changes) -> reimbursements.ReimbursementInput:
    values = {
        "part": "first",
        "invoice_number": "F-2027-001",
        "invoice_date": dt.date(2026, 12, 1),
        "invoice_cents": 800_000,
        "eligible_cents": 800_000,
        "invoice_pdf": PDF,
        "payment_proof_pdf": PDF,
        "employment_proof_pdf": PDF,
    }
    values.update(changes)
    return reimbursements.ReimbursementInput(**values)


def _user(user) -> User:
    return session.get(User, user.id)


def _approved(app, scene, employer=None, **changes) -> int:
    """A placement of `employer` (DTAB), approved for € 4.000: € 3.000 now, € 1.000 after six
    months of employment."""
    employer = employer or scene.dtab
    with app.app_context():
        staff = _user(employer)
        application = services.compose_application(
            staff,
            staff.employer_id,
            scene.scheme.id,
            [person(provider_id=scene.provider.provider_id, **changes)],
        )
        services.submit_application(staff, application.id)
        placement_id = application.placements[0].id
        review.review(placement_id, "approve", actor=_user(scene.admin))
        return placement_id


def _payable(scene) -> int:
    return balance(employer_payable(scene.dtab.employer_id)).posted_cents


def _six_months_on(app, placement_id: int):
    with app.app_context():
        start = session.get(Placement, placement_id).start_date
    return clock.frozen_at(
        dt.datetime.combine(start + dt.timedelta(days=190), dt.time(9), tzinfo=dt.UTC)
    )


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(TODAY):
        yield


def test_the_first_part_is_paid_of_the_invoice_and_the_rest_after_six_months(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        first = reimbursements.submit(dtab, placement_id, claim())
        assert (first.reimbursement_cents, first.amount_cents) == (400_000, 300_000)
        with pytest.raises(Forbidden):
            reimbursements.review(first.id, "approve", actor=dtab)
        reimbursements.review(first.id, "approve", actor=admin)
        assert _payable(scene) == 300_000
        with pytest.raises(Conflict):  # the follow-up at six months is not recorded yet
            reimbursements.submit(dtab, placement_id, claim(part="retention"))
        assert verify() == []
    with _six_months_on(app, placement_id), app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        followups.record_follow_up(placement_id, 6, actor=dtab, still_employed=True)
        later = reimbursements.submit(dtab, placement_id, claim(part="retention"))
        assert later.amount_cents == 100_000
        reimbursements.review(later.id, "approve", actor=admin)
        assert _payable(scene) == 400_000
        placement = session.get(Placement, placement_id)
        assert placement.committed_cents == 400_000
        assert {
            session.get(Hold, h).status for h in (placement.hold_id, placement.retention_hold_id)
        } == {HoldStatus.POSTED}
        assert verify() == []


def test_a_smaller_invoice_releases_what_it_does_not_use(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        smaller = claim(invoice_cents=600_000, eligible_cents=500_000)
        first = reimbursements.submit(dtab, placement_id, smaller)
        # 50 % of € 5.000 eligible is € 2.500; a quarter of it waits for the follow-up.
        assert (first.reimbursement_cents, first.amount_cents) == (250_000, 187_500)
        reimbursements.review(first.id, "approve", actor=admin)
        placement = session.get(Placement, placement_id)
        assert placement.committed_cents == 187_500 + 100_000
        assert session.get(Scheme, scene.scheme.id).committed_cents == 287_500
        assert verify() == []
    with _six_months_on(app, placement_id), app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        followups.record_follow_up(placement_id, 6, actor=dtab, still_employed=True)
        later = reimbursements.submit(dtab, placement_id, claim(part="retention"))
        assert later.amount_cents == 62_500
        reimbursements.review(later.id, "approve", actor=admin)
        placement = session.get(Placement, placement_id)
        # released + paid = committed: € 4.000 committed, € 2.500 paid, € 1.500 released
        assert placement.committed_cents == _payable(scene) == 250_000
        assert verify() == []


def test_a_rejected_claim_moves_nothing_and_a_new_one_can_follow(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        first = reimbursements.submit(dtab, placement_id, claim())
        with pytest.raises(Conflict):  # one claim for a part waits at a time
            reimbursements.submit(dtab, placement_id, claim(invoice_number="F-2"))
        with pytest.raises(ValidationFailed):
            reimbursements.review(first.id, "reject", actor=admin)
        reimbursements.review(first.id, "reject", actor=admin, reason="Betaalbewijs ontbreekt")
        assert session.get(ReimbursementClaim, first.id).status == ReimbursementStatus.REJECTED
        assert _payable(scene) == 0
        again = reimbursements.submit(dtab, placement_id, claim(invoice_number="F-2"))
        assert again.status == ReimbursementStatus.SUBMITTED
        assert verify() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"invoice_cents": 800_001, "eligible_cents": 800_001}, "invoice_cents"),  # above quote
        ({"eligible_cents": 900_000, "invoice_cents": 700_000}, "eligible_cents"),
        ({"eligible_cents": 0}, "eligible_cents"),
        ({"invoice_date": dt.date(2026, 12, 2)}, "invoice_date"),  # in the future
        ({"invoice_number": ""}, "invoice_number"),
        ({"invoice_pdf": b"not a pdf"}, "invoice_pdf"),
        ({"payment_proof_pdf": b""}, "payment_proof_pdf"),
        ({"employment_proof_pdf": b"%PDF-broken"}, "employment_proof_pdf"),
    ],
)
def test_a_wrong_claim_is_refused_on_the_field(app, scene, changes, field):
    placement_id = _approved(app, scene)
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            reimbursements.submit(_user(scene.dtab), placement_id, claim(**changes))
        assert field in refused.value.errors, refused.value.errors
        assert session.scalar(sa.select(sa.func.count(ReimbursementClaim.id))) == 0


def test_no_claim_after_the_placement_ended(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        dtab = _user(scene.dtab)
        followups.close(placement_id, "not_started", actor=dtab, reason="Afgezegd")
        with pytest.raises(Conflict):
            reimbursements.submit(dtab, placement_id, claim())
        assert verify() == []


def test_after_an_early_end_only_the_first_part_and_not_for_later_invoices(app, scene):
    placement_id = _approved(app, scene)
    with _six_months_on(app, placement_id), app.app_context():
        dtab = _user(scene.dtab)
        followups.record_follow_up(
            placement_id, 6, actor=dtab, still_employed=False, note="Vertrokken"
        )
        ended = session.get(Placement, placement_id).closed_on
        with pytest.raises(ValidationFailed) as refused:
            reimbursements.submit(
                dtab, placement_id, claim(invoice_date=ended + dt.timedelta(days=1))
            )
        assert "invoice_date" in refused.value.errors
        with pytest.raises(Conflict):
            reimbursements.submit(dtab, placement_id, claim(part="retention"))
        done = reimbursements.submit(dtab, placement_id, claim(invoice_date=ended))
        reimbursements.review(done.id, "approve", actor=_user(scene.admin))
        assert verify() == []


def test_strangers_see_nothing_and_decide_nothing(app, scene, make_staff):
    from wallet.accounts.models import Role

    stranger_admin = make_staff(Role.FUND_ADMIN)
    placement_id = _approved(app, scene)
    with app.app_context():
        submitted = reimbursements.submit(_user(scene.dtab), placement_id, claim())
        for stranger in (scene.other, scene.provider, scene.broker, stranger_admin):
            with pytest.raises(NotFound):
                reimbursements.get_claim(submitted.id, _user(stranger))
            with pytest.raises((NotFound, Forbidden)):
                reimbursements.submit(_user(stranger), placement_id, claim(invoice_number="X"))
        with pytest.raises(NotFound):
            reimbursements.review(submitted.id, "approve", actor=_user(stranger_admin))


def test_the_same_person_claimed_by_a_second_employer_needs_two_administrators(app, scene):
    first = _approved(app, scene)
    with app.app_context():
        dtab = _user(scene.dtab)
        reimbursements.submit(dtab, first, claim())
        followups.close(first, "end_early", actor=dtab, reason="Overgestapt")
    second = _approved(app, scene, employer=scene.other)
    with app.app_context():
        flagged = reimbursements.submit(_user(scene.other), second, claim(invoice_number="T-1"))
        assert [f["code"] for f in flagged.flags] == ["person_claimed_twice"]
        assert flagged.approvals_needed == 2
        reimbursements.review(flagged.id, "approve", actor=_user(scene.admin))
        assert (
            session.get(ReimbursementClaim, flagged.id).status == ReimbursementStatus.APPROVED_ONCE
        )
        with pytest.raises(Conflict):
            reimbursements.review(flagged.id, "approve", actor=_user(scene.admin))
        reimbursements.review(flagged.id, "approve", actor=_user(scene.admin2))
        assert session.get(ReimbursementClaim, flagged.id).status == ReimbursementStatus.APPROVED
        assert verify() == []


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    quote=st.integers(1, 2_000_000),
    eligible_share=st.integers(1, 100),
    share=st.integers(1, 10_000),
    cap=st.integers(1, 1_000_000),
    held_back=st.integers(0, 9_999),
    committed_share=st.integers(1, 100),
)
def test_a_reimbursement_never_exceeds_share_cap_or_commitment(
    app, make_scene, quote, eligible_share, share, cap, held_back, committed_share
):
    """Paid ≤ share × eligible cost, ≤ the cap per person, ≤ the commitment; and at closure
    released + paid = committed."""
    scene = make_scene(
        share_bps=share,
        cap_per_person_cents=cap,
        cap_per_employer_year_cents=None,
        retention_months=6 if held_back else None,
        retention_share_bps=held_back,
    )
    name = f"Persoon {next(EXAMPLE)}"  # not listed by an earlier example
    with app.app_context():
        dtab, admin = _user(scene.dtab), _user(scene.admin)
        one = person(full_name=name, quote_cents=quote, provider_id=scene.provider.provider_id)
        application = services.compose_application(dtab, dtab.employer_id, scene.scheme.id, [one])
        services.submit_application(dtab, application.id)
        placement = application.placements[0]
        most = placement.requested_cents
        if most < 1:
            return
        committed = max(1, most * committed_share // 100)
        review.review(placement.id, "approve", actor=admin, cents=committed)
        eligible = max(1, quote * eligible_share // 100)
        invoice = claim(invoice_cents=quote, eligible_cents=eligible)
        if eligible * share // 10_000 == 0:  # the share of so little is nothing: no claim
            with pytest.raises(Conflict):
                reimbursements.submit(dtab, placement.id, invoice)
            return
        first = reimbursements.submit(dtab, placement.id, invoice)
        whole = first.reimbursement_cents
        assert whole <= eligible * share // 10_000
        assert whole <= cap
        assert whole <= committed
        reimbursements.review(first.id, "approve", actor=admin)
        paid = first.amount_cents
        placement_id = placement.id
    if held_back:
        with _six_months_on(app, placement_id), app.app_context():
            dtab, admin = _user(scene.dtab), _user(scene.admin)
            followups.record_follow_up(placement_id, 6, actor=dtab, still_employed=True)
            if whole - paid > 0:
                again = claim(part="retention", invoice_cents=quote, eligible_cents=eligible)
                later = reimbursements.submit(dtab, placement_id, again)
                reimbursements.review(later.id, "approve", actor=admin)
                paid += later.amount_cents
            followups.record_follow_up(
                placement_id, 6 + 6, actor=dtab, still_employed=True
            ) if False else None
    with app.app_context():
        placement = session.get(Placement, placement_id)
        assert paid <= whole
        held = review.pending_commitment(placement)
        released = committed - paid - held
        assert released >= 0
        assert placement.committed_cents == paid + held
        assert verify() == []


def test_what_nobody_claims_lapses_two_years_after_the_start(app, scene):
    """The first part was claimed and waits for the fund; the part held back was never
    claimed: two years after the start only the latter goes back, once."""
    from wallet.placements.followups import lapse_commitments
    from wallet.scheduler.jobs import run_job

    placement_id = _approved(app, scene)
    with app.app_context():
        reimbursements.submit(_user(scene.dtab), placement_id, claim())
        start = session.get(Placement, placement_id).start_date
        assert lapse_commitments() == 0  # not yet
    later = dt.datetime.combine(start + dt.timedelta(days=731), dt.time(9), tzinfo=dt.UTC)
    with clock.frozen_at(later), app.app_context():
        assert run_job("lapse-commitments") == "1 placements released what nobody claimed"
        assert lapse_commitments() == 0
        placement = session.get(Placement, placement_id)
        assert placement.committed_cents == 300_000  # the waiting claim's part stays
        assert session.get(Hold, placement.retention_hold_id).status == HoldStatus.VOIDED
        assert session.get(Scheme, scene.scheme.id).committed_cents == 300_000
        assert verify() == []


def test_the_fund_figures_keep_an_employer_commitment_out_of_reserved_budgets(app, scene):
    """The start page's "reserved" is what workers' applications hold on their grants; an
    approved placement holds € 4.000 on the fund's pot instead, and stays out of it."""
    from wallet.funds.models import Fund
    from wallet.funds.services import fund_figures

    _approved(app, scene)
    with app.app_context():
        pot = balance(session.get(Fund, scene.fund.id).pot_account_id)
        figures = fund_figures(scene.fund.id)

    assert pot.held_cents == 400_000
    assert figures.held_cents == 0
    assert figures.available_cents == pot.posted_cents
