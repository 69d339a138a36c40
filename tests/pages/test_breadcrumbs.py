"""Pages below a start page say where they are: a breadcrumb trail back to the start."""

from __future__ import annotations

import re

import pytest

from wallet.accounts.models import Role

TRAIL = re.compile(r'<nav class="utrecht-breadcrumb-nav[^"]*" aria-label="[^"]+">(.*?)</nav>', re.S)


def _trail(html: str) -> list[str]:
    """The crumbs' texts, first to last."""
    found = TRAIL.search(html)
    assert found, "no breadcrumb trail on the page"
    return [text.strip() for text in re.findall(r"<a [^>]*>([^<]*)</a>", found.group(1))]


PAGES = [
    (Role.PROVIDER_STAFF, "/provider/courses/new", ["Start", "Your courses", "New course"]),
    (Role.PROVIDER_STAFF, "/bank-details", ["Start", "Bank details"]),
    (Role.WORKER, "/account/password", ["Start", "Your account", "Change your password"]),
    (Role.WORKER, "/account/sessions", ["Start", "Your account", "Your sessions"]),
    (Role.WORKER, "/account/passkeys", ["Start", "Your account", "Passkeys"]),
    (Role.WORKER, "/budget/statement", ["Start", "Movements on my budgets"]),
    (Role.FUND_ADMIN, "/fund/schemes/new", ["Start", "New scheme"]),
]


@pytest.mark.parametrize(("role", "url", "crumbs"), PAGES, ids=[p[1] for p in PAGES])
def test_a_page_below_the_start_page_has_a_trail(client, login, make_user, role, url, crumbs):
    from wallet.accounts.models import User
    from wallet.core.db import session

    user = make_user(role)
    with client.application.app_context():
        session.get(User, user.id).preferred_language = "en"
        session.commit()
    login(client, user)
    page = client.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 200, url
    assert _trail(page.text) == crumbs
