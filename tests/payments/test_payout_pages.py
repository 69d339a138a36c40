"""The payout pages and the payouts command line: the same services, the same answers."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.payments.camt_builder import camt053
from tests.payments.fixtures import FUND_IBAN
from wallet.bankdetails.models import BankAccountChange
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.payments.models import PayoutBatch
from wallet.payments.sepa import validate


def _batch(app) -> PayoutBatch | None:
    with app.app_context():
        return session.scalar(sa.select(PayoutBatch).order_by(PayoutBatch.id.desc()))


def test_an_administrator_pays_through_the_pages(app, app_ctx, client, login, approved):
    journeys, fund_id, _ids = approved()
    session.get(Fund, fund_id).iban = None
    session.commit()
    admin = journeys[0]["admins"][0]
    login(client, admin)
    assert client.get("/fund/payouts").status_code == 200
    wrong = {"iban": "NL91 ABNA 0417 1643 01", "password": PASSWORD}  # one digit wrong
    assert client.post("/bank-details", data=wrong).status_code == 422
    right = {"iban": "nl91 abna 0417 1643 00", "password": PASSWORD}
    assert client.post("/bank-details", data=right).status_code == 302
    assert session.get(Fund, fund_id).iban is None  # until a second administrator confirms
    change_id = session.scalar(sa.select(BankAccountChange.id))
    session.commit()
    client.post("/logout")
    login(client, journeys[0]["admins"][1])
    assert "NL91 ABNA 0417 1643 00" in client.get(f"/admin/bank-details/{change_id}/confirm").text
    client.post(f"/admin/bank-details/{change_id}/confirm")
    session.expire_all()
    assert session.get(Fund, fund_id).iban == FUND_IBAN
    session.commit()
    client.post("/logout")
    login(client, admin)
    created = client.post("/fund/payouts", data={"method": "sepa"})
    batch = _batch(app)
    assert created.headers["Location"].endswith(f"/fund/payouts/{batch.id}")
    assert client.get(f"/fund/payouts/{batch.id}").status_code == 200
    client.post(f"/fund/payouts/{batch.id}/submit", data={"confirm": "1"})
    download = client.get(f"/fund/payouts/{batch.id}/sepa.xml?schema=pain.001.001.03")
    assert download.status_code == 200
    validate(download.data, "pain.001.001.03")
    references = session.scalars(sa.select(Claim.reference)).all()
    amounts = dict(session.execute(sa.select(Claim.reference, Claim.amount_cents)).all())
    session.commit()
    statement = camt053(
        [{"end_to_end_id": r, "amount": f"{amounts[r] / 100:.2f}"} for r in references]
    )
    page = client.post(
        "/fund/payouts/statements",
        content_type="multipart/form-data",
        data={"statement": (io.BytesIO(statement), "camt.xml")},
    )
    assert page.status_code == 200
    session.expire_all()
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.PAID}


def test_others_cannot_see_or_touch_a_fund_s_batches(
    app, client, login, approved, make_staff, make_provider_user
):
    from wallet.accounts.models import Role
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, _ids = approved()
    with app.app_context():
        batch_id = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch.id
    login(client, make_staff(Role.FUND_ADMIN))
    assert client.get(f"/fund/payouts/{batch_id}").status_code == 404
    client.post(f"/fund/payouts/{batch_id}/submit", data={"confirm": "1"})
    client.post("/logout")
    login(client, journeys[0]["staff"])
    assert client.get(f"/fund/payouts/{batch_id}").status_code == 403
    assert _batch(app).status.value == "draft"


def test_the_command_line_makes_submits_and_exports(app, runner, approved, tmp_path):
    _journeys, fund_id, _ids = approved()
    made = runner.invoke(args=["payouts", "create", "--fund", str(fund_id)])
    assert made.exit_code == 0, made.output
    batch = _batch(app)
    early = runner.invoke(args=["payouts", "export-sepa", str(batch.id)])
    assert early.exit_code != 0
    assert runner.invoke(args=["payouts", "submit", str(batch.id)]).exit_code == 0
    target = tmp_path / "batch.xml"
    done = runner.invoke(args=["payouts", "export-sepa", str(batch.id), "--output", str(target)])
    assert done.exit_code == 0, done.output
    validate(target.read_bytes(), "pain.001.001.09")


def test_the_provider_follows_its_payouts(app, client, login, approved):
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, _ids = approved()
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
    login(client, journeys[0]["staff"])
    page = client.get("/provider/stripe")
    assert page.status_code == 200
    assert batch.reference in page.text
    assert "4.400,00" in page.text


def test_reconcile_exits_non_zero_when_the_books_and_the_payouts_differ(app, runner, approved):
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    _journeys, fund_id, _ids = approved()
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
    clean = runner.invoke(args=["payouts", "reconcile"])
    assert clean.exit_code == 0, clean.output
    assert "Everything agrees." in clean.output
    with app.app_context():  # behind the app's back: the item says paid, the ledger in transit
        session.execute(sa.text("UPDATE payout_items SET status = 'paid'"))
        session.commit()

    found = runner.invoke(args=["payouts", "reconcile"])

    assert found.exit_code == 1
    assert f"fund {fund_id}: ledger in_transit" in found.output
    assert "findings" in found.output


def test_the_batch_page_shows_a_transfer_returned_after_it_was_paid(app, client, login, approved):
    from wallet.accounts.models import User
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod
    from wallet.payments.statements import import_statement

    journeys, fund_id, _ids = approved()
    admin = journeys[0]["admins"][0]
    with app.app_context():
        session.execute(sa.update(User).where(User.id == admin.id).values(preferred_language="en"))
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        rows = session.execute(sa.select(Claim.reference, Claim.amount_cents)).all()
        lines = [{"end_to_end_id": r, "amount": f"{c / 100:.2f}"} for r, c in rows]
        import_statement(fund_id, camt053(lines), actor=None)
        back = {**lines[0], "debit": False, "returned": "AC04", "booked_on": "2024-05-09"}
        import_statement(fund_id, camt053([back]), actor=None)
        batch_id = batch.id
    login(client, admin)

    page = client.get(f"/fund/payouts/{batch_id}")

    assert page.status_code == 200
    assert "returned by the bank on" in page.text


def test_paid_returned_and_paid_again_through_the_pages_leaves_verify_clean(
    app, app_ctx, client, login, approved
):
    """The whole SEPA journey on the pages, `ledger verify` after every step: pay, the bank
    returns one transfer on a later statement (uploaded twice), batch it again, pay it."""
    import datetime as dt

    from wallet.books.verify import verify
    from wallet.core import clock

    journeys, _fund, _ids = approved()
    login(client, journeys[0]["admins"][0])
    amounts = dict(session.execute(sa.select(Claim.reference, Claim.amount_cents)).all())
    session.commit()

    def upload(lines: list[dict]) -> str:
        data = {"statement": (io.BytesIO(camt053(lines)), "camt.xml")}
        page = client.post(
            "/fund/payouts/statements", content_type="multipart/form-data", data=data
        )
        assert page.status_code == 200
        return page.text

    def clean() -> None:
        session.expire_all()
        assert verify() == []
        session.commit()

    def pay(reference: str, end_to_end: str) -> dict:
        return {"end_to_end_id": end_to_end, "amount": f"{amounts[reference] / 100:.2f}"}

    def statuses() -> dict:
        session.expire_all()
        found = dict(session.execute(sa.select(Claim.reference, Claim.status)).all())
        session.commit()
        return found

    def sent(batch_id: int) -> bytes:
        download = client.get(f"/fund/payouts/{batch_id}/sepa.xml?schema=pain.001.001.03")
        assert download.status_code == 200
        return download.data

    client.post("/fund/payouts", data={"method": "sepa"})
    first = _batch(app).id
    clean()
    client.post(f"/fund/payouts/{first}/submit", data={"confirm": "1"})
    clean()
    file = sent(first)
    with clock.frozen_at(clock.now() + dt.timedelta(days=2)):  # the same file days later
        login(client, journeys[0]["admins"][0])  # the session of two days ago has ended
        assert sent(first) == file
    upload([pay(r, r) for r in amounts])
    assert set(statuses().values()) == {ClaimStatus.PAID}
    clean()

    returned, kept = sorted(amounts)
    back = {
        **pay(returned, returned),
        "debit": False,
        "returned": "AC04",
        "booked_on": "2024-05-09",
    }
    upload([back])
    upload([back])  # the same statement again changes nothing
    assert statuses() == {returned: ClaimStatus.APPROVED, kept: ClaimStatus.PAID}
    clean()

    client.post("/fund/payouts", data={"method": "sepa"})
    again = _batch(app).id
    assert again != first
    client.post(f"/fund/payouts/{again}/submit", data={"confirm": "1"})
    clean()
    assert f"{returned}-2".encode() in sent(again)
    upload([pay(returned, f"{returned}-2")])
    assert set(statuses().values()) == {ClaimStatus.PAID}
    clean()


def test_the_page_refuses_stripe_where_it_is_not_set_up(app, client, login, approved):
    """The rule moved from the page into the service: the page still refuses."""
    journeys, _fund_id, _ids = approved()
    login(client, journeys[0]["admins"][0])

    page = client.post("/fund/payouts", data={"method": "stripe"}, follow_redirects=True)

    assert page.status_code == 200
    assert "Stripe is hier niet ingesteld: betaal met een SEPA-bestand." in page.text
    assert _batch(app) is None
