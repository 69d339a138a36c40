"""An approved placement of DTAB, its approval half a year ago (the 6-month follow-up due), and
a valid reimbursement claim for it as form fields; shared by the page and the API tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tests.claims.conftest import pdf
from tests.placements.conftest import person
from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import session

QUOTE = 300_000  # € 3.000: the scheme pays half, € 1.500, of which 25 % is held back


def approved_placement(app, make_scene, *, months_ago: int = 7, **changes) -> SimpleNamespace:
    """A scene (make_scene(**changes)) with one approved person: scene.placement_id."""
    from wallet.placements import review, services

    changes.setdefault("window_opens_on", "2024-01-01")
    scene = make_scene(**changes)
    moment = clock.now() - dt.timedelta(days=30 * months_ago)
    with app.app_context(), clock.frozen_at(moment):
        employer = session.get(User, scene.dtab.id)
        data = person(
            quote_cents=QUOTE,
            provider_id=scene.provider.provider_id,
            start_date=moment.date() + dt.timedelta(days=7),
        )
        application = services.compose_application(
            employer, scene.dtab.employer_id, scene.scheme.id, [data]
        )
        services.submit_application(employer, application.id)
        placement_id = application.placements[0].id
        for admin in (scene.admin, scene.admin2):
            placement = review.review(placement_id, "approve", actor=session.get(User, admin.id))
            if placement.status.value == "approved":
                break
    scene.placement_id = placement_id
    return scene


def claim_files(**changes) -> dict[str, bytes]:
    """The invoice and the proofs, as PDFs."""
    files = {
        "invoice_pdf": pdf("factuur"),
        "payment_proof_pdf": pdf("bankafschrift"),
        "employment_proof_pdf": pdf("arbeidscontract"),
    }
    files.update(changes)
    return {k: v for k, v in files.items() if v is not None}
