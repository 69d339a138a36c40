"""API fuzzing: schemathesis sends generated requests for every operation of
/api/openapi.json to the app in-process (WSGI, no server), anonymous and with a token of
each staff role; no answer may be a server error, and every documented answer must match
its schema.

Bounded and derandomized, so a run is the same every time and takes about a minute. The
number of requests is counted and printed at the end of the run (see conftest.py).
"""

from __future__ import annotations

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - fixture
from tests.payments.fixtures import FUND_IBAN, PROVIDER_IBAN
from wallet import create_app
from wallet.accounts.models import Role, User
from wallet.claims import services as claims
from wallet.claims.models import Claim
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.payments import batches
from wallet.payments.models import PayoutMethod
from wallet.providers.models import Provider

EXAMPLES = 12  # per operation; each example is sent once per identity below
# The document is read at collection from an app of its own (it needs no database): the
# lazy `from_fixture` loader does not run under pytest 9. Requests go to the test app.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
)


@pytest.fixture
def counted_app(app, fuzz_counter):
    """The test app, its requests counted while the fuzzing test runs."""
    with fuzz_counter.counting(app) as counted:
        yield counted


def _platform_admin_headers(app, make_staff, api_headers) -> dict:
    """The product gives platform administrators no API token; should one hold one anyway
    (a fund administrator promoted later), the API must still answer correctly."""
    user = make_staff(Role.FUND_ADMIN)
    headers = api_headers(user)
    with app.app_context():
        promoted = session.get(User, user.id)
        promoted.role, promoted.fund_id = Role.PLATFORM_ADMIN, None
        session.commit()
    return headers


def _payout_batches(j: dict, others: list[dict]) -> None:
    """Payout batches of j's fund: a submitted one (its file downloads, its payment can be
    marked) and a draft (it can be submitted or discarded), each paying another journey's
    claim moved onto j's fund (as tests/payments/fixtures.py does)."""
    admin = session.get(User, j["admins"][0].id)
    fund_id = j["fund"].id
    session.get(Fund, fund_id).iban = FUND_IBAN
    session.get(Provider, j["application"].provider_id).iban = PROVIDER_IBAN
    session.commit()
    for n, other in enumerate(others, start=1):
        staff = session.get(User, other["staff"].id)
        claim = claims.submit(
            staff, other["application"].id, claim_input(invoice_number=f"F-PAYOUT-{n}")
        )
        session.execute(sa.update(Claim).where(Claim.id == claim.id).values(fund_id=fund_id))
        session.commit()
        claims.review(claim.id, "approve", actor=admin)
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
        if n == 1:
            batches.submit_batch(batch.id, fund_id, actor=admin)


@pytest.fixture
def identities(
    app,
    make_journey,  # noqa: F811
    make_staff,
    make_employer_user,
    api_headers,
) -> dict[str, dict]:
    """Headers of each caller: nobody, provider staff, an employer's staff (an HR system),
    a fund and a platform administrator.

    The provider and the fund administrator share a worker's application with a submitted
    claim and the fund's payout batches, so small generated ids (1, 2, ...) reach real rows
    and the paths behind them."""
    j = make_journey()
    others = [make_journey(), make_journey()]
    with app.app_context():
        staff = session.get(User, j["staff"].id)
        claims.submit(staff, j["application"].id, claim_input())
        session.commit()
        _payout_batches(j, others)
    return {
        "anonymous": {},
        "provider": api_headers(j["staff"]),
        "employer": api_headers(make_employer_user()),
        "fund_admin": api_headers(j["admins"][0]),
        "platform_admin": _platform_admin_headers(app, make_staff, api_headers),
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_answers_as_documented(case, counted_app, identities):
    for headers in identities.values():
        case.call_and_validate(
            app=counted_app,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance],
        )
