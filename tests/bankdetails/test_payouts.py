"""A payout batch never pays to an IBAN that a second person has not confirmed: a payee whose
new IBAN waits is left out (the batch page says why) and paid, to the new IBAN, once it is
confirmed; a draft made before an IBAN changed cannot be submitted."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import gettext as _

from tests.bankdetails.conftest import NEW_IBAN
from tests.conftest import PASSWORD
from tests.payments import test_employer_payouts as employer_payouts
from tests.payments.fixtures import PROVIDER_IBAN, approved, make_journey
from tests.placements.conftest import make_employer_scheme, scene
from wallet.accounts.models import Role, User
from wallet.bankdetails import services as bankdetails
from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.payments import batches
from wallet.payments.models import PayoutMethod
from wallet.payments.sepa import sepa_file
from wallet.providers.models import Provider

both = employer_payouts.both
approved = approved
make_journey = make_journey
scene = scene
make_employer_scheme = make_employer_scheme
TODAY = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(TODAY):
        yield


def _provider_staff(app) -> User:
    """The staff member of the provider whose claims are approved (it has PROVIDER_IBAN)."""
    provider_id = session.scalar(sa.select(Provider.id).where(Provider.iban == PROVIDER_IBAN))
    return session.scalar(sa.select(User).where(User.provider_id == provider_id))


def test_a_batch_leaves_out_a_payee_whose_new_iban_waits_and_pays_it_once_confirmed(
    app, both, make_staff, client, login
):
    fund_id, admin, _reimbursement = both
    platform = make_staff(Role.PLATFORM_ADMIN)
    with app.app_context():
        change = bankdetails.request_change(_provider_staff(app), NEW_IBAN, password=PASSWORD)
        outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
        reason = _("bank details awaiting confirmation")
        assert outcome.left_out == [("Techniek Academie Twente", reason)]
        assert [item.provider_id for item in outcome.batch.items] == [None]  # the employer only
        batch_id = outcome.batch.id
        batches.submit_batch(batch_id, fund_id, actor=admin)
        first_file = sepa_file(batch_id, fund_id).decode()
    login(client, admin)
    page = client.get(f"/fund/payouts/{batch_id}")
    assert "Techniek Academie Twente: bankgegevens wachten op bevestiging" in page.text
    assert PROVIDER_IBAN not in first_file
    assert NEW_IBAN not in first_file
    with app.app_context():
        bankdetails.confirm_change(change.id, session.get(User, platform.id))
        outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
        assert outcome.left_out == []
        assert [item.iban for item in outcome.batch.items] == [NEW_IBAN]
        batches.submit_batch(outcome.batch.id, fund_id, actor=admin)
        document = sepa_file(outcome.batch.id, fund_id).decode()
        assert NEW_IBAN in document
        assert PROVIDER_IBAN not in document
        assert verify() == []


def test_a_draft_made_before_an_iban_changed_is_not_submitted(app, app_ctx, approved, make_staff):
    journeys, fund_id, _ids = approved()
    admin = journeys[0]["admins"][0]
    platform = session.get(User, make_staff(Role.PLATFORM_ADMIN).id)
    draft = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    change = bankdetails.request_change(_provider_staff(app), NEW_IBAN, password=PASSWORD)
    with pytest.raises(Conflict, match="Techniek Academie Twente"):  # the new IBAN waits
        batches.submit_batch(draft.id, fund_id, actor=admin)
    bankdetails.confirm_change(change.id, platform)
    with pytest.raises(Conflict):  # confirmed now, but the draft holds the old IBAN
        batches.submit_batch(draft.id, fund_id, actor=admin)
    batches.discard_batch(draft.id, fund_id, actor=admin)
    fresh = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(fresh.id, fund_id, actor=admin)
    assert NEW_IBAN in sepa_file(fresh.id, fund_id).decode()
    assert verify() == []


def test_nothing_to_pay_when_the_only_payee_waits(app, app_ctx, approved):
    _journeys, fund_id, _ids = approved()
    bankdetails.request_change(_provider_staff(app), NEW_IBAN, password=PASSWORD)
    with pytest.raises(ValidationFailed, match=_("bank details awaiting confirmation")):
        batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None)
