"""Employer applications end to end at the service level: composing, the rules of who may,
bad input that writes nothing, the fund's decisions and the money they commit and release,
follow-ups and closures; `ledger verify` clean after each."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.placements.conftest import person
from wallet.accounts.models import User
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.brokers.models import CaseloadEntry, CaseloadStage
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.funds.models import Fund
from wallet.ledger.models import Hold, HoldStatus
from wallet.ledger.services import balance
from wallet.placements import followups, review, services
from wallet.placements.models import (
    EmployerApplication,
    EmployerApplicationStatus,
    Placement,
    PlacementStatus,
)
from wallet.schemes.models import Scheme


def _user(user) -> User:
    return session.get(User, user.id)


def _pot(scene) -> int:
    return balance(session.get(Fund, scene.fund.id).pot_account_id).available_cents


def _count(model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def _sent(scene, *people, by=None) -> EmployerApplication:
    """An application of DTAB with `people`, prepared by `by` (the broker by default) and
    sent by DTAB's staff."""
    by = _user(by or scene.broker)
    application = services.start_application(by, scene.dtab.employer_id, scene.scheme.id)
    for data in people or (person(provider_id=scene.provider.provider_id),):
        services.add_person(by, application.id, data)
    return services.submit_application(_user(scene.dtab), application.id)


def test_broker_prepares_employer_sends_fund_approves_and_budget_is_committed(app, scene):
    with app.app_context():
        before = _pot(scene)
        application = _sent(scene)
        placement = application.placements[0]
        assert placement.status == PlacementStatus.IN_REVIEW
        # 50 % of € 8.000 is € 4.000, within the cap per person of € 5.000.
        assert placement.requested_cents == 400_000
        review.review(placement.id, "approve", actor=_user(scene.admin))
        session.refresh(placement)
        assert placement.status == PlacementStatus.APPROVED
        assert placement.committed_cents == 400_000
        # 25 % is held back until the person is still employed after 6 months.
        assert session.get(Hold, placement.hold_id).amount_cents == 300_000
        assert session.get(Hold, placement.retention_hold_id).amount_cents == 100_000
        assert _pot(scene) == before - 400_000
        assert session.get(Scheme, scene.scheme.id).committed_cents == 400_000
        assert session.get(EmployerApplication, application.id).status == (
            EmployerApplicationStatus.DECIDED
        )
        assert [f.months for f in placement.follow_ups] == [6, 12]
        assert verify() == []
        # The broker's pipeline moved with it, one audited step at a time.
        entry = session.scalar(sa.select(CaseloadEntry))
        assert entry.stage == CaseloadStage.APPROVED
        steps = session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_type == "caseload_entry")
            .order_by(AuditEvent.id)
        ).all()
        assert steps[-3:] == ["prepare", "submit", "approve"]


def test_a_rejection_needs_a_reason_and_commits_nothing(app, scene):
    with app.app_context():
        placement = _sent(scene).placements[0]
        with pytest.raises(ValidationFailed):
            review.review(placement.id, "reject", actor=_user(scene.admin))
        review.review(placement.id, "reject", actor=_user(scene.admin), reason="Geen kansberoep")
        session.refresh(placement)
        assert placement.status == PlacementStatus.REJECTED
        assert placement.hold_id is None
        assert session.get(Scheme, scene.scheme.id).committed_cents == 0
        assert verify() == []


def test_four_eyes_above_the_threshold(app, make_scene):
    scene = make_scene(four_eyes_above_cents=100_000)
    with app.app_context():
        placement = _sent(scene).placements[0]
        review.review(placement.id, "approve", actor=_user(scene.admin), cents=350_000)
        session.refresh(placement)
        assert placement.status == PlacementStatus.APPROVED_ONCE
        assert placement.hold_id is None
        assert placement.committed_cents == 0
        assert verify() == []
        with pytest.raises(Conflict):
            review.review(placement.id, "approve", actor=_user(scene.admin))
        with pytest.raises(ValidationFailed):  # not the amount the first approver gave
            review.review(placement.id, "approve", actor=_user(scene.admin2), cents=400_000)
        review.review(placement.id, "approve", actor=_user(scene.admin2))
        session.refresh(placement)
        assert placement.status == PlacementStatus.APPROVED
        assert placement.committed_cents == 350_000
        assert verify() == []


def test_an_approval_above_what_the_scheme_pays_is_refused(app, scene):
    with app.app_context():
        placement = _sent(scene).placements[0]
        with pytest.raises(ValidationFailed):
            review.review(placement.id, "approve", actor=_user(scene.admin), cents=400_001)
        with pytest.raises(ValidationFailed):
            review.review(placement.id, "approve", actor=_user(scene.admin), cents=0)
        session.refresh(placement)
        assert placement.status == PlacementStatus.IN_REVIEW
        assert session.get(Scheme, scene.scheme.id).committed_cents == 0


