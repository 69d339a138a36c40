"""/api/v1 for employer applications: an HR system composes and sends, the fund decides,
the employer records the follow-up; every POST honours Idempotency-Key; who sees what."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from openapi_spec_validator import validate

from tests.placements.conftest import person
from wallet.accounts.models import Role, User
from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.db import session
from wallet.placements.models import EmployerApplication, Placement

BASE = "/api/v1/employer/applications"


def _json(**changes) -> dict:
    values = dataclasses.asdict(person(**changes))
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _body(scene, *persons, **fields) -> dict:
    provider_id = scene.provider.provider_id
    listed = persons or (_json(provider_id=provider_id),)
    return {"scheme_id": scene.scheme.id, "persons": list(listed), **fields}


def _count(app, model) -> int:
    with app.app_context():
        return session.scalar(sa.select(sa.func.count(model.id)))


def _worker_headers(app, make_staff, api_headers) -> dict:
    """A worker holding a token (the product gives workers none; say a fund administrator's
    account became a worker's later): the API must still refuse."""
    user = make_staff(Role.FUND_ADMIN)
    headers = api_headers(user)
    with app.app_context():
        demoted = session.get(User, user.id)
        demoted.role, demoted.fund_id = Role.WORKER, None
        session.commit()
    return headers


def test_the_document_lists_the_allowed_values(client):
    spec = client.get("/api/openapi.json").json
    validate(spec)
    person_in = spec["components"]["schemas"]["PersonIn"]["properties"]
    assert "Procesoperator" in person_in["occupation"]["enum"]
    assert set(person_in["training_kind"]["enum"]) >= {"bespoke", "work_and_learn"}
    assert "other_sector" in person_in["starting_situation"]["enum"]
    assert "work_and_learn" in person_in["contract_type"]["enum"]
    action = spec["paths"][BASE + "/{application_id}/actions/{action}"]["parameters"]
    assert {"submit", "withdraw", "discard"} == set(
        next(p for p in action if p["name"] == "action")["schema"]["enum"]
    )
    decision = spec["paths"]["/api/v1/fund/placements/{placement_id}/actions/{action}"]
    assert next(p for p in decision["parameters"] if p["name"] == "action")["schema"]["enum"] == [
        "approve",
        "reject",
    ]


def test_an_hr_system_applies_the_fund_approves_and_the_follow_up_is_recorded(
    make_scene, client, api_headers, app
):
    scene = make_scene(four_eyes_above_cents=250_000)  # two administrators for € 4.000
    employer, admin, admin2 = (api_headers(u) for u in (scene.dtab, scene.admin, scene.admin2))
    key = {"Idempotency-Key": "hr-1"}
    body = _body(scene)
    first = client.post(BASE, json=body, headers={**employer, **key})
    assert first.status_code == 201, first.text
    assert first.json["status"] == "draft"
    assert first.json["replayed"] is False
    (placement,) = first.json["persons"]
    assert placement["requested_cents"] == 400_000  # 50 % of the € 8.000 quote

    again = client.post(BASE, json=body, headers={**employer, **key})
    assert again.status_code == 201
    assert (again.json["id"], again.json["replayed"]) == (first.json["id"], True)
    other = client.post(
        BASE,
        json={
            **body,
            "persons": [_json(provider_id=scene.provider.provider_id, full_name="Piet Jansen")],
        },
        headers={**employer, **key},
    )
    assert other.status_code == 409
    assert _count(app, EmployerApplication) == 1

    url = f"{BASE}/{first.json['id']}"
    sent = client.post(f"{url}/actions/submit", json={}, headers=employer)
    assert sent.status_code == 200, sent.text
    assert sent.json["status"] == "submitted"
    assert client.get(BASE, headers=employer).json["items"][0]["persons"] == 1

    queue = client.get("/api/v1/fund/employer-applications", headers=admin).json
    assert [(q["id"], q["employer_name"]) for q in queue] == [(placement["id"], "DTAB Twente")]
    decide = f"/api/v1/fund/placements/{placement['id']}/actions/approve"
    once = client.post(decide, json={}, headers=admin)
    assert once.status_code == 200, once.text
    assert once.json["status"] == "approved_once"  # above the four-eyes threshold
    twice = client.post(decide, json={}, headers=admin2)
    assert twice.json["status"] == "approved"
    assert twice.json["committed_cents"] == 400_000
    assert client.get(url, headers=employer).json["status"] == "decided"

    follow_up = f"/api/v1/employer/placements/{placement['id']}/follow-ups"
    early = client.post(follow_up, json={"months": 6, "still_employed": True}, headers=employer)
    assert early.status_code == 409
    assert early.headers["Content-Type"].startswith("application/problem+json")
    start = dt.date.fromisoformat(placement["start_date"])
    with clock.frozen_at(dt.datetime.combine(start, dt.time(12), dt.UTC) + dt.timedelta(days=190)):
        done = client.post(follow_up, json={"months": 6, "still_employed": True}, headers=employer)
    assert done.status_code == 200, done.text
    six = next(f for f in done.json["follow_ups"] if f["months"] == 6)
    assert six["still_employed"] is True
    assert six["recorded_at"]
    with app.app_context():
        assert verify() == []


def test_a_person_listed_twice_is_refused_by_field_and_nothing_is_written(
    scene, client, api_headers, app
):
    employer = api_headers(scene.dtab)
    same = _json(provider_id=scene.provider.provider_id)
    response = client.post(BASE, json=_body(scene, same, dict(same)), headers=employer)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "full_name" in response.json["errors"]["persons"]["1"]
    assert "0" not in response.json["errors"]["persons"]
    unlisted = _json(
        provider_id=scene.provider.provider_id, occupation="Lasser", full_name="Piet Jansen"
    )
    response = client.post(BASE, json=_body(scene, same, unlisted), headers=employer)
    assert response.status_code == 422
    assert set(response.json["errors"]["persons"]) == {"1"}
    assert "occupation" in response.json["errors"]["persons"]["1"]
    assert (_count(app, EmployerApplication), _count(app, Placement)) == (0, 0)


def test_who_may_do_what(scene, client, api_headers, app, make_staff):
    employer, broker = api_headers(scene.dtab), api_headers(scene.broker)
    created = client.post(BASE, json=_body(scene), headers=employer)
    url = f"{BASE}/{created.json['id']}"

    other = api_headers(scene.other)
    assert client.get(url, headers=other).status_code == 404
    assert client.post(f"{url}/actions/submit", json={}, headers=other).status_code == 404
    assert client.get(BASE, headers=other).json["total"] == 0
    for refused in (
        api_headers(scene.provider),
        _worker_headers(app, make_staff, api_headers),
        api_headers(scene.admin),
    ):
        response = client.get(url, headers=refused)
        assert response.status_code == 403
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert client.post(BASE, json=_body(scene), headers=refused).status_code == 403
    assert client.get("/api/v1/fund/employer-applications", headers=employer).status_code == 403

    # A broker prepares for an employer of the fund's caseload, but never sends it.
    assert client.get(url, headers=broker).status_code == 200
    prepared = client.post(
        BASE,
        headers=broker,
        json=_body(
            scene,
            _json(provider_id=scene.provider.provider_id, full_name="Piet Jansen"),
            employer_id=scene.dtab.employer_id,
        ),
    )
    assert prepared.status_code == 201, prepared.text
    refused = client.post(f"{BASE}/{prepared.json['id']}/actions/submit", json={}, headers=broker)
    assert refused.status_code == 403
    assert "werkgever" in refused.json["detail"]  # the caller's language: Dutch by default
    outside = client.post(
        BASE, headers=broker, json=_body(scene, employer_id=scene.other.employer_id)
    )
    assert outside.status_code == 404
    unnamed = client.post(BASE, headers=broker, json=_body(scene))
    assert unnamed.status_code == 422
    assert "employer_id" in unnamed.json["errors"]
    assert (
        client.post(f"{BASE}/{prepared.json['id']}/actions/submit", json={}, headers=employer).json[
            "status"
        ]
        == "submitted"
    )


def test_withdrawing_needs_a_reason_and_a_closure_releases_the_commitment(
    scene, client, api_headers, app
):
    employer, admin = api_headers(scene.dtab), api_headers(scene.admin)
    small = _json(provider_id=scene.provider.provider_id, quote_cents=200_000)
    created = client.post(BASE, json=_body(scene, small), headers=employer).json
    url = f"{BASE}/{created['id']}"
    client.post(f"{url}/actions/submit", json={}, headers=employer)
    placement_id = created["persons"][0]["id"]
    unexplained = client.post(f"{url}/actions/withdraw", json={}, headers=employer)
    assert unexplained.status_code == 422
    assert "reason" in unexplained.json["errors"]
    approved = client.post(
        f"/api/v1/fund/placements/{placement_id}/actions/approve",
        json={"cents": 90_000},
        headers=admin,
    )
    assert approved.json["committed_cents"] == 90_000
    late = client.post(f"{url}/actions/withdraw", json={"reason": "Te laat"}, headers=employer)
    assert late.status_code == 409
    closed = client.post(
        f"/api/v1/employer/placements/{placement_id}/actions/not_started",
        json={"reason": "Kwam niet opdagen"},
        headers=employer,
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json["status"], closed.json["committed_cents"]) == ("not_started", 0)
    with app.app_context():
        assert verify() == []
