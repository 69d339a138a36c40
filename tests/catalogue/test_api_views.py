"""The catalogue's API and pages: public search, provider upload, administrator decisions."""

import io

import sqlalchemy as sa

from tests.catalogue.conftest import CSV, JSON
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
    for weird in ("%00", "'\"<script>", "x" * 5000, "ñ" * 50):
        assert client.get(f"/catalogue?q={weird}&price_min=abc&nlqf_min=99").status_code == 200


def test_a_provider_uploads_a_file_and_a_bad_one_changes_nothing(
    client, db, accredited_provider, login
):
    login(client, accredited_provider)
    good = client.post("/provider/courses", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(CSV.encode()), "cat.csv")})  # fmt: skip
    assert good.status_code == 302
    assert db.scalar(sa.select(sa.func.count(Course.id))) == 2
    bad = client.post("/provider/courses", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"<catalogue/>"), "cat.csv")})  # fmt: skip
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
