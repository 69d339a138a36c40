"""Every endpoint that honours Idempotency-Key: a replay writes nothing and answers as the
first time; the same key with any field of the body changed is refused (409).

The endpoints come from the OpenAPI document, so a new one without a case here fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.claims.conftest import make_journey, pdf, ubl  # noqa: F401 - fixture
from tests.conftest import PASSWORD
from tests.payments.fixtures import approved  # noqa: F401 - fixture
from tests.placements.conftest import make_scene, person  # noqa: F401 - fixture
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - fixture
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core import clock
from wallet.core.db import Base, session
from wallet.funds.models import Fund
from wallet.funds.services import deposit


@dataclass
class Case:
    """A valid keyed request, and for each body field a body with that field changed."""

    url: str
    headers: dict
    body: dict
    changed: dict[str, dict] = field(default_factory=dict)
    multipart: bool = False


def _send(client, case: Case, body: dict, key: str):
    headers = {**case.headers, "Idempotency-Key": key}
    if not case.multipart:
        return client.post(case.url, json=body, headers=headers)
    data = {
        name: (io.BytesIO(value), f"{name}.bin") if isinstance(value, bytes) else str(value)
        for name, value in body.items()
    }
    return client.post(case.url, data=data, headers=headers, content_type="multipart/form-data")


def _claim_body(application_id: int | None = None) -> dict:
    body = {
        "kind": "final",
        "invoice_number": "IDEM-1",
        "invoice_date": "2026-01-05",
        "amount_cents": 240_000,
        "vat_cents": 0,
        "description": "Lascursus",
        "attendance_pct": 92,
        "invoice_pdf": pdf(),
    }
    if application_id is not None:
        body["application_id"] = application_id
    return body


def _claim_changes(body: dict) -> dict[str, dict]:
    new = {
        "application_id": body.get("application_id", 0) + 1_000,
        "kind": "advance",
        "invoice_number": "IDEM-2",
        "invoice_date": "2026-01-06",
        "amount_cents": 239_999,
        "vat_cents": 1,
        "description": "Lascursus, deel 2",
        "attendance_pct": 93,
        "invoice_pdf": pdf("another invoice"),
        "certificate_pdf": pdf("certificaat"),
        "ubl_xml": ubl("IDEM-1", "2400.00"),
    }
    return {name: {**body, name: value} for name, value in new.items()}


def _deposits(make_staff, api_headers, **_fixtures) -> Case:
    admin = make_staff(Role.FUND_ADMIN)
    body = {"amount_cents": 500_000, "reference": "bank-1"}
    return Case(
        f"/api/v1/funds/{admin.fund_id}/deposits",
        api_headers(admin),
        body,
        {
            "amount_cents": {**body, "amount_cents": 500_001},
            "reference": {**body, "reference": "bank-2"},
            "currency": {**body, "currency": "EUR"},
        },
    )


def _grants(app, make_staff, make_scheme, make_worker, api_headers, **_fixtures) -> Case:
    admin = make_staff(Role.FUND_ADMIN)
    with app.app_context():
        deposit(admin.fund_id, 1_000_000, reference="start")
        fund = session.get(Fund, admin.fund_id)
        session.expunge(fund)
    scheme = make_scheme(fund, amount_cents=100_000)
    worker, other = make_worker(), make_worker()
    body = {"user_id": worker.id}
    # The same worker by e-mail, or the scheme's own amount spelled out, is still another
    # request: a retry sends the same body.
    changed = {
        "user_id": {"user_id": other.id},
        "email": {"email": worker.email},
        "amount_cents": {**body, "amount_cents": 100_000},
    }
    return Case(f"/api/v1/schemes/{scheme.id}/grants", api_headers(admin), body, changed)


def _application_action(
    app,
    accredited_provider,
    make_fund,
    make_scheme,
    make_worker,
    make_grant,
    api_headers,
    **_fixtures,
) -> Case:
    worker = make_worker()
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run = session.scalar(
            sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        application = applications.apply(
            session.get(User, worker.id), run.id, password=PASSWORD, expected_copay_cents=0
        )
        session.commit()
        application_id = application.id
    changed = {"reason": {"reason": "vol"}, "payment_reference": {"payment_reference": "P-1"}}
    url = f"/api/v1/provider/applications/{application_id}/confirm"
    return Case(url, api_headers(accredited_provider), {}, changed)


def _claims(make_journey, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    body = _claim_body(j["application"].id)
    return Case(
        "/api/v1/provider/claims",
        api_headers(j["staff"]),
        body,
        _claim_changes(body),
        multipart=True,
    )


def _submitted_claim(client, j, api_headers) -> int:
    body = _claim_body(j["application"].id)
    data = {
        k: (io.BytesIO(v), "f.pdf") if isinstance(v, bytes) else str(v) for k, v in body.items()
    }
    made = client.post(
        "/api/v1/provider/claims",
        data=data,
        headers=api_headers(j["staff"]),
        content_type="multipart/form-data",
    )
    assert made.status_code == 201, made.text
    return made.json["id"]


def _resubmit(make_journey, api_headers, client, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    claim_id = _submitted_claim(client, j, api_headers)
    rejected = client.post(
        f"/api/v1/claims/{claim_id}/reject",
        json={"reason": "bijlage mist"},
        headers=api_headers(j["admins"][0]),
    )
    assert rejected.status_code == 200, rejected.text
    body = _claim_body()
    return Case(
        f"/api/v1/provider/claims/{claim_id}/resubmit",
        api_headers(j["staff"]),
        body,
        _claim_changes(body),
        multipart=True,
    )


def _review(make_journey, api_headers, client, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    claim_id = _submitted_claim(client, j, api_headers)
    return Case(
        f"/api/v1/claims/{claim_id}/approve",
        api_headers(j["admins"][0]),
        {},
        {"reason": {"reason": "in orde"}, "flags_seen": {"flags_seen": True}},
    )


def _placement(app, make_scene, *, approved: bool, draft: bool = False) -> tuple:  # noqa: F811
    """A scene and one person in DTAB's application: a draft, sent, or approved half a year
    ago (so the 6-month follow-up is due)."""
    from wallet.placements import review, services

    scene = make_scene(window_opens_on="2024-01-01")
    moment = clock.now() - dt.timedelta(days=230) if approved else clock.now()
    with app.app_context(), clock.frozen_at(moment):
        employer, admin = session.get(User, scene.dtab.id), session.get(User, scene.admin.id)
        quote = {"quote_cents": 200_000, "provider_id": scene.provider.provider_id}
        application = services.compose_application(
            employer, scene.dtab.employer_id, scene.scheme.id, [person(**quote)]
        )
        if not draft:
            services.submit_application(employer, application.id)
        if approved:
            review.review(application.placements[0].id, "approve", actor=admin)
        ids = application.id, application.placements[0].id
    return scene, *ids


def _compose(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    scene = make_scene()
    one = {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in dataclasses.asdict(person(provider_id=scene.provider.provider_id)).items()
    }
    body = {"scheme_id": scene.scheme.id, "persons": [one]}
    changed = {
        "scheme_id": {**body, "scheme_id": scene.scheme.id + 1},
        "employer_id": {**body, "employer_id": scene.dtab.employer_id},
        "persons": {**body, "persons": [{**one, "hours_per_week": 32}]},
    }
    return Case("/api/v1/employer/applications", api_headers(scene.dtab), body, changed)


def _employer_action(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    scene, application_id, _placement_id = _placement(app, make_scene, approved=False, draft=True)
    url = f"/api/v1/employer/applications/{application_id}/actions/submit"
    return Case(url, api_headers(scene.dtab), {}, {"reason": {"reason": "klaar"}})


def _follow_up(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    scene, _application_id, placement_id = _placement(app, make_scene, approved=True)
    body = {"months": 6, "still_employed": True}
    changed = {
        "months": {**body, "months": 12},
        "still_employed": {**body, "still_employed": False, "note": "weg"},
        "note": {**body, "note": "goed"},
    }
    url = f"/api/v1/employer/placements/{placement_id}/follow-ups"
    return Case(url, api_headers(scene.dtab), body, changed)


def _closure(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    scene, _application_id, placement_id = _placement(app, make_scene, approved=True)
    url = f"/api/v1/employer/placements/{placement_id}/actions/end_early"
    return Case(
        url, api_headers(scene.dtab), {"reason": "ander werk"}, {"reason": {"reason": "verhuisd"}}
    )


def _decision(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    scene, _application_id, placement_id = _placement(app, make_scene, approved=False)
    url = f"/api/v1/fund/placements/{placement_id}/actions/approve"
    return Case(
        url,
        api_headers(scene.admin),
        {},
        {"cents": {"cents": 90_000}, "reason": {"reason": "in orde"}},
    )


def _reimbursement_body() -> dict:
    return {
        "part": "first",
        "invoice_number": "WG-1",
        "invoice_date": "2026-06-01",
        "invoice_cents": 300_000,
        "eligible_cents": 300_000,
        "invoice_pdf": pdf(),
        "payment_proof_pdf": pdf("betaald"),
        "employment_proof_pdf": pdf("contract"),
    }


def _reimbursement(app, make_scene, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    from tests.placements.reimbursement_scene import approved_placement

    scene = approved_placement(app, make_scene)
    body = _reimbursement_body()
    new = {
        "part": "retention",
        "invoice_number": "WG-2",
        "invoice_date": "2026-06-02",
        "invoice_cents": 299_999,
        "eligible_cents": 200_000,
        "invoice_pdf": pdf("ander"),
        "payment_proof_pdf": pdf("ander bewijs"),
        "employment_proof_pdf": pdf("loonstrook"),
        "participation_proof_pdf": pdf("presentie"),
        "ubl_xml": ubl("WG-1", "3000.00"),
    }
    changed = {name: {**body, name: value} for name, value in new.items()}
    url = f"/api/v1/employer/placements/{scene.placement_id}/reimbursement-claims"
    return Case(url, api_headers(scene.dtab), body, changed, multipart=True)


def _reimbursement_decision(app, make_scene, api_headers, client, **_fixtures) -> Case:  # noqa: F811
    from tests.placements.reimbursement_scene import approved_placement

    scene = approved_placement(app, make_scene)
    data = {
        k: (io.BytesIO(v), "f.pdf") if isinstance(v, bytes) else str(v)
        for k, v in _reimbursement_body().items()
    }
    made = client.post(
        f"/api/v1/employer/placements/{scene.placement_id}/reimbursement-claims",
        data=data,
        headers=api_headers(scene.dtab),
        content_type="multipart/form-data",
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/fund/reimbursement-claims/{made.json['id']}/actions/approve"
    return Case(url, api_headers(scene.admin), {}, {"reason": {"reason": "in orde"}})


def _new_payout_batch(approved, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    journeys, _fund_id, _ids = approved()
    return Case(
        "/api/v1/payout-batches",
        api_headers(journeys[0]["admins"][0]),
        {"method": "sepa"},
        {"method": {"method": "stripe"}},
    )


def _payout_batch(app, make_approved, submitted: bool = False):
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, _ids = make_approved()
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        if submitted:
            batches.submit_batch(batch.id, fund_id, actor=None)
        return journeys[0]["admins"][0], batch.id, batch.items[0].id


def _payout_batch_action(app, approved, api_headers, **_fixtures) -> Case:  # noqa: F811
    admin, batch_id, _item_id = _payout_batch(app, approved)
    return Case(f"/api/v1/payout-batches/{batch_id}/actions/submit", api_headers(admin), {})


def _payout_item_action(app, approved, api_headers, **_fixtures) -> Case:  # noqa: F811
    admin, _batch_id, item_id = _payout_batch(app, approved, submitted=True)
    return Case(
        f"/api/v1/payout-items/{item_id}/actions/mark_paid",
        api_headers(admin),
        {},
        {"reason": {"reason": "betaald volgens afschrift"}},
    )


CASES: dict[str, Callable[..., Case]] = {
    "post /api/v1/employer/placements/{placement_id}/reimbursement-claims": _reimbursement,
    "post /api/v1/fund/reimbursement-claims/{claim_id}/actions/{action}": _reimbursement_decision,
    "post /api/v1/employer/applications": _compose,
    "post /api/v1/employer/applications/{application_id}/actions/{action}": _employer_action,
    "post /api/v1/employer/placements/{placement_id}/follow-ups": _follow_up,
    "post /api/v1/employer/placements/{placement_id}/actions/{action}": _closure,
    "post /api/v1/fund/placements/{placement_id}/actions/{action}": _decision,
    "post /api/v1/funds/{fund_id}/deposits": _deposits,
    "post /api/v1/schemes/{scheme_id}/grants": _grants,
    "post /api/v1/provider/applications/{application_id}/{action}": _application_action,
    "post /api/v1/provider/claims": _claims,
    "post /api/v1/provider/claims/{claim_id}/resubmit": _resubmit,
    "post /api/v1/claims/{claim_id}/{action}": _review,
    "post /api/v1/payout-batches": _new_payout_batch,
    "post /api/v1/payout-batches/{batch_id}/actions/{action}": _payout_batch_action,
    "post /api/v1/payout-items/{item_id}/actions/{action}": _payout_item_action,
}
FIXTURES = (
    "app",
    "client",
    "make_staff",
    "make_fund",
    "make_scheme",
    "make_worker",
    "make_grant",
    "api_headers",
    "accredited_provider",
    "make_journey",
    "make_scene",
    "approved",
)


def _idempotent_operations(spec: dict) -> dict[str, dict]:
    """'method path' -> the properties of its request body, for every keyed operation."""
    found = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            names = [p.get("name") for p in operation.get("parameters", [])]
            if "Idempotency-Key" not in names:
                continue
            if "requestBody" not in operation:  # the path says it all (a batch's action)
                found[f"{method} {path}"] = {}
                continue
            content = next(iter(operation["requestBody"]["content"].values()))
            schema = spec["components"]["schemas"][content["schema"]["$ref"].split("/")[-1]]
            found[f"{method} {path}"] = schema["properties"]
    return found


def _row_counts(db) -> dict[str, int]:
    db.rollback()
    return {
        table.name: db.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_every_keyed_endpoint_has_a_case(client):
    operations = _idempotent_operations(client.get("/api/openapi.json").json)
    assert set(operations) == set(CASES)


@pytest.mark.parametrize("operation", sorted(CASES))
def test_a_replay_writes_nothing_and_any_changed_field_is_refused(request, client, db, operation):
    fixtures = {name: request.getfixturevalue(name) for name in FIXTURES}
    case = CASES[operation](**fixtures)
    documented = _idempotent_operations(client.get("/api/openapi.json").json)[operation]
    assert set(case.changed) == set(documented), "change every field of the body"

    first = _send(client, case, case.body, "idem-1")
    assert first.status_code in (200, 201), first.text
    before = _row_counts(db)
    again = _send(client, case, case.body, "idem-1")
    assert again.status_code == first.status_code, again.text
    answer = {k: v for k, v in again.json.items() if k != "replayed"}
    assert answer == {k: v for k, v in first.json.items() if k != "replayed"}
    assert again.json.get("replayed", True) is True
    assert _row_counts(db) == before

    for name, body in case.changed.items():
        refused = _send(client, case, body, "idem-1")
        assert refused.status_code == 409, (name, refused.status_code, refused.text)
        assert refused.mimetype == "application/problem+json"
        assert refused.json["title"] == "Idempotency key reused"
    assert _row_counts(db) == before
