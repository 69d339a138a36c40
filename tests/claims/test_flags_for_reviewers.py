"""The fraud rules' reasons are for reviewers: a provider sees only that its claim is under
extra review, on the claim page and in the API."""

import pytest

from tests.claims.conftest import claim_input
from wallet.claims import services
from wallet.core.db import session, unit_of_work
from wallet.fraud.models import RiskFlag, Severity

REASON = "Prijs vlak onder het budgetplafond van de regeling (geheime regel 7)"


@pytest.fixture
def flagged(app, make_journey):
    """A submitted claim with a high-risk flag on its application."""
    j = make_journey()
    with app.app_context():
        claim = services.submit(j["staff"], j["application"].id, claim_input())
        with unit_of_work():
            session.add(
                RiskFlag(
                    application_id=j["application"].id,
                    claim_id=claim.id,
                    code="price_near_cap",
                    severity=Severity.HIGH,
                    reason=REASON,
                )
            )
        j["claim_id"] = claim.id
    return j


def test_the_provider_reads_extra_review_but_not_the_rule(client, login, flagged):
    login(client, flagged["staff"])
    page = client.get(f"/claims/{flagged['claim_id']}")
    assert page.status_code == 200
    assert REASON not in page.text
    assert "Hoog risico" not in page.text
    assert "extra gecontroleerd" in page.text


def test_the_reviewer_reads_the_rule(client, login, flagged):
    login(client, flagged["admins"][0])
    page = client.get(f"/claims/{flagged['claim_id']}")
    assert REASON in page.text
    assert "extra gecontroleerd" not in page.text


def test_the_api_keeps_the_rules_from_the_provider(client, api_headers, flagged):
    url = f"/api/v1/claims/{flagged['claim_id']}"
    mine = client.get(url, headers=api_headers(flagged["staff"])).json
    assert mine["flags"] == []
    assert mine["under_extra_review"] is True
    assert REASON not in str(mine)
    reviewed = client.get(url, headers=api_headers(flagged["admins"][0])).json
    assert [flag["reason"] for flag in reviewed["flags"]] == [REASON]
