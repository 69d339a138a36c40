"""One role check everywhere: each role sees its own dashboard and nothing it should not."""

import pytest

from wallet.accounts.models import Role

DASHBOARD_MARKERS = {
    Role.WORKER: ("Mijn budget", "My budget"),
    Role.PROVIDER_STAFF: ("API-tokens", "API tokens"),
    Role.EMPLOYER_STAFF: ("wordt gecontroleerd door", "is being checked by"),
    Role.FUND_ADMIN: ("Declaraties", "Claims waiting for review"),
    Role.BROKER: ("Mijn caseload", "My caseload"),
    Role.PLATFORM_ADMIN: ("Platformbeheer", "Platform administration"),
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_own_dashboard(client, make_user, login, role):
    login(client, make_user(role))
    page = client.get("/").text
    assert any(marker in page for marker in DASHBOARD_MARKERS[role])
    for other, markers in DASHBOARD_MARKERS.items():
        if other not in (role, Role.PROVIDER_STAFF):
            assert not any(marker in page for marker in markers), other


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        (Role.WORKER, 403),
        (Role.PROVIDER_STAFF, 200),
        (Role.EMPLOYER_STAFF, 200),
        (Role.FUND_ADMIN, 200),
        (Role.BROKER, 200),
        (Role.PLATFORM_ADMIN, 403),
    ],
)
def test_api_token_page_is_for_the_staff_of_providers_employers_and_funds(
    client, make_user, login, role, status
):
    if role is not None:
        login(client, make_user(role))
    response = client.get("/account/tokens")
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/login?next=")
