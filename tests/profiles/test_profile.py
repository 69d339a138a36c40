"""A worker changes their own profile: the same rules as at sign-up, every change audited,
and a new name, birth date or postcode runs the one-person-one-budget check again."""

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.accounts.models import Role, User, WorkerProfile
from wallet.audit.models import AuditEvent
from wallet.grants.models import Grant, GrantStatus
from wallet.verification.models import IdentityMatch, MatchKind


def _form(**changes) -> dict:
    data = {
        "name": "Werkende Een",
        "date_of_birth": "1985-04-12",
        "municipality_code": "enschede",
        "employment_status": "employed",
        "sector": "techniek",
        "occupation": "Operator",
        "education_level": "3",
        "target_occupation": "Monteur",
        "postcode": "",
        "house_number": "",
    }
    data.update(changes)
    return data


def _profile(db, user_id) -> tuple[User, WorkerProfile]:
    db.expire_all()
    return db.get(User, user_id), db.get(WorkerProfile, user_id)


def test_the_profile_page_shows_what_the_worker_told(client, login, make_worker):
    worker = make_worker(name="Fatma Yilmaz", occupation="Heftruckchauffeur")
    login(client, worker)
    page = client.get("/profile")
    assert page.status_code == 200
    assert 'value="Fatma Yilmaz"' in page.text
    assert 'value="Heftruckchauffeur"' in page.text
    assert "/profile" in client.get("/account").text  # linked from the account page


def test_a_worker_changes_where_they_live_and_work_and_it_is_audited(
    client, login, make_worker, db
):
    worker = make_worker()
    login(client, worker)
    response = client.post(
        "/profile",
        data=_form(
            name=worker.name,
            municipality_code="hengelo",
            sector="zorg",
            occupation="Helpende",
            date_of_birth=_birth(worker),
        ),
    )
    assert response.status_code == 302
    _user, profile = _profile(db, worker.id)
    assert (profile.municipality_code, profile.sector, profile.occupation) == (
        "hengelo",
        "zorg",
        "Helpende",
    )
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_changed"))
    assert (event.subject_id, event.actor_id) == (worker.id, worker.id)
    assert event.before == {
        "municipality_code": "enschede",
        "sector": "techniek",
        "occupation": "Operator",
    }
    assert event.after == {
        "municipality_code": "hengelo",
        "sector": "zorg",
        "occupation": "Helpende",
    }


def _birth(worker) -> str:
    from wallet.core import clock

    return clock.today().replace(year=clock.today().year - 40).isoformat()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postcode", "ABC"),
        ("municipality_code", "amsterdam-nowhere"),
        ("date_of_birth", "2025-01-01"),
        ("name", "\u200b"),
        ("education_level", "9"),
    ],
)
def test_a_wrong_answer_is_refused_and_nothing_is_written(
    client, login, make_worker, db, field, value
):
    worker = make_worker()
    login(client, worker)
    before = _profile(db, worker.id)[1].municipality_code
    response = client.post(
        "/profile",
        data=_form(
            **{
                "name": worker.name,
                "municipality_code": "hengelo",
                "date_of_birth": _birth(worker),
                field: value,
            }
        ),
    )
    assert response.status_code == 422
    assert _profile(db, worker.id)[1].municipality_code == before
    assert (
        db.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "profile_changed")
        )
        == 0
    )


def test_saving_without_changes_records_nothing(client, login, make_worker, db):
    worker = make_worker()
    login(client, worker)
    response = client.post("/profile", data=_form(name=worker.name, date_of_birth=_birth(worker)))
    assert response.status_code == 302
    assert (
        db.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "profile_changed")
        )
        == 0
    )


@pytest.mark.parametrize("role", [Role.PROVIDER_STAFF, Role.FUND_ADMIN])
def test_only_workers_have_a_profile_page(client, login, make_user, role):
    login(client, make_user(role))
    assert client.get("/profile").status_code == 403


def test_becoming_the_same_person_as_an_older_account_holds_the_newer_grants(
    client, login, make_worker, make_fund, make_scheme, make_grant, db
):
    older = make_worker(name="Jan de Vries", postcode="7511 AB", house_number="1")
    newer = make_worker(name="Jan Devries", postcode="7511 AB", house_number="1")
    grant = make_grant(make_scheme(make_fund(1_000_000)), newer)
    assert db.scalar(sa.select(sa.func.count(IdentityMatch.id))) == 0
    login(client, newer)
    response = client.post(
        "/profile",
        data=_form(
            name="jan de vries", postcode="7511 AB", house_number="1", date_of_birth=_birth(newer)
        ),
    )
    assert response.status_code == 302
    match = db.scalar(sa.select(IdentityMatch))
    assert (match.user_id, match.other_user_id, match.kind) == (
        newer.id,
        older.id,
        MatchKind.PERSON,
    )
    assert db.get(Grant, grant.id).status == GrantStatus.HELD
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_changed"))
    assert (event.before, event.after) == ({"name": "Jan Devries"}, {"name": "jan de vries"})


def test_a_new_birth_date_alone_is_audited_and_checked(client, login, make_worker, db):
    older = make_worker(
        name="Ans Bos", postcode="7511 AB", house_number="2", date_of_birth=dt.date(1970, 1, 1)
    )
    newer = make_worker(
        name="Ans Bos", postcode="7511 AB", house_number="2", date_of_birth=dt.date(1971, 1, 1)
    )
    login(client, newer)
    response = client.post(
        "/profile",
        data=_form(name="Ans Bos", postcode="7511AB", house_number="2", date_of_birth="1970-01-01"),
    )
    assert response.status_code == 302
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_changed"))
    assert event.before == {"date_of_birth": "1971-01-01"}
    assert event.after == {"date_of_birth": "1970-01-01"}
    assert db.scalar(sa.select(IdentityMatch.other_user_id)) == older.id
