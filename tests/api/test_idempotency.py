"""Every endpoint that honours Idempotency-Key: a replay writes nothing and answers as the
first time; the same key with any field of the body changed is refused (409).

The endpoints come from the OpenAPI document, so a new one without a case here fails.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.claims.conftest import make_journey, pdf, ubl  # noqa: F401 - fixture
from tests.conftest import PASSWORD
from tests.payments.fixtures import approved  # noqa: F401 - fixture
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
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
    body = {"kind": "final", "invoice_number": "IDEM-1", "invoice_date": "2026-01-05",
            "amount_cents": 240_000, "vat_cents": 0, "description": "Lascursus",
            "attendance_pct": 92, "invoice_pdf": pdf()}  # fmt: skip
    if application_id is not None:
        body["application_id"] = application_id
    return body


def _claim_changes(body: dict) -> dict[str, dict]:
    new = {"application_id": body.get("application_id", 0) + 1_000, "kind": "advance",
           "invoice_number": "IDEM-2", "invoice_date": "2026-01-06", "amount_cents": 239_999,
           "vat_cents": 1, "description": "Lascursus, deel 2", "attendance_pct": 93,
           "invoice_pdf": pdf("another invoice"), "certificate_pdf": pdf("certificaat"),
           "ubl_xml": ubl("IDEM-1", "2400.00")}  # fmt: skip
    return {name: {**body, name: value} for name, value in new.items()}


def _deposits(make_staff, api_headers, **_fixtures) -> Case:
    admin = make_staff(Role.FUND_ADMIN)
    body = {"amount_cents": 500_000, "reference": "bank-1"}
    return Case(f"/api/v1/funds/{admin.fund_id}/deposits", api_headers(admin), body,
                {"amount_cents": {**body, "amount_cents": 500_001},
                 "reference": {**body, "reference": "bank-2"},
                 "currency": {**body, "currency": "EUR"}})  # fmt: skip


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
    changed = {"user_id": {"user_id": other.id}, "email": {"email": worker.email},
               "amount_cents": {**body, "amount_cents": 100_000}}  # fmt: skip
    return Case(f"/api/v1/schemes/{scheme.id}/grants", api_headers(admin), body, changed)


def _application_action(
    app, accredited_provider, make_fund, make_scheme, make_worker, make_grant, api_headers,
    **_fixtures,
) -> Case:  # fmt: skip
    worker = make_worker()
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run = session.scalar(sa.select(CourseRun).join(Course).where(
            Course.code == "LAS-1", CourseRun.code == "R1"))  # fmt: skip
        application = applications.apply(session.get(User, worker.id), run.id,
                                         password=PASSWORD, expected_copay_cents=0)  # fmt: skip
        session.commit()
        application_id = application.id
    changed = {"reason": {"reason": "vol"}, "payment_reference": {"payment_reference": "P-1"}}
    url = f"/api/v1/provider/applications/{application_id}/confirm"
    return Case(url, api_headers(accredited_provider), {}, changed)


def _claims(make_journey, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    body = _claim_body(j["application"].id)
    return Case("/api/v1/provider/claims", api_headers(j["staff"]), body,
                _claim_changes(body), multipart=True)  # fmt: skip


def _submitted_claim(client, j, api_headers) -> int:
    body = _claim_body(j["application"].id)
    data = {k: (io.BytesIO(v), "f.pdf") if isinstance(v, bytes) else str(v)
            for k, v in body.items()}  # fmt: skip
    made = client.post("/api/v1/provider/claims", data=data, headers=api_headers(j["staff"]),
                       content_type="multipart/form-data")  # fmt: skip
    assert made.status_code == 201, made.text
    return made.json["id"]


def _resubmit(make_journey, api_headers, client, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    claim_id = _submitted_claim(client, j, api_headers)
    rejected = client.post(f"/api/v1/claims/{claim_id}/reject", json={"reason": "bijlage mist"},
                           headers=api_headers(j["admins"][0]))  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    body = _claim_body()
    return Case(f"/api/v1/provider/claims/{claim_id}/resubmit", api_headers(j["staff"]), body,
                _claim_changes(body), multipart=True)  # fmt: skip


def _review(make_journey, api_headers, client, **_fixtures) -> Case:  # noqa: F811 - fixture
    j = make_journey()
    claim_id = _submitted_claim(client, j, api_headers)
    return Case(f"/api/v1/claims/{claim_id}/approve", api_headers(j["admins"][0]), {},
                {"reason": {"reason": "in orde"}, "flags_seen": {"flags_seen": True}})  # fmt: skip


def _new_payout_batch(approved, api_headers, **_fixtures) -> Case:  # noqa: F811 - fixture
    journeys, _fund_id, _ids = approved()
    return Case("/api/v1/payout-batches", api_headers(journeys[0]["admins"][0]),
                {"method": "sepa"}, {"method": {"method": "stripe"}})  # fmt: skip


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
    return Case(f"/api/v1/payout-items/{item_id}/actions/mark_paid", api_headers(admin), {},
                {"reason": {"reason": "betaald volgens afschrift"}})  # fmt: skip


CASES: dict[str, Callable[..., Case]] = {
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
FIXTURES = ("app", "client", "make_staff", "make_fund", "make_scheme", "make_worker",
            "make_grant", "api_headers", "accredited_provider", "make_journey",
            "approved")  # fmt: skip


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
    return {table.name: db.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}  # fmt: skip


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
