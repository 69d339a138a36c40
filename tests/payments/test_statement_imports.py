"""A bank statement is imported once: the same file again changes nothing and says so, in the
service, the page and the command line; the database refuses a second row for one file, so
two imports at once cannot both run."""

from __future__ import annotations

import io
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.ledger.test_concurrency import run_concurrently
from tests.payments.camt_builder import camt053
from wallet.accounts.models import User
from wallet.books.verify import verify
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction
from wallet.payments import batches
from wallet.payments.models import BankStatementImport, PayoutMethod
from wallet.payments.statements import import_statement


def _statement(fund_id: int) -> bytes:
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    rows = session.execute(sa.select(Claim.reference, Claim.amount_cents)).all()
    # the first transfer paid, the second returned: both kinds of line would book twice
    lines = [
        {"end_to_end_id": rows[0][0], "amount": f"{rows[0][1] / 100:.2f}"},
        {
            "end_to_end_id": rows[1][0],
            "amount": f"{rows[1][1] / 100:.2f}",
            "debit": False,
            "returned": "AC04",
        },
    ]
    data = camt053(lines)
    session.commit()
    return data


def _counts() -> tuple[int, int, list]:
    transactions = session.scalar(sa.select(sa.func.count(LedgerTransaction.id)))
    imports = session.scalar(sa.select(sa.func.count(BankStatementImport.id)))
    statuses = sorted(s.value for s in session.scalars(sa.select(Claim.status)))
    return transactions, imports, statuses


def test_the_same_file_twice_changes_nothing_and_says_so(app_ctx, approved):
    _journeys, fund_id, _ids = approved()
    data = _statement(fund_id)
    first = import_statement(fund_id, data, actor=None)
    assert (first.duplicate, first.matched, len(first.returned)) == (False, 1, 1)
    before = _counts()

    again = import_statement(fund_id, data, actor=None)

    assert again.duplicate
    assert again.imported_before is not None
    assert (again.matched, again.paid_items, again.returned, again.unmatched) == (0, [], [], [])
    session.expire_all()
    assert _counts() == before
    assert verify() == []


def test_the_database_refuses_a_second_row_for_one_file(app_ctx, make_fund):
    fund = make_fund()
    row = {
        "fund_id": fund.id,
        "file_sha256": "a" * 64,
        "imported_at": clock.now(),
        "matched": 0,
        "unmatched": [],
    }
    session.add(BankStatementImport(**row))
    session.commit()
    session.add(BankStatementImport(**row))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_two_imports_of_one_file_at_once_book_it_once(app, approved):
    _journeys, fund_id, _ids = approved()
    with app.app_context():
        data = _statement(fund_id)

    def run(_i: int) -> str:
        return "again" if import_statement(fund_id, data, actor=None).duplicate else "booked"

    outcomes = run_concurrently(app, 3, run)

    assert outcomes == Counter({"booked": 1, "again": 2})
    with app.app_context():
        kinds = Counter(session.scalars(sa.select(LedgerTransaction.kind)))
        assert (kinds["payout_returned"], kinds["payout_paid"]) == (1, 1)
        assert session.scalar(sa.select(sa.func.count(BankStatementImport.id))) == 1
        assert verify() == []


def test_the_page_says_the_file_was_imported_before(app, client, login, approved):
    journeys, fund_id, _ids = approved()
    with app.app_context():
        data = _statement(fund_id)
    admin = journeys[0]["admins"][0]
    with app.app_context():  # the page in English, whatever the translations say
        session.execute(sa.update(User).where(User.id == admin.id).values(preferred_language="en"))
        session.commit()
    login(client, admin)

    def upload():
        return client.post(
            "/fund/payouts/statements",
            content_type="multipart/form-data",
            data={"statement": (io.BytesIO(data), "camt.xml")},
        )

    first, second = upload(), upload()

    assert first.status_code == second.status_code == 200
    assert "imported before" not in first.text
    assert "imported before" in second.text
    with app.app_context():
        statuses = Counter(session.scalars(sa.select(Claim.status)))
        assert statuses == Counter({ClaimStatus.APPROVED: 1, ClaimStatus.PAID: 1})


def test_the_command_line_says_the_file_was_imported_before(app, runner, approved, tmp_path):
    _journeys, fund_id, _ids = approved()
    with app.app_context():
        data = _statement(fund_id)
    path = tmp_path / "camt.xml"
    path.write_bytes(data)
    args = ["payouts", "import-statement", str(path), "--fund", str(fund_id)]

    first, second = runner.invoke(args=args), runner.invoke(args=args)

    assert first.exit_code == 0, first.output
    assert "returned by the bank" in first.output
    assert second.exit_code == 0, second.output
    assert "imported before" in second.output
    assert "nothing was changed" in second.output
