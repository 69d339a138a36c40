"""The employer's and the broker's pages of employer applications and placements, through
the Flask test client: the forms' happy paths, bad input that writes nothing, who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.placements.conftest import person
from wallet.core import clock
from wallet.placements.models import (
    EmployerApplication,
    EmployerApplicationStatus,
    FollowUp,
    Placement,
    PlacementStatus,
)


def _person_form(scene, **changes) -> dict:
    start = clock.today() + dt.timedelta(days=30)
    form = {
        "person-full_name": "Sanne de Vries",
        "person-date_of_birth": "1988-04-12",
        "person-starting_situation": "other_sector",
        "person-from_sbi_code": "47",
        "person-occupation": "Procesoperator",
        "person-contract_type": "permanent",
        "person-hours_per_week": "36",
        "person-start_date": start.isoformat(),
        "person-training_kind": "bespoke",
        "person-quote": "8.000,00",
        "person-run_id": "",
        "person-provider_id": str(scene.provider.provider_id),
        "person-training_description": "Procesoperator B (mbo-4), maatwerk",
        "person-worker_email": "",
    }
    form.update({f"person-{k}": v for k, v in changes.items()})
    return form


def _placements(db, application_id: int) -> list[Placement]:
    db.expire_all()
    query = sa.select(Placement).where(Placement.application_id == application_id)
    return list(db.scalars(query))


def _application(db, application_id: int) -> EmployerApplication:
    db.expire_all()
    return db.get(EmployerApplication, application_id)


@pytest.fixture
def draft(app, scene):
    """A draft of DTAB's under the scene's scheme, no persons yet."""
    from wallet.placements import services

    with app.app_context():
        return services.start_application(scene.dtab, scene.dtab.employer_id, scene.scheme.id).id


@pytest.fixture
def sent(app, scene, draft):
    """DTAB's application with Sanne, sent to the fund."""
    from wallet.placements import services

    with app.app_context():
        placement = services.add_person(
            scene.dtab, draft, person(provider_id=scene.provider.provider_id)
        )
        services.submit_application(scene.dtab, draft)
        return placement.id


def test_an_employer_chooses_a_scheme_shown_in_words_and_starts_a_draft(client, login, scene, db):
    login(client, scene.dtab)
    page = client.get("/employer/applications/new").text
    assert "Sectorplan Twente" in page
    assert "50 %" in page  # the share in words
    assert "€\xa05.000,00" in page  # the cap per person, never cents
    assert "€\xa020.000,00" in page  # the cap per employer per year
    response = client.post("/employer/applications/new", data={"scheme_id": scene.scheme.id})
    assert response.status_code == 302, response.text
    application = db.scalar(sa.select(EmployerApplication))
    assert response.headers["Location"] == f"/employer/applications/{application.id}"
    assert application.status == EmployerApplicationStatus.DRAFT
    assert application.prepared_by_id is None
    page = client.get(response.headers["Location"]).text
    assert 'name="person-full_name"' in page
    listing = client.get("/employer/applications").text
    assert application.reference in listing
    assert "draft" not in listing.split("<main", 1)[1]  # the status in words, not its value


def test_an_employer_adds_a_person_and_sees_what_the_scheme_would_pay(
    client, login, scene, draft, db
):
    login(client, scene.dtab)
    response = client.post(f"/employer/applications/{draft}/persons", data=_person_form(scene))
    assert response.status_code == 302, response.text
    (placement,) = _placements(db, draft)
    assert placement.full_name == "Sanne de Vries"
    assert placement.quote_cents == 800_000
    assert placement.provider_id == scene.provider.provider_id
    page = client.get(f"/employer/applications/{draft}").text
    assert "Sanne de Vries" in page
    assert "€\xa08.000,00" in page  # the quote
    assert "€\xa04.000,00" in page  # 50 % of it, what the scheme would pay
    assert "800000" not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occupation": "Bakker"}, "occupation"),
        ({"start_date": "2020-01-01"}, "start_date"),
        ({"date_of_birth": "12-04-1988x"}, "date_of_birth"),
        ({"quote": "veel"}, "quote"),
        ({"quote": ""}, "quote"),
        ({"full_name": ""}, "full_name"),
        ({"provider_id": ""}, "provider_id"),
        ({"training_kind": "catalogue_run", "run_id": "99999"}, "run_id"),
        ({"run_id": "99999999999"}, "run_id"),
    ],
)
def test_bad_input_shows_the_field_error_and_writes_nothing(
    client, login, scene, draft, db, changes, field
):
    login(client, scene.dtab)
    response = client.post(
        f"/employer/applications/{draft}/persons", data=_person_form(scene, **changes)
    )
    assert response.status_code == 422
    assert f'id="person-{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert _placements(db, draft) == []


