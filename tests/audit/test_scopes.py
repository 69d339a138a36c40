"""The features tell the audit trail which of their subjects are a fund's (wallet.audit.scopes)."""

from wallet.audit.scopes import fund_subjects


def test_claims_schemes_payouts_and_caseloads_are_registered(app):
    assert set(fund_subjects()) == {
        "claim",
        "scheme",
        "payout_batch",
        "payout_item",
        "payout_line",
        "caseload_entry",
    }