def test_the_fund_cannot_commit_more_than_its_pot_holds(app, make_scene):
    scene = make_scene(deposit=500_000)
    with app.app_context():
        first, second = _sent(
            scene,
            person(provider_id=scene.provider.provider_id),
            person(full_name="Joost Jansen", provider_id=scene.provider.provider_id),
        ).placements
        review.review(first.id, "approve", actor=_user(scene.admin))
        with pytest.raises(Conflict):  # € 1.000 left in the pot, € 4.000 asked
            review.review(second.id, "approve", actor=_user(scene.admin))
        session.refresh(second)
        assert second.status == PlacementStatus.IN_REVIEW
        assert session.get(Scheme, scene.scheme.id).committed_cents == 400_000
        assert verify() == []


def test_the_yearly_cap_per_employer_lowers_what_is_requested(app, make_scene):
    scene = make_scene(cap_per_employer_year_cents=600_000)
    with app.app_context():
        first, second = _sent(
            scene,
            person(provider_id=scene.provider.provider_id),
            person(full_name="Joost Jansen", provider_id=scene.provider.provider_id),
        ).placements
        review.review(first.id, "approve", actor=_user(scene.admin))
        assert services.requested_cents(second, second.application.scheme) == 200_000
        with pytest.raises(ValidationFailed):
            review.review(second.id, "approve", actor=_user(scene.admin), cents=300_000)
        review.review(second.id, "approve", actor=_user(scene.admin))
        session.refresh(second)
        assert second.committed_cents == 200_000
        assert verify() == []


# --- bad input: a clear error, nothing written ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": dt.date(2026, 11, 30)}, "start_date"),  # before the application
        ({"occupation": "Kapper"}, "occupation"),  # not on the scheme's list
        ({"starting_situation": "current_employee"}, "starting_situation"),
        ({"training_kind": "work_experience"}, "training_kind"),
        ({"quote_cents": 0}, "quote_cents"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"provider_id": None}, "provider_id"),  # a bespoke course needs its provider
        ({"from_sbi_code": "04"}, "from_sbi_code"),  # no such division
        ({"date_of_birth": dt.date(2020, 1, 1)}, "date_of_birth"),
        ({"full_name": " "}, "full_name"),
    ],
)
def test_a_wrong_person_is_refused_on_the_field(app, scene, changes, field):
    with app.app_context():
        broker = _user(scene.broker)
        application = services.start_application(broker, scene.dtab.employer_id, scene.scheme.id)
        data = person(**{"provider_id": scene.provider.provider_id, **changes})
        with pytest.raises(ValidationFailed) as refused:
            services.add_person(broker, application.id, data)
        assert field in refused.value.errors, refused.value.errors
        assert _count(Placement) == 0


def test_a_person_listed_twice_in_one_application_is_refused(app, scene):
    with app.app_context():
        broker = _user(scene.broker)
        application = services.start_application(broker, scene.dtab.employer_id, scene.scheme.id)
        services.add_person(broker, application.id, person(provider_id=scene.provider.provider_id))
        twin = person(full_name="  sanne DE vries ", provider_id=scene.provider.provider_id)
        with pytest.raises(ValidationFailed) as refused:
            services.add_person(broker, application.id, twin)
        assert "full_name" in refused.value.errors
        assert _count(Placement) == 1


def test_a_person_in_another_employers_open_application_is_refused(app, scene):
    with app.app_context():
        _sent(scene)
        other = _user(scene.other)
        application = services.start_application(other, other.employer_id, scene.scheme.id)
        with pytest.raises(ValidationFailed) as refused:
            services.add_person(
                other, application.id, person(provider_id=scene.provider.provider_id)
            )
        assert "full_name" in refused.value.errors
        assert _count(Placement) == 1


def test_a_whole_application_with_one_wrong_person_writes_nothing(app, scene):
    with app.app_context():
        people = [
            person(provider_id=scene.provider.provider_id),
            person(
                full_name="Joost Jansen",
                occupation="Kapper",
                provider_id=scene.provider.provider_id,
            ),
            person(provider_id=scene.provider.provider_id),  # listed twice
        ]
        dtab = _user(scene.dtab)
        with pytest.raises(ValidationFailed) as refused:
            services.compose_application(dtab, dtab.employer_id, scene.scheme.id, people)
        assert set(refused.value.errors["persons"]) == {1, 2}
        assert _count(EmployerApplication) == 0
        assert _count(Placement) == 0


# --- who may ----------------------------------------------------------------------------


