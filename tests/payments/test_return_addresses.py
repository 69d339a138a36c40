"""Addresses handed to Stripe come from BASE_URL, never from the request's Host header."""

from tests.conftest import PASSWORD
from tests.twofactor.signin import sign_in
from wallet.payments import pages

EVIL = "https://evil.example"


def test_stripe_is_sent_back_to_our_own_site_whatever_host_was_asked_for(
    client, make_provider_user, monkeypatch
):
    seen = {}

    def onboarding_link(provider_id, *, return_url, refresh_url):
        seen.update(return_url=return_url, refresh_url=refresh_url)
        return "https://connect.stripe.com/setup/e/acct_1/abc"

    monkeypatch.setattr(pages.connect, "onboarding_link", onboarding_link)
    staff = make_provider_user()
    assert sign_in(client, staff.email, PASSWORD, base_url=EVIL).status_code == 302
    response = client.post("/provider/stripe", base_url=EVIL)
    assert response.status_code == 302
    assert seen == {
        "return_url": "http://127.0.0.1:5000/provider/stripe/return",
        "refresh_url": "http://127.0.0.1:5000/provider/stripe/refresh",
    }
