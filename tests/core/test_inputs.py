"""Input no database can take is a clear 4xx that writes nothing: ids beyond the integer
range in any path or API body, NUL bytes in any text, bodies over the size limit."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.catalogue.conftest import CSV
from tests.claims.conftest import pdf
from tests.conftest import PASSWORD
from wallet.accounts.models import Role
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core.db import Base, session

HUGE = (2**31, 2**63, 2**64)


def _row_counts(db) -> dict[str, int]:
    db.rollback()
    return {
        table.name: db.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def _routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        names = [
            name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)
        ]
        if names:
            yield rule, names


def _text(rule, name: str) -> str:
    """A value the rule takes for a text argument: one of its choices where it has some."""
    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "approve"


@pytest.mark.parametrize("number", HUGE)
def test_no_route_matches_an_id_beyond_the_integer_range(app, number):
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule, names in _routes_with_ids(app):
        values = dict.fromkeys(rule.arguments, 1)
        values.update({name: _text(rule, name) for name in rule.arguments if name not in names})
        path = adapter.build(rule.endpoint, values, method=next(iter(rule.methods)))
        path = re.sub(r"(?<=/)1(?=/|$)", str(number), path)  # every id in the path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            try:
                endpoint, _values = adapter.match(path, method=method)
            except (NotFound, MethodNotAllowed):
                endpoint = None
            assert endpoint != rule.endpoint, path  # another route may take it as text
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_id_in_a_path_is_a_404_for_signed_in_users(
    app, client, make_staff, api_headers, login, number
):
    admin = make_staff(Role.FUND_ADMIN)
    api = app.test_client()
    for path in (
        f"/api/v1/claims/{number}",
        f"/api/v1/schemes/{number}/grants",
        f"/api/v1/ledger/accounts/{number}",
    ):
        answer = api.get(path, headers=api_headers(admin))
        assert answer.status_code == 404, (path, answer.text)
        assert answer.mimetype == "application/problem+json"
    login(client, admin)
    page = client.get(f"/claims/{number}")
    assert page.status_code == 404
    assert page.mimetype == "text/html"


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, -(2**64)])
def test_a_huge_integer_in_an_api_body_is_a_422_and_writes_nothing(
    client, db, make_staff, api_headers, number
):
    admin = make_staff(Role.FUND_ADMIN)
    headers = api_headers(admin)
    scheme = client.post(
        f"/api/v1/funds/{admin.fund_id}/schemes",
        headers=headers,
        json={
            "name": "Budget",
            "allocation_mode": "manual",
            "amount_cents": 100_000,
            "validity_months": 12,
            "rules": {},
        },
    )
    assert scheme.status_code == 201, scheme.text
    before = _row_counts(db)
    answer = client.post(
        f"/api/v1/schemes/{scheme.json['id']}/grants", json={"user_id": number}, headers=headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.mimetype == "application/problem+json"
    assert "user_id" in answer.json["errors"]["json"]
    assert _row_counts(db) == before


def test_a_huge_application_id_in_a_multipart_claim_is_a_422(
    client, db, accredited_provider, api_headers
):
    headers = api_headers(accredited_provider)
    before = _row_counts(db)
    data = {
        "application_id": str(2**64),
        "invoice_number": "F-1",
        "invoice_date": "2026-01-05",
        "amount_cents": "1000",
        "description": "Cursus",
        "invoice_pdf": (io.BytesIO(pdf()), "f.pdf", "application/pdf"),
    }
    answer = client.post(
        "/api/v1/provider/claims", data=data, headers=headers, content_type="multipart/form-data"
    )
    assert answer.status_code == 422, answer.text
    assert _row_counts(db) == before


def test_a_nul_byte_in_json_is_a_400_and_writes_nothing(client, db, make_staff, api_headers):
    admin = make_staff(Role.FUND_ADMIN)
    headers = api_headers(admin)
    before = _row_counts(db)
    for body, extra in (
        ({"amount_cents": 100, "reference": "bank\x00"}, {}),
        ({"amount_cents": 100, "reference": "bank", "b\x00": 1}, {}),
        ({"amount_cents": 100, "reference": "bank"}, {"Idempotency-Key": "k\x00"}),
    ):
        answer = client.post(
            f"/api/v1/funds/{admin.fund_id}/deposits", json=body, headers={**headers, **extra}
        )
        assert answer.status_code == 400, answer.text
        assert answer.mimetype == "application/problem+json"
    assert _row_counts(db) == before


def test_a_nul_byte_in_a_form_or_query_is_a_400_page(client, db, make_worker):
    worker = make_worker()
    before = _row_counts(db)
    login = client.post("/login", data={"email": f"{worker.email}\x00", "password": "x"})
    assert login.status_code == 400
    assert login.mimetype == "text/html"
    assert "NUL" in login.text
    assert client.get("/courses?q=las%00").status_code == 400
    assert _row_counts(db) == before


@pytest.mark.parametrize("path", ["/login", "/api/v1/funds/1/deposits"])
def test_a_body_over_the_limit_is_a_413_with_a_readable_answer(app, client, db, monkeypatch, path):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    before = _row_counts(db)
    answer = client.post(path, data={"email": "a@example.nl", "password": "x" * 20_000})
    assert answer.status_code == 413
    if path.startswith("/api/"):
        assert answer.mimetype == "application/problem+json"
    else:
        assert answer.mimetype == "text/html"
        assert "<h1" in answer.text
    assert _row_counts(db) == before


def test_a_huge_run_in_the_apply_page_query_is_no_error(client, make_worker, login):
    login(client, make_worker())
    answer = client.get(f"/applications/new?run={2**64}")
    assert answer.status_code == 302


@pytest.mark.parametrize("copay", ["abc", str(2**64), "-5", ""])
def test_a_garbled_hidden_copayment_on_the_apply_form_is_no_error(
    app,
    client,
    db,
    login,
    accredited_provider,
    make_fund,
    make_scheme,
    make_worker,
    make_grant,
    copay,
):
    worker = make_worker()
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
    login(client, worker)
    before = _row_counts(db)
    answer = client.post(
        f"/applications/new?run={run_id}", data={"password": PASSWORD, "expected_copay": copay}
    )
    assert answer.status_code in (302, 409, 422), answer.status_code
    assert _row_counts(db) == before
