"""Acts that cannot be undone ask first: the form without `confirm=1` shows what will happen, in
words and money, and changes nothing; the confirmation page's own form then does it once."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.claims.conftest import make_journey, pdf  # noqa: F401 - the fixtures
from tests.core.test_forms import MONEY_FORMS, Factories, _effects, _post
from tests.payments.fixtures import approved  # noqa: F401 - the fixture
from wallet.accounts.models import Role
from wallet.schemes.models import Scheme, SchemeStatus

UNDONE = "Dit kan niet ongedaan worden gemaakt."
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')

# case -> what its confirmation page must say (pages are Dutch by default)
ASKED = {
    "first come apply": [
        "Het budget van € ",
        "Je krijgt meteen een budget van € ",
        "Ja, neem het budget",
    ],
    "cancel application": [
        "annuleren?",
        "gaat terug naar je budget (hoogstens € ",
        "Nee, mijn aanvraag houden",
    ],
    "claim approve": ["goedkeuren?", "Opleider 1", "Bedrag", "Ja, keur "],
    "claim reject": ["afwijzen?", "Geen bewijs", "ziet je reden", "Ja, wijs "],
    "payout submit": ["indienen?", "pain.001", "Te betalen", "Ja, dien "],
}


def _hidden_fields(page: str) -> dict[str, str]:
    form = page[page.index('name="confirm"') - 600 :]
    return {name: html.unescape(value) for name, value in HIDDEN.findall(form)}


@pytest.mark.parametrize("name", ASKED.keys())
def test_an_act_that_cannot_be_undone_is_confirmed_first(request, client, db, login, name):
    user, url, fields = MONEY_FORMS[name](Factories(request))
    fields = {key: value for key, value in fields.items() if key != "confirm"}
    login(client, user)
    before = _effects(db)

    asked = _post(client, url, fields)

    assert asked.status_code == 200, asked.text
    assert _effects(db) == before  # nothing happened yet
    page = asked.text.replace("\xa0", " ")
    assert UNDONE in page
    for words in ASKED[name]:
        assert words in page, words
    assert "_cents" not in page
    sent = _hidden_fields(asked.text)
    assert sent["confirm"] == "1"
    assert {key: sent.get(key) for key in fields} == fields  # the first step's fields, kept

    done = client.post(url, data=sent)

    assert done.status_code == 302
    assert _effects(db) != before


def test_activating_a_scheme_is_confirmed_first(client, db, login, make_staff, make_scheme):
    admin = make_staff(Role.FUND_ADMIN)
    scheme = make_scheme(
        SimpleNamespace(id=admin.fund_id),
        name="Scholingsbudget 2026",
        amount_cents=150_000,
        activate=False,
    )
    login(client, admin)

    asked = client.post(f"/fund/schemes/{scheme.id}/activate")

    assert asked.status_code == 200
    page = asked.text.replace("\xa0", " ")
    assert "De regeling Scholingsbudget 2026 activeren?" in page
    assert "€ 1.500,00" in page
    assert UNDONE in page
    assert db.scalar(sa.select(Scheme.status).where(Scheme.id == scheme.id)) == SchemeStatus.DRAFT

    client.post(f"/fund/schemes/{scheme.id}/activate", data=_hidden_fields(asked.text))

    db.expire_all()
    assert db.scalar(sa.select(Scheme.status).where(Scheme.id == scheme.id)) == SchemeStatus.ACTIVE


def test_the_way_back_acts_on_nothing(request, client, db, login):
    user, url, _fields = MONEY_FORMS["claim approve"](Factories(request))
    login(client, user)
    before = _effects(db)
    asked = _post(client, url, {})
    back = re.search(r'href="([^"]+)">Nee, terug naar de declaratie', asked.text)
    assert back is not None
    assert client.get(back.group(1)).status_code == 200
    assert _effects(db) == before
