"""Approved claims of one fund and one provider with bank accounts, ready for a batch."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - the fixture
from wallet.claims import services as claims
from wallet.claims.models import Claim
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.providers.models import Provider

FUND_IBAN, PROVIDER_IBAN = "NL91ABNA0417164300", "NL20INGB0001234567"


@pytest.fixture
def approved(app, make_journey):  # noqa: F811 - the imported fixture
    """approved(amounts) -> (journeys, fund id, claim ids): one journey per amount, all of one
    provider, their claims approved on the first journey's fund; the fund and the provider
    have bank accounts. Runs in its own app context (page tests need no app_ctx)."""

    counter = iter(range(1, 1000))

    def make(amounts=(240_000, 200_000), onto=None):
        """`onto`: an earlier result whose fund (and administrator) gets these claims too."""
        with app.app_context():
            return _make(amounts, onto)

    def _make(amounts, onto):
        first = make_journey()
        fund_id = onto[1] if onto else first["fund"].id
        admin = onto[0][0]["admins"][0] if onto else first["admins"][0]
        journeys, ids = [first], []
        for _ in amounts[1:]:
            journeys.append(make_journey())
        session.get(Fund, fund_id).iban = FUND_IBAN
        provider = session.get(Provider, first["application"].provider_id)
        provider.iban, provider.name = PROVIDER_IBAN, "Techniek Academie Twente"
        session.commit()
        for journey, cents in zip(journeys, amounts, strict=True):
            # every journey has its own fund: move its claim onto the first fund's review
            claim = claims.submit(
                journey["staff"],
                journey["application"].id,
                claim_input(invoice_number=f"F-{next(counter)}", amount_cents=cents),
            )
            session.execute(sa.update(Claim).where(Claim.id == claim.id).values(fund_id=fund_id))
            session.commit()
            claims.review(claim.id, "approve", actor=admin)
            ids.append(claim.id)
        return journeys, fund_id, ids

    return make
