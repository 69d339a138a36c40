"""The page shell: each role's menu links to pages that exist, the header marks the current
page, the footer carries the contact and the four pages every Dutch public service publishes,
and the cookie statement names exactly the cookies the app sets."""

from __future__ import annotations

import re

import pytest

from wallet.accounts.models import Role
from wallet.pages.navigation import ACCOUNT_LINKS, menu_for

INFO_PAGES = {
    "/privacy": {
        "nl": "Privacyverklaring",
        "en": "Privacy statement",
        "de": "Datenschutzerklärung",
    },
    "/cookies": {"nl": "Cookies", "en": "Cookies", "de": "Cookies"},
    "/toegankelijkheid": {
        "nl": "Toegankelijkheidsverklaring",
        "en": "Accessibility statement",
        "de": "Erklärung zur Barrierefreiheit",
    },
    "/hoe-het-werkt": {
        "nl": "Zo werken budgetten",
        "en": "How budgets work",
        "de": "So funktionieren Budgets",
    },
}


@pytest.mark.parametrize("role", [None, *Role])
def test_every_menu_link_of_every_role_leads_to_a_page(app, role):
    items = menu_for(role)
    assert 2 <= len(items) <= 6, "a few top-level items, the rest grouped"
    with app.test_request_context():
        from flask import url_for

        for item in items:
            for link in item.links:
                assert url_for(link.endpoint).startswith("/")
        for link in ACCOUNT_LINKS:
            assert url_for(link.endpoint).startswith("/")


def test_a_fund_administrators_fourteen_pages_sit_under_five_items():
    items = menu_for(Role.FUND_ADMIN)
    assert len(items) == 5
    assert sum(len(item.links) for item in items) >= 12
    assert [item.is_group for item in items] == [False, True, True, True, False]


def test_the_header_groups_links_and_marks_the_current_page(client, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    page = client.get("/review").text
    header = page.split("<main", 1)[0]
    # a group that opens without JavaScript, on a wide screen and in the phone's menu
    assert re.search(r'<details class="lw-nav__group" data-lw-menu>\s*<summary', header)
    assert '<summary class="lw-menu__button">Menu</summary>' in header
    assert 'lw-nav__summary lw-nav__summary--current">Te beoordelen</summary>' in header
    current = re.findall(r'<a [^>]*href="([^"]+)" aria-current="page"', header)
    assert set(current) == {"/review"}, current
    assert "Uitloggen" in header
    assert 'id="language-switch"' in header
    assert 'id="language-switch-menu"' in header


@pytest.mark.parametrize("path", INFO_PAGES)
@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_the_public_service_pages_speak_every_language(client, path, language):
    with client.session_transaction() as session:
        session["language"] = language
    response = client.get(path)
    assert response.status_code == 200
    heading = INFO_PAGES[path][language]
    assert f'<h1 class="utrecht-heading-1">{heading}</h1>' in response.text
    assert f"<title>{heading} · Leerwallet</title>" in response.text
    assert "utrecht-breadcrumb-nav" in response.text


def test_the_footer_links_the_pages_and_the_contact_from_config(app, client):
    page = client.get("/").text
    footer = page.split("<footer", 1)[1]
    for path in INFO_PAGES:
        assert f'href="{path}"' in footer
    assert 'href="mailto:info@leerwallet.nl"' in footer
    assert "tel:" not in footer  # no phone number configured: none shown

    app.config.update(FUND_CONTACT_EMAIL="vragen@fonds.nl", FUND_CONTACT_PHONE="053 123 45 67")
    try:
        footer = client.get("/").text.split("<footer", 1)[1]
    finally:
        app.config.update(FUND_CONTACT_EMAIL="info@leerwallet.nl", FUND_CONTACT_PHONE="")
    assert 'href="mailto:vragen@fonds.nl"' in footer
    assert 'href="tel:0531234567">053 123 45 67</a>' in footer


def test_the_cookie_statement_names_every_cookie_the_app_sets(client, login, make_worker):
    login(client, make_worker())
    client.get("/")
    set_by_app = {cookie.key for cookie in client._cookies.values()}
    assert set_by_app, "signing in sets cookies"
    statement = client.get("/cookies").text
    named = set(re.findall(r"<code data-lw-literal>([^<]+)</code>", statement))
    assert named == set_by_app


def test_the_favicon_is_served_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon"' in client.get("/").text


def test_a_deeper_page_has_a_breadcrumb_trail_ending_at_itself(client, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    page = client.get("/fund/reports/period").text
    trail = page.split('aria-label="Kruimelpad"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/"' in trail
    assert re.search(r'aria-current="page">Periodeverslag</a>', trail)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_in_a_roles_menu_opens_with_a_title_without_markup(
    app, client, login, make_user, role
):
    login(client, make_user(role))
    with app.test_request_context():
        from flask import url_for

        paths = [url_for(link.endpoint) for item in menu_for(role) for link in item.links]
        paths += [url_for(link.endpoint) for link in ACCOUNT_LINKS]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        title = re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)
        assert "<" not in title, f"{path} has markup in its title: {title!r}"
        assert re.search(r'aria-current="page"', response.text.split("<main", 1)[0]), path