def test_who_sees_and_does_what(app, scene, make_staff, make_worker):
    from wallet.accounts.models import Role

    others = [make_staff(Role.BROKER), make_staff(Role.FUND_ADMIN), make_worker()]
    with app.app_context():
        application = _sent(scene)
        placement_id = application.placements[0].id
        # another employer, a training provider, a broker and an administrator of another
        # fund, a worker
        strangers = [_user(u) for u in (scene.other, scene.provider, *others)]
        for stranger in strangers:
            with pytest.raises(NotFound):
                services.visible_application(application.id, stranger)
            with pytest.raises(NotFound):
                review.review(placement_id, "approve", actor=stranger)
            assert services.applications_for(stranger) == ([], 0)
        for insider in (scene.dtab, scene.broker, scene.admin):
            assert services.visible_application(application.id, _user(insider))
        with pytest.raises(NotFound):  # the employer does not decide on its own application
            review.review(placement_id, "approve", actor=_user(scene.dtab))


def test_only_the_employer_sends_and_the_fund_does_not_see_drafts(app, scene):
    with app.app_context():
        broker = _user(scene.broker)
        application = services.start_application(broker, scene.dtab.employer_id, scene.scheme.id)
        services.add_person(broker, application.id, person(provider_id=scene.provider.provider_id))
        with pytest.raises(Forbidden):
            services.submit_application(broker, application.id)
        with pytest.raises(NotFound):
            services.visible_application(application.id, _user(scene.admin))
        with pytest.raises(NotFound):  # the other employer is not in the broker's caseload
            services.start_application(broker, scene.other.employer_id, scene.scheme.id)


# --- after the approval -----------------------------------------------------------------


def _approved(app, scene) -> int:
    with app.app_context():
        placement = _sent(scene).placements[0]
        review.review(placement.id, "approve", actor=_user(scene.admin))
        return placement.id


