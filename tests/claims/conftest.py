"""A worker's application taken to the point of invoicing, with two administrators of its fund."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.claims.models import ClaimKind
from wallet.claims.services import ClaimInput
from wallet.core import clock
from wallet.core.db import session


def pdf(title: str = "factuur") -> bytes:
    """A real one-page PDF."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ubl(number: str, payable: str, tax: str = "0.00", vat_id: str = "NL001234567B01") -> bytes:
    """A minimal UBL 2.1 invoice with what the cross-check reads."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>{number}</cbc:ID>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>
    <cbc:CompanyID>{vat_id}</cbc:CompanyID>
  </cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">{payable}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>""".encode()


def claim_input(**fields) -> ClaimInput:
    """A correct final claim of € 2.400 with 90 % attendance, changed by `fields`."""
    values = {
        "kind": ClaimKind.FINAL,
        "invoice_number": "F-2026-001",
        "invoice_date": clock.today(),
        "amount_cents": 240_000,
        "vat_cents": 0,
        "description": "Basiscursus MIG/MAG-lassen",
        "attendance_pct": 90,
        "invoice_pdf": pdf(),
    }
    values.update(fields)
    return ClaimInput(**values)


@pytest.fixture
def make_journey(
    app, accredited_provider, make_fund, make_scheme, make_worker, make_grant
) -> Callable:
    """make_journey(rules=..., stage="completed"|"in_progress") -> dict of the actors and the
    application (detached): a € 2.400 course fully paid by a € 3.000 budget, two fund
    administrators. It runs in its own app context, so API tests need no app_ctx."""
    from wallet.accounts.services import create_staff_user

    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    counter = iter(range(1, 100))

    def make(rules: dict | None = None, stage: str = "completed") -> dict:
        n = next(counter)
        clock.set_now(None)  # a second journey starts from today again
        fund = make_fund(1_000_000)
        worker = make_worker(email=f"journey{n}@example.nl")
        grant = make_grant(make_scheme(fund, amount_cents=300_000, rules=rules or {}), worker)
        with app.app_context():
            return _walk(n, fund, worker, grant, accredited_provider, stage)

    def _walk(n, fund, worker, grant, accredited_provider, stage) -> dict:
        admins = [
            create_staff_user(
                email=f"admin{n}{i}@example.nl",
                name=f"Beheerder {i}",
                password=PASSWORD,
                role=Role.FUND_ADMIN,
                fund=fund,
            )
            for i in (1, 2)
        ]
        run = session.scalar(
            sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        staff = session.get(User, accredited_provider.id)
        worker = session.get(User, worker.id)
        application = applications.apply(worker, run.id, password=PASSWORD, expected_copay_cents=0)
        applications.decide(application.id, "confirm", actor=staff)
        clock.set_now(clock.now() + dt.timedelta(days=31))
        applications.decide(application.id, "start", actor=staff)
        if stage == "completed":
            applications.decide(application.id, "complete", actor=staff)
        session.commit()
        admins = [session.get(User, a.id) for a in admins]
        for loaded in (application, staff, worker, *admins):
            session.refresh(loaded)
        return {
            "worker": worker,
            "staff": staff,
            "admins": admins,
            "application": application,
            "grant": grant,
            "fund": fund,
        }

    return make
