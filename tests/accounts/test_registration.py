"""Worker and provider sign-up: what is wrong is shown, and nothing is stored."""

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.twofactor.signin import enrol_through_page
from wallet.accounts.models import Role, User, WorkerProfile
from wallet.providers.models import Provider, ProviderStatus


def _worker_form(**fields):
    data = {
        "name": "Fatma Yilmaz",
        "email": "fatma@example.nl",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "preferred_language": "nl",
        "date_of_birth": "1990-04-02",
        "municipality_code": "hengelo",
        "employment_status": "job_seeker",
        "sector": "zorg",
        "occupation": "Helpende",
        "education_level": "2",
        "target_occupation": "Verzorgende IG",
    }
    data.update(fields)
    return data


def _count(db, model) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_worker_signs_up_and_lands_on_their_dashboard(client, db):
    response = client.post("/register", data=_worker_form(email="Fatma@Example.NL"))
    assert response.status_code == 302
    page = client.get("/")
    assert "Fatma Yilmaz" in page.text
    user = db.scalar(sa.select(User))
    assert user.email == "fatma@example.nl"
    assert user.role == Role.WORKER
    assert user.password_hash.startswith("$argon2id$")
    assert user.profile.municipality_code == "hengelo"
    assert user.profile.education_level == 2


def test_a_duplicate_email_is_refused_whatever_its_case(client, db, make_worker):
    make_worker(email="fatma@example.nl")
    response = client.post("/register", data=_worker_form(email="FATMA@example.nl"))
    assert response.status_code == 422
    assert "already exists" in response.text or "bestaat al" in response.text
    assert _count(db, User) == 1


def test_a_weak_password_is_refused_and_nothing_stored(client, db):
    response = client.post("/register", data=_worker_form(password="kort", password_confirm="kort"))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert _count(db, User) == 0
    assert _count(db, WorkerProfile) == 0


def test_an_unknown_municipality_is_refused(client, db):
    response = client.post("/register", data=_worker_form(municipality_code="amsterdam"))
    assert response.status_code == 422
    assert _count(db, User) == 0


def test_missing_fields_are_each_reported(client, db):
    response = client.post("/register", data={"name": "Alleen een naam"})
    assert response.status_code == 422
    for field_id in ("email", "password", "date_of_birth", "sector", "target_occupation"):
        assert f'id="{field_id}-error"' in response.text
    assert _count(db, User) == 0


def test_a_date_of_birth_in_the_future_is_refused(client, db):
    response = client.post("/register", data=_worker_form(date_of_birth="2100-01-01"))
    assert response.status_code == 422
    assert 'id="date_of_birth-error"' in response.text
    assert _count(db, User) == 0


def test_service_reports_every_problem_at_once(app_ctx):
    import datetime as dt

    import pytest

    from wallet.accounts.services import WorkerRegistration, register_worker
    from wallet.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        register_worker(
            WorkerRegistration(
                name=" ",
                email="not-an-email",
                password="short",
                date_of_birth=dt.date(1990, 1, 1),
                municipality_code="nowhere",
                employment_status="astronaut",
                sector="space",
                occupation="x",
                education_level=9,
                target_occupation="y",
                preferred_language="fr",
            )
        )
    assert set(caught.value.errors) == {
        "name",
        "email",
        "password",
        "municipality_code",
        "employment_status",
        "sector",
        "education_level",
        "preferred_language",
    }
    assert _count(app_ctx, User) == 0


def test_a_provider_signs_up_pending_verification(client, db):
    response = client.post(
        "/register/provider",
        data={
            "organisation_name": "Zorgacademie Oost",
            "kvk_number": "1234 5678",
            "name": "Henk Brink",
            "email": "henk@zorgacademie.nl",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "preferred_language": "nl",
        },
    )
    assert response.status_code == 302
    provider = db.scalar(sa.select(Provider))
    assert provider.kvk_number == "12345678"
    assert provider.status == ProviderStatus.PENDING
    user = db.scalar(sa.select(User))
    assert user.role == Role.PROVIDER_STAFF
    assert user.provider_id == provider.id
    # Staff set up a second factor before anything else (issue 13).
    assert client.get("/").headers["Location"] == "/account/second-factor/enrol"
    enrol_through_page(client)
    assert "verificatie" in client.get("/").text or "verification" in client.get("/").text


def test_a_provider_with_a_bad_or_taken_kvk_number_is_refused(client, db, make_provider_user):
    make_provider_user(kvk_number="87654321")
    for kvk in ("1234567", "abcdefgh", "87654321"):
        response = client.post(
            "/register/provider",
            data={
                "organisation_name": "Dubbel BV",
                "kvk_number": kvk,
                "name": "Iemand",
                "email": f"{kvk}@example.nl",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "preferred_language": "nl",
            },
        )
        assert response.status_code == 422, kvk
        assert 'id="kvk_number-error"' in response.text
    assert _count(db, Provider) == 1
    assert _count(db, User) == 1


def test_the_optional_address_is_checked_and_stored_in_one_spelling(app, make_worker):
    import pytest

    from wallet.accounts.models import WorkerProfile
    from wallet.core.db import session
    from wallet.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        make_worker(postcode="75 11", house_number="1")
    assert "postcode" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        make_worker(postcode="7511 AB", house_number="")
    assert "house_number" in refused.value.errors
    worker = make_worker(postcode="7511 ab", house_number=" 12A ")
    with app.app_context():
        profile = session.get(WorkerProfile, worker.id)
        assert (profile.postcode, profile.house_number) == ("7511AB", "12a")


def test_a_compatibility_variant_of_a_taken_address_cannot_register_again(client, db, make_worker):
    make_worker(email="Werkende@Demo.nl")
    response = client.post("/register", data=_worker_form(email="\uff37erkende@\uff24emo.nl"))
    assert response.status_code == 422
    assert _count(db, User) == 1


INVISIBLE_NAMES = [
    "\u200b\u200b",
    " \u200b \u2060 ",
    "\ufeff",
    "\u3164\u3164",
    "\u00a0\t",
    "\u200e\u200f",
    "\u0301",
]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_worker_name_that_cannot_be_seen_is_refused(client, db, name):
    response = client.post("/register", data=_worker_form(name=name))
    assert response.status_code == 422
    assert _count(db, User) == 0


@pytest.mark.parametrize("field", ["organisation_name", "name"])
def test_a_provider_or_its_contact_named_by_invisible_characters_is_refused(client, db, field):
    data = {
        "organisation_name": "Zorgacademie Oost",
        "kvk_number": "12345678",
        "name": "Henk Brink",
        "email": "henk@zorgacademie.nl",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "preferred_language": "nl",
    }
    response = client.post("/register/provider", data={**data, field: "\u200b\u200c\u200d"})
    assert response.status_code == 422
    assert _count(db, Provider) == 0


def test_visible_names_keep_their_letters_and_lose_invisible_edges():
    from wallet.accounts.names import visible_name

    assert visible_name("\u200b Anne-Marie de Vries\u200b ") == "Anne-Marie de Vries"
    assert visible_name("Zo\u00eb") == "Zo\u00eb"
    assert visible_name("\u200b\u3164") == ""


def _fund():
    from wallet.funds.services import create_fund

    create_fund("\u200b\u200b")


def _staff():
    from wallet.accounts.services import create_staff_user

    create_staff_user(
        email="staff@example.nl", name="\u2060", password=PASSWORD, role=Role.PLATFORM_ADMIN
    )


@pytest.mark.parametrize("create", [_fund, _staff], ids=["fund", "staff"])
def test_funds_and_staff_need_a_visible_name(app_ctx, create):
    from wallet.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        create()