def test_not_started_releases_the_whole_commitment(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        before = _pot(scene)
        with pytest.raises(ValidationFailed):
            followups.close(placement_id, "not_started", actor=_user(scene.dtab), reason="")
        followups.close(
            placement_id, "not_started", actor=_user(scene.dtab), reason="Kandidaat heeft afgezegd"
        )
        placement = session.get(Placement, placement_id)
        assert placement.status == PlacementStatus.NOT_STARTED
        assert placement.committed_cents == 0
        assert _pot(scene) == before + 400_000
        assert session.get(Scheme, scene.scheme.id).committed_cents == 0
        assert {h.status for h in session.scalars(sa.select(Hold))} == {HoldStatus.VOIDED}
        assert verify() == []
        with pytest.raises(Conflict):
            followups.close(placement_id, "end_early", actor=_user(scene.dtab), reason="x")


def test_follow_ups_when_due_and_retained_at_twelve_months(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        placement = session.get(Placement, placement_id)
        start = placement.start_date
        with pytest.raises(Conflict):  # not due yet
            followups.record_follow_up(
                placement_id, 6, actor=_user(scene.dtab), still_employed=True
            )
    with (
        clock.frozen_at(
            dt.datetime.combine(start + dt.timedelta(days=190), dt.time(9), tzinfo=dt.UTC)
        ),
        app.app_context(),
    ):
        assert [f.months for f in followups.due_follow_ups(_user(scene.broker))] == [6]
        assert followups.send_reminders() == 1
        assert followups.send_reminders() == 0
        followups.record_follow_up(placement_id, 6, actor=_user(scene.broker), still_employed=True)
        with pytest.raises(Conflict):
            followups.record_follow_up(
                placement_id, 6, actor=_user(scene.dtab), still_employed=True
            )
        with pytest.raises(Forbidden):
            followups.record_follow_up(
                placement_id, 12, actor=_user(scene.admin), still_employed=True
            )
    with (
        clock.frozen_at(
            dt.datetime.combine(start + dt.timedelta(days=370), dt.time(9), tzinfo=dt.UTC)
        ),
        app.app_context(),
    ):
        followups.record_follow_up(placement_id, 12, actor=_user(scene.dtab), still_employed=True)
        placement = session.get(Placement, placement_id)
        assert placement.status == PlacementStatus.RETAINED
        assert session.scalar(sa.select(CaseloadEntry.stage)) == CaseloadStage.FOLLOWED_UP
        assert placement.committed_cents == 400_000  # still set aside for the employer's claims
        assert verify() == []


def test_employment_ended_early_releases_only_the_part_held_back(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        start = session.get(Placement, placement_id).start_date
    with (
        clock.frozen_at(
            dt.datetime.combine(start + dt.timedelta(days=190), dt.time(9), tzinfo=dt.UTC)
        ),
        app.app_context(),
    ):
        with pytest.raises(ValidationFailed):  # no reason given
            followups.record_follow_up(
                placement_id, 6, actor=_user(scene.dtab), still_employed=False
            )
        followups.record_follow_up(
            placement_id, 6, actor=_user(scene.dtab), still_employed=False, note="Ontslag genomen"
        )
        placement = session.get(Placement, placement_id)
        assert placement.status == PlacementStatus.ENDED_EARLY
        assert placement.committed_cents == 300_000
        assert session.get(Hold, placement.hold_id).status == HoldStatus.PENDING
        assert session.get(Hold, placement.retention_hold_id).status == HoldStatus.VOIDED
        assert session.get(Scheme, scene.scheme.id).committed_cents == 300_000
        assert verify() == []


def test_withdrawing_a_sent_application_withdraws_the_undecided(app, scene):
    with app.app_context():
        application = _sent(
            scene,
            person(provider_id=scene.provider.provider_id),
            person(full_name="Joost Jansen", provider_id=scene.provider.provider_id),
        )
        first, second = application.placements
        review.review(first.id, "approve", actor=_user(scene.admin))
        with pytest.raises(Forbidden):
            services.withdraw_application(_user(scene.broker), application.id, "x")
        services.withdraw_application(_user(scene.dtab), application.id, "Vacature vervallen")
        session.refresh(first)
        session.refresh(second)
        assert (first.status, second.status) == (
            PlacementStatus.APPROVED,
            PlacementStatus.WITHDRAWN,
        )
        assert verify() == []


def test_verify_notices_a_commitment_without_its_hold(app, scene):
    placement_id = _approved(app, scene)
    with app.app_context():
        table = Placement.__table__
        session.execute(
            sa.update(table).where(table.c.id == placement_id).values(committed_cents=1)
        )
        session.execute(sa.update(Scheme.__table__).values(committed_cents=5))
        invariants = {problem.invariant for problem in verify()}
        session.rollback()
    assert invariants == {"3 scheme covers commitments"}


def test_verify_notices_a_hold_on_the_pot_that_no_placement_owns(app, scene):
    from wallet.core.db import unit_of_work
    from wallet.ledger import services as ledger
    from wallet.placements.review import employer_payable

    with app.app_context(), unit_of_work():
        pot = session.get(Fund, scene.fund.id).pot_account_id
        ledger.place_hold(pot, employer_payable(scene.dtab.employer_id), 100)
    with app.app_context():
        assert [p.invariant for p in verify()] == ["7 hold has an owner"]


def test_the_worker_sees_their_trajectory_once_sent(app, scene, make_worker, client, login):
    worker = make_worker()
    with app.app_context():
        broker = _user(scene.broker)
        application = services.start_application(broker, scene.dtab.employer_id, scene.scheme.id)
        services.add_person(
            broker,
            application.id,
            person(provider_id=scene.provider.provider_id, worker_email=worker.email.upper()),
        )
        assert services.trajectories_of(_user(worker)) == []  # a draft is the employer's own
        services.submit_application(_user(scene.dtab), application.id)
        assert len(services.trajectories_of(_user(worker))) == 1
        assert services.trajectories_of(_user(scene.dtab)) == []
    login(client, worker)
    page = client.get("/").text
    assert "Procesoperator" in page
    assert "DTAB Twente" in page


def test_employer_share_first_then_the_workers_budget_then_own_contribution(
    app, scene, make_worker, make_scheme, make_grant
):
    """A course run of € 2.400 the employer pays € 1.000 of (its approved placement for this
    run): the worker's budget of € 1.000 pays next, the worker € 400 themselves."""
    from tests.catalogue.conftest import CSV
    from tests.conftest import PASSWORD
    from wallet.applications import services as applications
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.models import Course, CourseRun

    worker = make_worker()
    make_grant(make_scheme(scene.fund, amount_cents=100_000), worker)
    with app.app_context():
        import_courses(scene.provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        dtab = _user(scene.dtab)
        one = person(
            training_kind="catalogue_run",
            run_id=run_id,
            quote_cents=100_000,
            training_description="",
            worker_email=worker.email,
        )
        application = services.compose_application(dtab, dtab.employer_id, scene.scheme.id, [one])
        services.submit_application(dtab, application.id)
        placement_id = application.placements[0].id
        run = session.get(CourseRun, run_id)
        assert applications.plan_for(worker.id, run).employer_cents == 0  # not approved yet
        review.review(placement_id, "approve", actor=_user(scene.admin))
        plan = applications.plan_for(worker.id, run)
        assert (plan.employer_cents, plan.covered_cents, plan.copay_cents) == (
            100_000,
            100_000,
            40_000,
        )
        applied = applications.apply(
            _user(worker), run_id, password=PASSWORD, expected_copay_cents=40_000
        )
        assert (applied.employer_cents, applied.placement_id) == (100_000, placement_id)
        assert verify() == []
