"""The catalogue's API and pages: public search, provider upload, administrator decisions."""

import io

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV, JSON
from tests.conftest import PASSWORD
from wallet.accounts.models import Role
from wallet.catalogue.models import Course


def test_a_provider_system_puts_courses_and_the_public_finds_them(
    client, accredited_provider, api_headers
):
    headers = api_headers(accredited_provider)
    import json

    body = json.loads(JSON)
    first = client.put("/api/v1/provider/courses", json=body, headers=headers)
    assert first.status_code == 200, first.json
    assert first.json == {"changed": 1}
    assert client.put("/api/v1/provider/courses", json=body, headers=headers).json == {"changed": 0}
    found = client.get("/api/v1/catalogue/runs?q=python")
    assert found.status_code == 200
    assert found.json["total"] == 1
    course_id = found.json["hits"][0]["course"]["id"]
    assert client.get(f"/api/v1/catalogue/courses/{course_id}").json["code"] == "PY-1"
    body["courses"][0]["price_cents"] = -1
    refused = client.put("/api/v1/provider/courses", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert "1" in refused.json["errors"]


def test_search_parameters_are_validated(client):
    assert client.get("/api/v1/catalogue/runs?nlqf_min=9").status_code == 422
    assert client.get("/api/v1/catalogue/runs?sort=random").status_code == 422
    assert client.get("/api/v1/catalogue/runs?q=" + "x" * 500).status_code == 422


def test_the_search_page_answers_any_input(client, accredited_provider, app):
    from wallet.catalogue.imports import import_courses

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    assert "MIG/MAG" in client.get("/catalogue?q=lassen").text
    for weird in ("'\"<script>", "x" * 5000, "ñ" * 50):
        assert client.get(f"/catalogue?q={weird}&price_min=abc&nlqf_min=99").status_code == 200
    # A NUL byte cannot be stored or searched for in PostgreSQL: refused everywhere (400).
    assert client.get("/catalogue?q=%00&price_min=abc").status_code == 400


def test_a_provider_uploads_a_file_and_a_bad_one_changes_nothing(
    client, db, accredited_provider, login
):
    login(client, accredited_provider)
    good = client.post(
        "/provider/courses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(CSV.encode()), "cat.csv")},
    )
    assert good.status_code == 302
    assert db.scalar(sa.select(sa.func.count(Course.id))) == 2
    bad = client.post(
        "/provider/courses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"<catalogue/>"), "cat.csv")},
    )
    assert bad.status_code == 422
    assert db.scalar(sa.select(sa.func.count(Course.id))) == 2


def test_an_administrator_accredits_a_provider_and_unpublishes_a_course(
    app, client, db, make_staff, make_provider_user, login
):
    from wallet.catalogue.imports import import_courses
    from wallet.core import clock
    from wallet.providers import services

    provider_user = make_provider_user()
    with app.app_context():
        services.add_accreditation(
            provider_user.provider_id,
            services.AccreditationClaim("nrto", "NRTO-9", "register", clock.today()),
            actor_id=provider_user.id,
        )
        import_courses(provider_user.provider_id, "a.csv", CSV.encode(), actor_id=None)
    assert client.get("/catalogue?q=lassen").text.count("MIG/MAG") == 0  # pending: not shown
    login(client, make_staff(Role.PLATFORM_ADMIN))
    page = f"/admin/providers/{provider_user.provider_id}"
    assert client.post(page, data={"action": "accredit", "reason": ""}).status_code == 200
    client.post(page, data={"action": "accredit", "reason": "CRKBO en NRTO gecontroleerd"})
    assert "MIG/MAG" in client.get("/catalogue?q=lassen").text
    course_id = db.scalar(sa.select(Course.id).where(Course.code == "LAS-1"))
    client.post(f"/catalogue/courses/{course_id}/publication", data={"reason": "Prijs onjuist"})
    assert "MIG/MAG" not in client.get("/catalogue?q=lassen").text
    assert "CRKBO en NRTO gecontroleerd" in client.get(page).text


def test_workers_and_providers_cannot_moderate(client, make_worker, make_provider_user, login):
    login(client, make_worker())
    assert client.get("/admin/providers").status_code == 403
    client.post("/logout")
    login(client, make_provider_user())
    assert (
        client.post("/admin/providers/1", data={"action": "accredit", "reason": "x"}).status_code
        == 403
    )


def test_a_provider_adds_a_course_and_a_run_by_hand(client, db, accredited_provider, login):
    from wallet.catalogue.models import CourseRun
    from wallet.core import clock

    login(client, accredited_provider)
    form = {
        "code": "HAND-1",
        "title_nl": "Heftruck rijden",
        "description_nl": "Veilig heffen",
        "kind": "certificate",
        "nlqf_level": "2",
        "sector": "logistiek",
        "skills": "heftruck\nintern transport",
        "occupations": "Heftruckchauffeur",
        "hours": "16",
        "modality": "classroom",
        "language": "nl",
        "municipality_code": "almelo",
        "price": "425,00",
        "vat": "exempt",
    }
    assert client.post("/provider/courses/new", data=form).status_code == 302
    course = db.scalar(sa.select(Course).where(Course.code == "HAND-1"))
    assert (course.price_cents, course.skills) == (42_500, ["heftruck", "intern transport"])
    bad = client.post(f"/provider/courses/{course.id}/edit", data={**form, "price": "-1"})
    assert bad.status_code == 422
    start = clock.today().isoformat()
    client.post(
        f"/provider/courses/{course.id}/runs",
        data={
            "run-code": "R1",
            "run-starts_on": start,
            "run-ends_on": start,
            "run-seats": "8",
            "run-municipality_code": "almelo",
        },
    )
    assert db.scalar(sa.select(sa.func.count(CourseRun.id))) == 1
    client.post(
        f"/provider/courses/{course.id}/runs",
        data={
            "run-code": "R2",
            "run-starts_on": start,
            "run-ends_on": "2000-01-01",
            "run-seats": "8",
            "run-municipality_code": "almelo",
        },
    )
    assert db.scalar(sa.select(sa.func.count(CourseRun.id))) == 1


def test_a_provider_cannot_edit_another_providers_course(
    app, client, accredited_provider, make_provider_user, login
):
    from wallet.catalogue.imports import import_courses

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    login(client, make_provider_user())
    assert client.get("/provider/courses/1/edit").status_code == 404


def test_a_provider_keeps_details_accreditations_and_colleagues(
    client, db, make_provider_user, login
):
    from wallet.accounts.models import User
    from wallet.providers.models import Accreditation, Provider

    user = make_provider_user()
    login(client, user)
    details = {
        "form": "details",
        "name": "Zorgacademie Oost",
        "vat_number": "NL004495445B01",
        "street": "Markt 1",
        "postcode": "7511 AA",
        "city": "Enschede",
        "contact_email": "info@zorg.example",
    }
    assert client.post("/provider/organisation", data=details).status_code == 302
    assert db.scalar(sa.select(Provider.vat_number)) == "NL004495445B01"
    wrong = client.post("/provider/organisation", data={**details, "vat_number": "123"})
    assert wrong.status_code == 422
    assert 'id="vat_number-error"' in wrong.text
    # the IBAN is asked for on its own page, with the password, and waits for a second person
    wrong = client.post("/bank-details", data={"iban": "NL91ABNA0417164301", "password": PASSWORD})
    assert 'id="iban-error"' in wrong.text
    asked = client.post("/bank-details", data={"iban": "NL91ABNA0417164300", "password": PASSWORD})
    assert asked.status_code == 302
    assert db.scalar(sa.select(Provider.iban)) is None
    assert "op bevestiging door een platformbeheerder" in client.get("/provider/organisation").text
    accreditation = {
        "form": "accreditation",
        "accreditation-kind": "nrto",
        "accreditation-reference": "N-1",
        "accreditation-evidence": "https://nrto.nl",
        "accreditation-valid_from": "2026-01-01",
    }
    client.post("/provider/organisation", data=accreditation)
    assert db.scalar(sa.select(sa.func.count(Accreditation.id))) == 1
    client.post(
        "/provider/organisation",
        data={"form": "colleague", "colleague-name": "Pim", "colleague-email": "pim@zorg.example"},
    )
    pim = db.scalar(sa.select(User).where(User.email == "pim@zorg.example"))
    assert pim.provider_id == user.provider_id


@pytest.mark.parametrize(
    "numbers",
    [
        "page=999999999999999999999",
        "nlqf_min=99999999999999999999",
        "nlqf_max=99999999999999999999",
        "page=-5",
        "page=0",
    ],
)
def test_the_search_page_ignores_numbers_beyond_any_column(client, accredited_provider, numbers):
    """A page or level no database integer holds is shown as an error and filters nothing."""
    assert client.get(f"/catalogue?q=lassen&{numbers}").status_code == 200