def test_a_person_is_removed_from_a_draft(client, login, app, scene, draft, db):
    from wallet.placements import services

    with app.app_context():
        placement = services.add_person(
            scene.dtab, draft, person(provider_id=scene.provider.provider_id)
        )
    login(client, scene.dtab)
    response = client.post(f"/employer/applications/{draft}/persons/{placement.id}/remove")
    assert response.status_code == 302
    assert _placements(db, draft) == []


def test_sending_asks_to_confirm_first_then_sends_every_person(
    client, login, app, scene, draft, db
):
    from wallet.placements import services

    with app.app_context():
        services.add_person(scene.dtab, draft, person(provider_id=scene.provider.provider_id))
    login(client, scene.dtab)
    page = client.get(f"/employer/applications/{draft}").text
    assert f"/employer/applications/{draft}/send" in page
    confirm = client.get(f"/employer/applications/{draft}/send")
    assert confirm.status_code == 200
    assert (
        _application(db, draft).status == EmployerApplicationStatus.DRAFT
    )  # asking changes nothing
    assert "€\xa04.000,00" in confirm.text
    response = client.post(f"/employer/applications/{draft}/send")
    assert response.status_code == 302
    assert _application(db, draft).status == EmployerApplicationStatus.SUBMITTED
    assert [p.status for p in _placements(db, draft)] == [PlacementStatus.IN_REVIEW]
    page = client.get(f"/employer/applications/{draft}").text
    assert 'name="person-full_name"' not in page  # no more adding
    assert f"/employer/applications/{draft}/withdraw" in page


def test_an_empty_draft_is_not_sent_and_is_discarded(client, login, scene, draft, db):
    login(client, scene.dtab)
    response = client.post(f"/employer/applications/{draft}/send")
    assert response.status_code == 422
    assert _application(db, draft).status == EmployerApplicationStatus.DRAFT
    assert client.get(f"/employer/applications/{draft}/discard").status_code == 200
    assert client.post(f"/employer/applications/{draft}/discard").status_code == 302
    assert _application(db, draft).status == EmployerApplicationStatus.DISCARDED


def test_withdrawing_needs_a_reason(client, login, scene, draft, sent, db):
    login(client, scene.dtab)
    response = client.post(f"/employer/applications/{draft}/withdraw", data={"reason": " "})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.text
    assert _application(db, draft).status == EmployerApplicationStatus.SUBMITTED
    response = client.post(
        f"/employer/applications/{draft}/withdraw", data={"reason": "De vacature is vervallen."}
    )
    assert response.status_code == 302
    assert _application(db, draft).status == EmployerApplicationStatus.WITHDRAWN
    assert _placements(db, draft)[0].status == PlacementStatus.WITHDRAWN


def test_employer_b_never_sees_the_application_of_employer_a(client, login, scene, draft, sent, db):
    login(client, scene.other)
    assert client.get(f"/employer/applications/{draft}").status_code == 404
    assert client.get(f"/employer/applications/{draft}/withdraw").status_code == 404
    assert (
        client.post(f"/employer/applications/{draft}/withdraw", data={"reason": "weg"}).status_code
        == 404
    )
    jan = _person_form(scene, full_name="Jan Jansen")
    assert client.post(f"/employer/applications/{draft}/persons", data=jan).status_code == 404
    assert client.get(f"/placements/{sent}").status_code == 404
    assert client.post(f"/placements/{sent}/end_early", data={"reason": "weg"}).status_code == 404
    assert scene.dtab.employer.name not in client.get("/employer/applications").text
    assert _application(db, draft).status == EmployerApplicationStatus.SUBMITTED


