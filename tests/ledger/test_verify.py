"""`ledger verify` notices every kind of corruption it promises to, and nothing on sound data."""

import pytest
import sqlalchemy as sa

from wallet.books.verify import verify_ledger as verify
from wallet.core.db import unit_of_work
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind


@pytest.fixture
def books(app_ctx, make_fund, make_scheme, make_worker, make_grant):
    """A fund, a grant, a posted and a voided hold: sound books to break."""
    fund = make_fund(500_000)
    grant = make_grant(make_scheme(fund, amount_cents=100_000), make_worker())
    with unit_of_work():
        payable = ledger.open_account("provider:v:payable", AccountKind.PAYABLE).id
        posted = ledger.place_hold(grant.account_id, payable, 30_000).id
        voided = ledger.place_hold(grant.account_id, payable, 10_000).id
    with unit_of_work():
        ledger.post_hold(posted, 20_000, description="claim")
        ledger.void_hold(voided)
    assert verify() == []
    return {"fund": fund, "grant": grant, "payable": payable, "posted": posted, "voided": voided}


def _tamper(app_ctx, statement: str, **params) -> None:
    """Change the data behind the services' back (triggers lifted for ledger rows)."""
    with unit_of_work() as db:
        db.execute(sa.text(statement), params)


@pytest.mark.parametrize(
    ("statement", "invariant"),
    [
        ("UPDATE ledger_accounts SET posted_cents = posted_cents + 1 WHERE id = :grant", "5"),
        ("UPDATE ledger_accounts SET held_cents = 5 WHERE id = :grant", "2 holds"),
        ("UPDATE ledger_holds SET posted_cents = 100 WHERE id = :voided", "2 holds"),
        ("UPDATE ledger_holds SET posted_cents = NULL WHERE id = :posted", "2 holds"),
        ("UPDATE ledger_holds SET posted_cents = 25000 WHERE id = :posted", "4 paid"),
        ("UPDATE ledger_accounts SET allow_negative = true WHERE id = :payable", "2 never"),
        ("UPDATE grants SET amount_cents = 90000", "3 fund"),
        ("UPDATE schemes SET committed_cents = committed_cents + 1", "3 fund"),
    ],
)
def test_verify_reports_what_was_broken(app_ctx, books, statement, invariant):
    params = {
        k: (v if isinstance(v, int) else v.account_id) for k, v in books.items() if k in statement
    }
    _tamper(app_ctx, statement, **params)
    problems = verify()
    assert problems, statement
    assert any(p.invariant.startswith(invariant) for p in problems), problems
