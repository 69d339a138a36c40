"""Acts that cannot be undone ask first: posted without `confirm=1` the confirmation page is
shown and nothing changes; posted from that page (with `confirm=1`) the act is done."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - the fixture
from tests.payments.fixtures import approved  # noqa: F401 - the fixture
from wallet.accounts.models import Role
from wallet.audit.models import AuditEvent
from wallet.claims.models import Claim
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.funds.services import deposit
from wallet.ledger.models import LedgerTransaction
from wallet.payments.models import PayoutBatch, PayoutItem
from wallet.schemes.models import Scheme

CONFIRM_FIELD = 'name="confirm" value="1"'


def _state(db) -> tuple:
    db.expire_all()
    return (
        tuple(db.scalars(sa.select(Scheme.status).order_by(Scheme.id))),
        tuple(db.scalars(sa.select(Claim.status).order_by(Claim.id))),
        tuple(db.scalars(sa.select(PayoutBatch.status).order_by(PayoutBatch.id))),
        tuple(db.scalars(sa.select(PayoutItem.status).order_by(PayoutItem.id))),
        db.scalar(sa.select(sa.func.count(LedgerTransaction.id))),
        db.scalar(sa.select(sa.func.count(AuditEvent.id))),
    )


# Each case makes what its act needs and returns (who acts, url, fields, words on the page).


def _close_scheme(r):
    admin = r.getfixturevalue("make_staff")(Role.FUND_ADMIN)
    app = r.getfixturevalue("app")
    with app.app_context():
        fund = session.get(Fund, admin.fund_id)
        deposit(fund.id, 1_000_000, reference="start")
    scheme = r.getfixturevalue("make_scheme")(fund, name="Scholingsbudget Twente")
    return admin, f"/fund/schemes/{scheme.id}/close", {}, "Scholingsbudget Twente"


def _claim(r, *, reject: bool = False):
    from wallet.claims import services as claims

    journey = r.getfixturevalue("make_journey")()
    with r.getfixturevalue("app").app_context():
        claim = claims.submit(journey["staff"], journey["application"].id, claim_input())
        action = "reject" if reject else "approve"
        claims.review(claim.id, action, actor=journey["admins"][0], reason="Bewijs ontbreekt")
        return journey, claim.id, claim.reference


def _claw_back(r):
    journey, claim_id, reference = _claim(r)
    fields = {"reason": "Cursus niet gegeven"}
    return journey["admins"][1], f"/claims/{claim_id}/claw_back", fields, reference


def _close_claim(r):
    journey, claim_id, reference = _claim(r, reject=True)
    return journey["staff"], f"/claims/{claim_id}/close", {}, reference


def _batch(r, *, submitted: bool):
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, _ids = r.getfixturevalue("approved")()
    with r.getfixturevalue("app").app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        if submitted:
            batches.submit_batch(batch.id, fund_id, actor=None)
        return journeys[0]["admins"][0], batch.id, batch.reference, batch.items[0].id


def _discard_batch(r):
    admin, batch_id, reference, _item = _batch(r, submitted=False)
    return admin, f"/fund/payouts/{batch_id}/discard", {}, reference


def _payment(step):
    def case(r):
        admin, _batch_id, _reference, item_id = _batch(r, submitted=True)
        fields = {"reason": "Rekening opgeheven"} if step == "failed" else {}
        return admin, f"/fund/payouts/items/{item_id}/{step}", fields, "Techniek Academie Twente"

    return case


ACTS = {
    "close a scheme": _close_scheme,
    "claw back a claim": _claw_back,
    "close a claim unpaid": _close_claim,
    "discard a payout batch": _discard_batch,
    "mark a payment paid": _payment("paid"),
    "mark a payment failed": _payment("failed"),
}


@pytest.mark.parametrize("act", ACTS.values(), ids=ACTS.keys())
def test_an_irreversible_act_asks_first_and_acts_only_when_confirmed(
    request, client, db, login, act
):
    user, url, fields, words = act(request)
    login(client, user)
    before = _state(db)
    asked = client.post(url, data=fields)
    assert asked.status_code == 200, asked.text
    assert CONFIRM_FIELD in asked.text
    assert words in asked.text  # the page says what the act is about, by name
    for value in fields.values():  # what the first step sent is carried over
        assert f'value="{value}"' in asked.text
    assert _state(db) == before
    done = client.post(url, data={**fields, "confirm": "1"})
    assert done.status_code == 302, done.text
    assert _state(db) != before