def test_a_broker_prepares_an_application_but_cannot_send_it(client, login, scene, db):
    login(client, scene.broker)
    entry = client.get("/broker").text
    assert "DTAB Twente" in entry
    from wallet.brokers.models import CaseloadEntry

    entry_id = db.scalar(sa.select(CaseloadEntry.id))
    page = client.get(f"/caseload/{entry_id}").text
    assert "/caseload/applications" in page
    response = client.post(
        "/caseload/applications",
        data={"employer_id": scene.dtab.employer_id, "scheme_id": scene.scheme.id},
    )
    assert response.status_code == 302, response.text
    application = db.scalar(sa.select(EmployerApplication))
    assert application.prepared_by_id == scene.broker.id
    added = client.post(
        f"/employer/applications/{application.id}/persons", data=_person_form(scene)
    )
    assert added.status_code == 302
    page = client.get(f"/employer/applications/{application.id}").text
    assert f"/employer/applications/{application.id}/send" not in page
    assert client.post(f"/employer/applications/{application.id}/send").status_code == 403
    assert _application(db, application.id).status == EmployerApplicationStatus.DRAFT
    # The employer confirms and sends what the broker prepared.
    client.post("/logout")
    login(client, scene.dtab)
    assert (
        f"/employer/applications/{application.id}/send"
        in client.get(f"/employer/applications/{application.id}").text
    )
    assert client.post(f"/employer/applications/{application.id}/send").status_code == 302
    assert _application(db, application.id).status == EmployerApplicationStatus.SUBMITTED


def test_a_broker_cannot_prepare_for_an_employer_outside_the_caseload(client, login, scene, db):
    login(client, scene.broker)
    response = client.post(
        "/caseload/applications",
        data={"employer_id": scene.other.employer_id, "scheme_id": scene.scheme.id},
    )
    assert response.status_code == 404
    assert db.scalar(sa.select(EmployerApplication)) is None


def _approve(app, scene, placement_id):
    from wallet.placements.review import review

    with app.app_context():
        review(placement_id, "approve", actor=scene.admin, cents=400_000)


def test_a_due_follow_up_is_recorded_on_the_placement_page(client, login, app, scene, sent, db):
    _approve(app, scene, sent)
    login(client, scene.dtab)
    page = client.get(f"/placements/{sent}").text
    assert "€\xa04.000,00" in page  # the committed amount
    assert 'name="still_employed"' not in page  # nothing due yet
    assert f"/placements/{sent}/not_started" in page
    assert (
        client.post(f"/placements/{sent}", data={"months": 6, "still_employed": "yes"}).status_code
        == 302
    )
    db.expire_all()
    assert db.scalar(sa.select(FollowUp).where(FollowUp.months == 6)).recorded_at is None  # not due
    due = db.scalar(sa.select(FollowUp.due_on).where(FollowUp.months == 6))
    clock.set_now(dt.datetime.combine(due, dt.time(12), tzinfo=dt.UTC))
    login(client, scene.dtab)  # months later the session has expired: sign in again
    assert "Sanne de Vries" in client.get("/employer").text  # follow-ups due on the start page
    page = client.get(f"/placements/{sent}").text
    assert 'name="still_employed"' in page
    response = client.post(
        f"/placements/{sent}", data={"months": 6, "still_employed": "no", "note": ""}
    )
    assert response.status_code == 422
    assert 'id="note-error"' in response.text
    response = client.post(
        f"/placements/{sent}",
        data={"months": 6, "still_employed": "yes", "note": "Werkt goed mee."},
    )
    assert response.status_code == 302
    db.expire_all()
    follow_up = db.scalar(sa.select(FollowUp).where(FollowUp.months == 6))
    assert follow_up.still_employed is True
    assert follow_up.recorded_by_id == scene.dtab.id


def test_closing_a_placement_asks_to_confirm_and_needs_a_reason(
    client, login, app, scene, sent, db
):
    _approve(app, scene, sent)
    login(client, scene.broker)  # a broker of the fund may close it too
    assert client.get(f"/placements/{sent}/not_started").status_code == 200
    db.expire_all()
    assert db.get(Placement, sent).status == PlacementStatus.APPROVED
    response = client.post(f"/placements/{sent}/not_started", data={"reason": ""})
    assert response.status_code == 422
    assert db.get(Placement, sent).status == PlacementStatus.APPROVED
    response = client.post(
        f"/placements/{sent}/not_started", data={"reason": "Koos een andere baan."}
    )
    assert response.status_code == 302
    db.expire_all()
    placement = db.get(Placement, sent)
    assert placement.status == PlacementStatus.NOT_STARTED
    assert placement.reason == "Koos een andere baan."


def test_the_pages_are_for_employer_staff_and_brokers(client, login, scene, draft, make_worker):
    login(client, scene.admin)
    assert client.get(f"/employer/applications/{draft}").status_code == 403
    assert client.get("/employer/applications").status_code == 403
    client.post("/logout")
    login(client, make_worker())
    assert client.get(f"/employer/applications/{draft}").status_code == 403
