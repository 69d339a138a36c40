"""Employers: sign-up, details, colleagues, the verification table, who may see what, audit."""

import pytest
import sqlalchemy as sa

from tests.accounts.links import accept_invitation
from tests.conftest import PASSWORD
from tests.twofactor.signin import enrol_through_page
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.bankdetails.models import BankAccountChange
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.employers import services
from wallet.employers.models import Employer, EmployerStatus

GOOD = {
    "organisation_name": "DTAB Twente B.V.",
    "kvk_number": "06012345",
    "sbi_code": "17",
    "street": "Industrieweg 12",
    "postcode": "7547 AA",
    "city": "Enschede",
    "municipality_code": "enschede",
    "iban": "NL91 ABNA 0417 1643 00",
    "contact_email": "hr@dtab.example.nl",
    "contact_phone": "053 123 4567",
    "name": "Ilse Hofman",
    "email": "ilse@dtab.example.nl",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "preferred_language": "nl",
}


def _events(employer_id: int) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.subject_type == "employer", AuditEvent.subject_id == employer_id
    )
    return list(session.scalars(query.order_by(AuditEvent.id)))


def _employer(user) -> Employer:
    return session.get(Employer, user.employer_id)


# --- sign-up -------------------------------------------------------------------------------


def test_an_employer_signs_up_pending_and_its_staff_user_sees_it_is_being_checked(client, app):
    response = client.post("/employers/register", data=GOOD)
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/employer"
    # Staff set up a second factor before anything else (issue 13).
    assert client.get("/employer").headers["Location"] == "/account/second-factor/enrol"
    enrol_through_page(client)
    page = client.get("/employer").text
    assert "DTAB Twente B.V." in page
    assert "wordt gecontroleerd door een platformbeheerder" in page
    assert "Vervaardiging van papier" in page  # the SBI name, never the code alone
    assert "pending" not in page
    with app.app_context():
        user = session.scalar(sa.select(User).where(User.email == "ilse@dtab.example.nl"))
        employer = _employer(user)
        assert user.role == Role.EMPLOYER_STAFF
        assert employer.status == EmployerStatus.PENDING
        assert (employer.kvk_number, employer.iban, employer.bic) == (
            "06012345",
            "NL91ABNA0417164300",
            "ABNANL2A",
        )
        assert employer.postcode == "7547 AA"
        [event] = _events(employer.id)
        assert event.action == "registered"
        assert event.actor_id == user.id
        assert event.after["iban"] == "**************4300"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kvk_number", "1234567"),
        ("kvk_number", "1234567a"),
        ("iban", "NL91ABNA0417164301"),  # checksum wrong
        ("sbi_code", "04"),  # no such division
        ("sbi_code", "C"),  # a section, not a division
        ("organisation_name", "\u200b\u200b"),
        ("name", "\u3164"),
        ("postcode", "0123 AB"),
        ("municipality_code", "amsterdam"),
        ("contact_email", "not-an-address"),
    ],
)
def test_a_bad_sign_up_names_the_field_and_writes_nothing(client, app, field, value):
    response = client.post("/employers/register", data={**GOOD, field: value})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert f'id="{field}-error"' in response.text
    with app.app_context():
        assert session.scalar(sa.select(sa.func.count()).select_from(Employer)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_kvk_number_registers_one_employer_only(client, make_employer_user):
    make_employer_user(kvk_number="06012345")
    response = client.post("/employers/register", data=GOOD)
    assert response.status_code == 422
    assert 'id="kvk_number-error"' in response.text
    with pytest.raises(ValidationFailed) as caught:
        make_employer_user(kvk_number="0601 2345")
    assert set(caught.value.errors) == {"kvk_number"}


# --- the verification table: every (status, action) pair ---------------------------------

PAIRS = [(status, action) for status in EmployerStatus for action in services.ACTIONS]


@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_every_status_and_action(app, app_ctx, make_employer_user, make_staff, status, action):
    admin = make_staff(Role.PLATFORM_ADMIN)
    employer = _employer(make_employer_user())
    employer.status = status
    session.commit()
    target = services.TRANSITIONS.get((status, action))
    if target is None:
        with pytest.raises(Conflict):
            services.change_status(employer.id, action, reason="Checked", actor_id=admin.id)
        session.expire_all()
        assert _employer_by_id(employer.id).status == status
        assert [e.action for e in _events(employer.id)] == ["registered"]
        return
    services.change_status(employer.id, action, reason="KvK extract checked", actor_id=admin.id)
    session.expire_all()
    changed = _employer_by_id(employer.id)
    assert changed.status == target
    assert changed.status_reason == "KvK extract checked"
    event = _events(employer.id)[-1]
    assert (event.action, event.actor_id, event.reason) == (action, admin.id, "KvK extract checked")
    assert (event.before, event.after) == ({"status": status.value}, {"status": target.value})


def _employer_by_id(employer_id: int) -> Employer:
    return session.get(Employer, employer_id)


def test_the_table_has_the_expected_moves():
    assert services.TRANSITIONS == {
        (EmployerStatus.PENDING, "verify"): EmployerStatus.VERIFIED,
        (EmployerStatus.PENDING, "reject"): EmployerStatus.REJECTED,
        (EmployerStatus.VERIFIED, "suspend"): EmployerStatus.SUSPENDED,
        (EmployerStatus.VERIFIED, "reject"): EmployerStatus.REJECTED,
        (EmployerStatus.SUSPENDED, "verify"): EmployerStatus.VERIFIED,
        (EmployerStatus.SUSPENDED, "reject"): EmployerStatus.REJECTED,
        (EmployerStatus.REJECTED, "reopen"): EmployerStatus.PENDING,
    }


def test_a_decision_needs_a_reason(app, app_ctx, make_employer_user, make_staff):
    admin = make_staff(Role.PLATFORM_ADMIN)
    employer = _employer(make_employer_user())
    with pytest.raises(ValidationFailed):
        services.change_status(employer.id, "verify", reason="  ", actor_id=admin.id)
    assert _employer_by_id(employer.id).status == EmployerStatus.PENDING


@pytest.mark.parametrize(
    "role", [Role.FUND_ADMIN, Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF]
)
def test_only_a_platform_administrator_decides(app, app_ctx, make_user, make_employer_user, role):
    actor = make_user(role)
    employer = _employer(make_employer_user())
    with pytest.raises(Forbidden):
        services.change_status(employer.id, "verify", reason="Looks fine", actor_id=actor.id)
    assert _employer_by_id(employer.id).status == EmployerStatus.PENDING


# --- pages: who may see and do what -------------------------------------------------------


def test_a_platform_administrator_verifies_and_the_staff_sees_it(
    client, app, make_employer_user, make_staff, login
):
    staff = make_employer_user()
    login(client, make_staff(Role.PLATFORM_ADMIN))
    listing = client.get("/admin/employers").text
    assert "Werkgever 1" in listing
    page = client.get(f"/admin/employers/{staff.employer_id}")
    assert page.status_code == 200
    assert "Vervaardiging van papier" in page.text
    data = {"reason": "KvK-uittreksel klopt", "action": "verify"}
    response = client.post(f"/admin/employers/{staff.employer_id}", data=data)
    assert response.status_code == 302
    client.post("/logout")
    login(client, staff)
    page = client.get("/employer").text
    assert "Geverifieerd" in page or "verified" in page.lower()
    with app.app_context():
        assert _employer(staff).status == EmployerStatus.VERIFIED


def test_a_decision_without_reason_changes_nothing(
    client, app, make_employer_user, make_staff, login
):
    staff = make_employer_user()
    login(client, make_staff(Role.PLATFORM_ADMIN))
    response = client.post(f"/admin/employers/{staff.employer_id}", data={"action": "verify"})
    assert response.status_code == 422
    with app.app_context():
        assert _employer(staff).status == EmployerStatus.PENDING


@pytest.mark.parametrize(
    "role", [Role.FUND_ADMIN, Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_moderation_is_for_platform_administrators_only(
    client, app, make_user, make_employer_user, login, role, method
):
    employer_a = make_employer_user()
    login(client, make_user(role))
    data = {"reason": "Ik keur mezelf goed", "action": "verify"}
    assert (
        getattr(client, method)(f"/admin/employers/{employer_a.employer_id}", data=data).status_code
        == 403
    )
    assert client.get("/admin/employers").status_code == 403
    with app.app_context():
        assert _employer(employer_a).status == EmployerStatus.PENDING


def test_anonymous_visitors_are_sent_to_log_in(client, make_employer_user):
    employer = make_employer_user()
    for path in (
        "/employer",
        "/employer/organisation",
        "/admin/employers",
        f"/admin/employers/{employer.employer_id}",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "role", [Role.FUND_ADMIN, Role.WORKER, Role.PROVIDER_STAFF, Role.PLATFORM_ADMIN]
)
def test_employer_pages_are_for_employer_staff(client, make_user, login, role):
    login(client, make_user(role))
    assert client.get("/employer").status_code == 403
    assert client.get("/employer/organisation").status_code == 403


def test_staff_of_employer_b_only_ever_see_their_own_organisation(
    client, app, make_employer_user, login
):
    employer_a = make_employer_user(name="Aannemer A")
    employer_b = make_employer_user(name="Bakkerij B")
    login(client, employer_b)
    page = client.get("/employer/organisation").text
    assert "Bakkerij B" in page
    assert "Aannemer A" not in page
    form = {
        "form": "details",
        "name": "Overgenomen",
        "sbi_code": "41",
        "street": "Straat 1",
        "postcode": "7511 AB",
        "city": "Enschede",
        "municipality_code": "enschede",
        "iban": "NL20INGB0001234567",
        "contact_email": "b@example.nl",
    }
    assert client.post("/employer/organisation", data=form).status_code == 302
    with app.app_context():
        assert _employer(employer_a).name == "Aannemer A"
        assert _employer(employer_b).name == "Overgenomen"


# --- details, IBAN and colleagues ---------------------------------------------------------

DETAILS = {
    "form": "details",
    "name": "DTAB",
    "sbi_code": "20",
    "street": "Industrieweg 12",
    "postcode": "7547AA",
    "city": "Enschede",
    "municipality_code": "enschede",
    "contact_email": "hr@dtab.example.nl",
}


def test_an_iban_change_is_checked_confirmed_by_the_platform_and_audited_masked(
    client, app, make_employer_user, make_staff, login
):
    staff, platform = make_employer_user(), make_staff(Role.PLATFORM_ADMIN)
    login(client, staff)
    # the details form no longer carries an IBAN: one sent along is ignored
    client.post("/employer/organisation", data={**DETAILS, "iban": "NL20INGB0001234567"})
    bad = client.post("/bank-details", data={"iban": "NL00INGB0001234567", "password": PASSWORD})
    assert bad.status_code == 422
    assert 'id="iban-error"' in bad.text
    good = client.post("/bank-details", data={"iban": "NL20INGB0001234567", "password": PASSWORD})
    assert good.status_code == 302
    assert "op bevestiging door een platformbeheerder" in client.get("/bank-details").text
    with app.app_context():
        assert _employer(staff).iban == "NL91ABNA0417164300"  # the old one stays until confirmed
        change_id = session.scalar(sa.select(BankAccountChange.id))
    client.post("/logout")
    login(client, platform)
    assert "NL20 INGB 0001 2345 67" in client.get("/admin/bank-details").text
    employer_page = client.get(f"/admin/employers/{staff.employer_id}").text
    assert "er wacht een nieuwe IBAN op bevestiging" in employer_page
    assert client.get(f"/admin/bank-details/{change_id}/confirm").status_code == 200
    assert client.post(f"/admin/bank-details/{change_id}/confirm").status_code == 302
    with app.app_context():
        employer = _employer(staff)
        assert (employer.iban, employer.bic) == ("NL20INGB0001234567", "INGBNL2A")
        events = _events(employer.id)
        assert [e.action for e in events[-2:]] == ["bank_change_requested", "iban_changed"]
        event = events[-1]
        assert event.actor_id == platform.id
        assert event.before["iban"].endswith("4300")
        assert "NL91" not in event.before["iban"]
        assert event.after["iban"].endswith("4567")
        assert "INGB" not in event.after["iban"]


def test_staff_add_a_colleague_who_can_log_in(client, app, make_employer_user, login):
    staff = make_employer_user()
    login(client, staff)
    data = {
        "form": "colleague",
        "colleague-name": "Tom Lammers",
        "colleague-email": "tom@werkgever.example.nl",
    }
    assert client.post("/employer/organisation", data=data).status_code == 302
    client.post("/logout")
    with app.app_context():
        accept_invitation(client, session, "tom@werkgever.example.nl", PASSWORD)
        colleague = session.scalar(sa.select(User).where(User.email == "tom@werkgever.example.nl"))
        assert colleague.role == Role.EMPLOYER_STAFF
        assert colleague.employer_id == staff.employer_id
        assert _events(staff.employer_id)[-1].action == "staff_added"
    login(client, colleague)
    assert client.get("/employer/organisation").status_code == 200


def test_an_employer_staff_user_needs_an_employer(app, app_ctx):
    from wallet.accounts.passwords import hash_password

    session.add(
        User(
            email="los@example.nl",
            password_hash=hash_password(PASSWORD),
            name="Los",
            role=Role.EMPLOYER_STAFF,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_the_platform_dashboard_lists_employers_being_checked(
    client, make_employer_user, make_staff, login
):
    make_employer_user(name="Tegelzetters Twente")
    login(client, make_staff(Role.PLATFORM_ADMIN))
    page = client.get("/").text
    assert "Tegelzetters Twente" in page
    assert "Medewerkers van werkgevers" in page


@pytest.mark.parametrize(
    ("action", "shown"), [("suspend", "Je organisatie is geschorst."), ("reject", "afgewezen")]
)
def test_staff_see_a_suspension_or_rejection_with_its_reason(
    client, app, make_employer_user, make_staff, action, shown, login
):
    staff = make_employer_user()
    admin = make_staff(Role.PLATFORM_ADMIN)
    with app.app_context():
        services.change_status(staff.employer_id, "verify", reason="In orde", actor_id=admin.id)
        services.change_status(
            staff.employer_id, action, reason="KvK: opgeheven", actor_id=admin.id
        )
    login(client, staff)
    page = client.get("/employer").text
    assert shown in page
    assert "KvK: opgeheven" in page
    assert "suspended" not in page
    assert "rejected" not in page
