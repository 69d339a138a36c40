"""Closing an account, and its personal data pseudonymised after the retention period while
grants, claims, the ledger and the audit trail stay whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from tests.claims.conftest import claim_input, pdf
from tests.conftest import PASSWORD
from wallet.accounts.models import User, WorkerProfile
from wallet.accounts.services import LoginRefused, authenticate
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.claims import files
from wallet.claims import services as claims
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.grants.models import Grant
from wallet.housekeeping import pseudonyms
from wallet.housekeeping.closing import close_account
from wallet.profiles.services import profile_of, update_profile

DAY = dt.timedelta(days=1)


def _years_later(moment: dt.datetime, years: int) -> dt.datetime:
    return moment.replace(year=moment.year + years)


def _events(user_id: int, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.subject_type == "user",
                AuditEvent.subject_id == user_id,
                AuditEvent.action == action,
            )
        )
    )


@pytest.fixture
def closed_worker(app_ctx, make_fund, make_scheme, make_worker, make_grant):
    """A worker with a € 1.000 budget, a home address and a changed name, closed today."""
    fund = make_fund(1_000_000)
    worker = make_worker(name="Anna de Vries", email="anna@example.nl")
    make_grant(make_scheme(fund, amount_cents=100_000), worker)
    change = replace(
        profile_of(worker.id), name="Anna Jansen", postcode="7511AB", house_number="12"
    )
    update_profile(worker.id, change, actor_id=worker.id)
    close_account(worker.id, reason="Op eigen verzoek (brief van 1 juni)")
    session.expire_all()
    return session.get(User, worker.id)


def test_a_closed_account_cannot_sign_in_and_the_closing_is_audited(closed_worker):
    assert closed_worker.closed
    assert not closed_worker.active
    with pytest.raises(LoginRefused):
        authenticate("anna@example.nl", PASSWORD, "192.0.2.1")
    (event,) = _events(closed_worker.id, "account_closed")
    assert event.reason == "Op eigen verzoek (brief van 1 juni)"
    with pytest.raises(Conflict):
        close_account(closed_worker.id, reason="nog eens")


def test_closing_needs_a_reason(app_ctx, make_worker):
    worker = make_worker()
    with pytest.raises(ValidationFailed):
        close_account(worker.id, reason="  ")
    assert session.get(User, worker.id).active


def test_the_account_is_pseudonymised_just_past_the_retention_and_not_before(app, closed_worker):
    years = app.config["PERSONAL_DATA_RETENTION_YEARS"]
    assert years == 7
    user_id, closed_at = closed_worker.id, closed_worker.closed_at
    born = session.get(WorkerProfile, user_id).date_of_birth
    grants = [(g.id, g.amount_cents) for g in session.scalars(sa.select(Grant))]

    clock.set_now(_years_later(closed_at, years) - DAY)
    assert pseudonyms.pseudonymise_closed_accounts() == 0
    assert session.get(User, user_id).name == "Anna Jansen"

    clock.set_now(_years_later(closed_at, years) + DAY)
    assert pseudonyms.pseudonymise_closed_accounts() == 1

    session.expire_all()
    user = session.get(User, user_id)
    assert user.name == f"gebruiker-{user_id}"
    assert user.email == f"removed-{user_id}@invalid"
    assert user.pseudonymised_at is not None
    profile = session.get(WorkerProfile, user_id)
    assert profile.date_of_birth == dt.date(born.year, 1, 1)
    assert profile.postcode is None
    assert profile.house_number is None
    # The money is untouched and still explained.
    assert [(g.id, g.amount_cents) for g in session.scalars(sa.select(Grant))] == grants
    assert verify() == []
    # The audit trail keeps what happened, not who it was.
    (changed,) = _events(user_id, "profile_changed")
    assert "Anna" not in str(changed.before) + str(changed.after)
    assert "7511AB" not in str(changed.after)
    assert changed.after["name"] == f"gebruiker-{user_id}"
    assert _events(user_id, "account_closed")[0].reason.startswith("Op eigen verzoek")
    (done,) = _events(user_id, "account_pseudonymised")
    assert done.after["audit_snapshots"] >= 1
    # Once only.
    assert pseudonyms.pseudonymise_closed_accounts() == 0


def test_a_dry_run_counts_the_accounts_due_and_changes_nothing(app, runner, closed_worker):
    user_id = closed_worker.id
    clock.set_now(_years_later(closed_worker.closed_at, 7) + DAY)
    result = runner.invoke(args=["housekeeping", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "users: 1 gesloten accounts te pseudonimiseren" in result.output
    session.expire_all()
    assert session.get(User, user_id).name == "Anna Jansen"
    assert not _events(user_id, "account_pseudonymised")


def test_open_accounts_are_never_pseudonymised(app_ctx, make_worker):
    worker = make_worker(name="Piet Open")
    clock.set_now(clock.now() + dt.timedelta(days=365 * 20))
    assert pseudonyms.pseudonymise_closed_accounts() == 0
    assert session.get(User, worker.id).name == "Piet Open"


def test_the_certificate_of_a_pseudonymised_worker_is_removed_and_the_claim_stays(
    app, runner, make_journey
):
    journey = make_journey()
    with app.app_context():
        claim = claims.submit(
            journey["staff"],
            journey["application"].id,
            claim_input(certificate_pdf=pdf("certificaat Anna")),
        )
        claim_id, amount, name = claim.id, claim.amount_cents, claim.certificate_file
        assert files.exists(name)
        worker_id = journey["worker"].id

    result = runner.invoke(
        args=["housekeeping", "close-account", str(worker_id), "--reason", "verzoek"]
    )
    assert result.exit_code == 0, result.output
    assert f"Account {worker_id} gesloten." in result.output

    clock.set_now(_years_later(clock.now(), 7) + DAY)
    result = runner.invoke(args=["housekeeping", "run"])
    assert result.exit_code == 0, result.output
    assert "users: 1 gesloten accounts gepseudonimiseerd" in result.output

    with app.app_context():
        claim = session.get(Claim, claim_id)
        assert claim.certificate_file is None
        assert all(v.data.get("certificate_file") is None for v in claim.versions)
        assert claim.amount_cents == amount
        assert claim.invoice_file is not None
        assert not files.exists(name)
        assert verify() == []


def test_a_certificate_another_claim_still_names_stays(app, make_journey):
    group_certificate = pdf("groepscertificaat")
    first, second = make_journey(), make_journey()
    with app.app_context():
        names = [
            claims.submit(
                j["staff"],
                j["application"].id,
                claim_input(invoice_number=f"F-{n}", certificate_pdf=group_certificate),
            ).certificate_file
            for n, j in enumerate((first, second))
        ]
        assert names[0] == names[1]
        close_account(first["worker"].id, reason="verzoek")
        clock.set_now(_years_later(clock.now(), 7) + DAY)
        assert pseudonyms.pseudonymise_closed_accounts() == 1
        assert files.exists(names[0])  # the second worker's claim needs it
        certificates = session.scalars(sa.select(Claim.certificate_file).order_by(Claim.id))
        assert list(certificates) == [None, names[1]]
        assert verify() == []
