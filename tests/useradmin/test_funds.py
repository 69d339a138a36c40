"""Opening a fund from the platform administrator's pages: its pot made as the command line
makes it, its region and bank account, an optional first deposit, all in one commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from wallet.audit.models import AuditEvent
from wallet.core.db import session
from wallet.core.errors import Forbidden, ValidationFailed
from wallet.funds.models import Fund
from wallet.funds.services import fund_figures
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerTransaction
from wallet.useradmin.funds import NewFund, open_fund

IBAN = "NL91 ABNA 0417 1643 00"


def _new(**changes) -> NewFund:
    values = {"name": "Zeeuws Scholingsfonds", "region": "Twente", "iban": IBAN}
    values.update(changes)
    return NewFund(**values)


def test_a_fund_opens_with_its_pot_region_bank_account_and_first_deposit(app, db, admin, as_admin):
    fund = as_admin(open_fund, _new(opening_cents=25_000_000, reference="Besluit GS 2027-14"))
    stored = db.get(Fund, fund.id)
    assert (stored.region, stored.iban, stored.bic) == ("Twente", "NL91ABNA0417164300", "ABNANL2A")
    with app.app_context():
        assert ledger.get_account(stored.pot_account_id).kind == AccountKind.FUND_POT
        assert fund_figures(fund.id).available_cents == 25_000_000
    actions = list(
        db.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_type == "fund", AuditEvent.actor_id == admin.id)
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["create", "fund_details_set", "deposit"]
    details = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "fund_details_set"))
    assert details.after["iban"].endswith("4300")
    assert "0417" not in details.after["iban"]


def test_a_fund_opens_without_a_deposit(db, as_admin):
    fund = as_admin(open_fund, _new(bic="abnanl2a"))
    assert db.get(Fund, fund.id).bic == "ABNANL2A"
    assert db.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"iban": "NL91 ABNA 0417 1643 01"}, "iban"),
        ({"region": "Atlantis"}, "region"),
        ({"bic": "INGBNL2A"}, "bic"),
        ({"bic": "not a bic!"}, "bic"),
        ({"opening_cents": 100_000, "reference": " "}, "reference"),
        ({"name": "  "}, "name"),
    ],
)
def test_a_fund_with_a_wrong_detail_is_not_opened_at_all(db, as_admin, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        as_admin(open_fund, _new(**changes))
    assert field in refused.value.errors
    assert db.scalar(sa.select(sa.func.count()).select_from(Fund)) == 0
    assert (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.subject_type == "fund")
        )
        == 0
    )


def test_only_a_platform_administrator_opens_a_fund(app, db, make_staff):
    from wallet.accounts.models import Role, User

    fund_admin = make_staff(Role.FUND_ADMIN)
    with app.app_context(), pytest.raises(Forbidden):
        open_fund(session.get(User, fund_admin.id), _new())
    assert db.scalar(sa.select(Fund).where(Fund.name == "Zeeuws Scholingsfonds")) is None
