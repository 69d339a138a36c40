"""Issue 14: no internal codes on screen and no dead ends. Ledger accounts and budgets by name,
no "Regio Regio", nothing offered that is then refused, no stale or false words."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.catalogue.conftest import CSV
from tests.claims.conftest import make_journey, pdf  # noqa: F401 - the fixtures
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core import clock
from wallet.core.db import session
from wallet.core.money import Money, MoneyError
from wallet.funds.models import Fund
from wallet.grants.models import Grant


@pytest.fixture
def applied(app, accredited_provider, make_fund, make_scheme, make_worker, make_grant):
    """J. Jansen applied for a € 2.400 course (starting in a month) with a € 3.000 budget."""
    fund = make_fund(1_000_000, name="Twents Fonds voor Vakmanschap")
    worker = make_worker(email="jan@example.nl", name="J. Jansen")
    make_grant(make_scheme(fund, name="Scholingsbudget Twente", amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run = session.scalar(
            sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        application = applications.apply(
            session.get(User, worker.id), run.id, password=PASSWORD, expected_copay_cents=0
        )
        return SimpleNamespace(
            fund_id=fund.id,
            worker=worker,
            staff=accredited_provider,
            application_id=application.id,
            starts_on=run.starts_on,
        )


def test_course_started_is_offered_only_from_the_start_date(app, client, login, applied):
    with app.app_context():
        applications.decide(
            applied.application_id, "confirm", actor=session.get(User, applied.staff.id)
        )
    login(client, applied.staff)
    before = client.get("/provider/applications").text
    assert "Opleiding begonnen" not in before
    assert "als begonnen melden vanaf de startdatum" in before
    clock.set_now(dt.datetime.combine(applied.starts_on, dt.time(9), dt.UTC))
    login(client, applied.staff)  # a month later: signed in again
    on_the_day = client.get("/provider/applications").text
    assert "Opleiding begonnen" in on_the_day


def test_a_cancelled_application_shows_its_budget_back_not_as_used(app, client, login, applied):
    login(client, applied.worker)
    assert "Uit je budget: € 2.400,00" in client.get("/applications").text.replace("\xa0", " ")
    done = client.post(f"/applications/{applied.application_id}/cancel", data={"confirm": "1"})
    assert done.status_code == 302
    page = client.get("/applications").text.replace("\xa0", " ")
    assert "Geannuleerd" in page
    assert "Uit je budget: € 2.400,00" not in page
    assert "€ 2.400,00 die voor deze opleiding gereserveerd was, staat weer in je budget" in page
    assert "gereserveerd, € 0,00 betaald aan de opleider" not in page


def test_cancelling_without_the_confirmation_changes_nothing(app, client, login, applied):
    login(client, applied.worker)
    asked = client.post(f"/applications/{applied.application_id}/cancel")
    assert asked.status_code == 200
    assert "Je aanvraag" in asked.text
    assert "annuleren?" in asked.text
    with app.app_context():
        status = applications.get_application(applied.application_id).status
    assert status.value == "submitted"


@pytest.mark.parametrize(
    ("covered", "message"),
    [
        (240_000, "Je aanvraag A-1 is verstuurd; € 2.400,00 van je budget is ervoor gereserveerd."),
        (0, "Je aanvraag A-1 is verstuurd."),
    ],
)
def test_the_budget_is_said_to_be_reserved_only_when_it_is(app, covered, message):
    from wallet.applications.views import _sent_message

    with app.test_request_context(), force_locale("nl"):
        sent = _sent_message(SimpleNamespace(reference="A-1", covered_cents=covered))
    assert sent.replace("\xa0", " ") == message


def test_the_ledger_account_pages_name_the_pot_and_the_budget(
    app, client, login, applied, make_staff
):
    admin = make_staff(Role.FUND_ADMIN, fund_id=applied.fund_id)
    with app.app_context():
        pot = session.get(Fund, applied.fund_id).pot_account_id
        budget = session.scalar(sa.select(Grant.account_id))
    login(client, admin)
    pot_page = client.get(f"/fund/accounts/{pot}").text
    assert "<title>Fondspot Twents Fonds voor Vakmanschap" in pot_page
    assert "fund-pot:" not in pot_page
    assert "Storting" in pot_page  # the movement's kind in words, not "deposit"
    budget_page = client.get(f"/fund/accounts/{budget}").text
    assert "Budget van J. Jansen (Scholingsbudget Twente)" in budget_page
    assert "grant:" not in budget_page


def test_a_claims_funding_plan_names_the_scheme(app, client, login, request):
    from tests.claims.conftest import claim_input
    from wallet.claims import services as claims

    journey = request.getfixturevalue("make_journey")()
    with app.app_context():
        claim = claims.submit(journey["staff"], journey["application"].id, claim_input())
    login(client, journey["admins"][0])
    page = client.get(f"/claims/{claim.id}").text
    assert 'scope="row">Scholingsbudget Twente</th>' in page
    assert not re.search(r"Budget \d+<", page)


def test_a_region_named_regio_is_not_doubled(app):
    from wallet.catalogue.forms import region_label

    with app.test_request_context(), force_locale("nl"):
        assert str(region_label("Regio Zwolle")) == "Regio Zwolle"
        assert str(region_label("Twente")) == "Regio Twente"


def test_the_catalogue_search_shows_no_doubled_region(client):
    page = client.get("/catalogue").text
    assert "Regio Regio" not in page


def test_the_organisation_page_title_is_only_the_name(client, login, accredited_provider):
    login(client, accredited_provider)
    page = client.get("/provider/organisation").text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title
    assert "Collega" not in title
    assert "Collega's" in page  # the section is still on the page, once
    assert page.count('id="staff-heading"') == 1


def test_the_vat_example_passes_its_own_check(app):
    from wallet.catalogue.forms import ProviderDetailsForm
    from wallet.providers.validation import vat_number

    with app.test_request_context(), force_locale("en"):
        description = str(ProviderDetailsForm.vat_number.kwargs["description"])
    example = re.search(r"[A-Z]{2}[0-9A-Z]+", description)
    assert vat_number(example.group(0)) == example.group(0)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "„abc” is geen bedrag in euro. Schrijf het als 1250 of 1.250,00."),
        ("de", "„abc“ ist kein Betrag in Euro. Schreiben Sie ihn wie 1250 oder 1.250,00."),
        ("en", "“abc” is not an amount in euros. Write it like 1250 or 1.250,00."),
    ],
)
def test_a_wrong_amount_is_told_in_the_readers_language(app, language, said):
    with app.test_request_context(), force_locale(language), pytest.raises(MoneyError) as error:
        Money.parse("abc")
    assert str(error.value) == said
