"""The everyday pages in a browser (issue 14): a worker's profile, the search with runs
grouped under their course and a "did you mean", the course page with the provider's
contact details and "you already applied", the import page with its help and its problems
table, and a provider's claim under extra review. Each page through check_page."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.catalogue.conftest import CSV
from tests.claims.conftest import claim_input, make_journey  # noqa: F401 - a fixture
from tests.conftest import PASSWORD
from tests.twofactor.signin import browser_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(app, accredited_provider):
    from wallet.catalogue.imports import import_courses
    from wallet.providers import services as providers

    details = providers.ProviderDetails(
        name="Lasschool Oost",
        vat_number="NL004495445B01",
        street="Hengelosestraat 1",
        postcode="7521 AN",
        city="Enschede",
        contact_email="info@lasschool.example",
        contact_phone="053 123 4567",
        website="https://www.lasschool.example",
    )
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        providers.update_details(
            accredited_provider.provider_id, details, actor_id=accredited_provider.id
        )
    return accredited_provider


def test_a_worker_edits_their_profile(page: Page, live_server: str, check_page, make_worker):
    worker = make_worker(name="Fatma Yilmaz", occupation="Heftruckchauffeur")
    browser_sign_in(page, live_server, worker.email, PASSWORD)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Je profiel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je profiel")
    check_page(page, "profile")
    page.get_by_label("Huidig beroep").fill("Magazijnmedewerker")
    page.get_by_label("Gemeente waar je woont").select_option("hengelo")
    page.get_by_role("button", name="Mijn profiel opslaan").click()
    expect(page.locator("main")).to_contain_text("Je profiel is opgeslagen.")
    expect(page.get_by_label("Huidig beroep")).to_have_value("Magazijnmedewerker")
    page.get_by_label("Postcode (niet verplicht)").fill("ABC")
    page.get_by_role("button", name="Mijn profiel opslaan").click()
    expect(page.locator("main")).to_contain_text("postcode")
    check_page(page, "profile-error")


def test_search_groups_runs_suggests_and_the_course_page_gives_contact_details(
    page: Page, live_server: str, check_page, catalogue
):
    page.goto(live_server + "/catalogue?q=lasen")
    expect(page.locator("main")).to_contain_text("Bedoelde je:")
    check_page(page, "search-suggestion")
    page.get_by_role("link", name="lassen", exact=True).click()  # the suggestion, not a title
    expect(page.locator("main")).to_contain_text("1 opleiding gevonden.")
    hit = page.locator("article.lw-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".lw-hit__runs li")).to_have_count(2)
    check_page(page, "search-grouped")
    hit.get_by_role("link", name="Basiscursus MIG/MAG-lassen").click()
    expect(page.get_by_role("link", name="info@lasschool.example")).to_be_visible()
    expect(page.get_by_role("link", name="053 123 4567")).to_be_visible()
    expect(page.get_by_role("link", name="www.lasschool.example")).to_be_visible()
    check_page(page, "course-contact")


def test_a_worker_who_applied_is_sent_to_their_application(
    page: Page,
    live_server: str,
    check_page,
    app,
    catalogue,
    make_fund,
    make_scheme,
    make_worker,
    make_grant,
):
    from wallet.accounts.models import User
    from wallet.applications import services as applications
    from wallet.catalogue.models import Course, CourseRun
    from wallet.core.db import session

    worker = make_worker()
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    with app.app_context():
        first, second = session.scalars(
            sa.select(CourseRun)
            .join(Course)
            .where(Course.code == "LAS-1")
            .order_by(CourseRun.starts_on)
        ).all()
        applications.apply(
            session.get(User, worker.id), first.id, password=PASSWORD, expected_copay_cents=0
        )
        second_id = second.id
    browser_sign_in(page, live_server, worker.email, PASSWORD)
    page.goto(live_server + f"/catalogue/runs/{second_id}")
    expect(page.get_by_role("heading", name="Je hebt je al aangemeld")).to_be_visible()
    expect(page.get_by_role("link", name="Deze uitvoering aanvragen")).to_have_count(0)
    check_page(page, "course-applied")
    page.get_by_role("link", name="Bekijk je aanvraag").click()
    assert "/applications#application-" in page.url


def test_the_import_page_explains_and_lists_problems(
    page: Page, live_server: str, check_page, assert_accessible, catalogue
):
    browser_sign_in(page, live_server, catalogue.email, PASSWORD)
    page.goto(live_server + "/provider/courses")
    check_page(page, "import")
    # Opened, the help tables show the file's own column names (course_code, title_nl):
    # the names a provider types, so the codes rule does not apply; axe and width do.
    for summary in page.locator("details.lw-import-help summary").all():
        summary.click()
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.get_by_role("rowheader", name="course_code", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="voorbeeld").first.click()
    assert download.value.suggested_filename == "leerwallet-example.csv"

    lines = CSV.splitlines()
    lines[1] = lines[1].replace("2.400,00", "veel")
    page.goto(live_server + "/provider/courses")
    page.locator("#file").set_input_files(
        files=[
            {
                "name": "fout.csv",
                "mimeType": "text/csv",
                "buffer": io.BytesIO("\n".join(lines).encode()).getvalue(),
            }
        ]
    )
    page.get_by_role("button", name="Importeren").click()
    problems = page.get_by_role("table", name="Problemen in het bestand")
    expect(problems).to_contain_text("veel")
    check_page(page, "import-problems")


def test_a_provider_sees_extra_review_but_not_the_rules(
    page: Page,
    live_server: str,
    check_page,
    app,
    make_journey,  # noqa: F811
):
    from wallet.claims import services
    from wallet.core.db import session, unit_of_work
    from wallet.fraud.models import RiskFlag, Severity

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
                    reason="Geheime regel: prijs vlak onder het plafond",
                )
            )
        claim_id = claim.id
    browser_sign_in(page, live_server, j["staff"].email, PASSWORD)
    page.goto(live_server + f"/claims/{claim_id}")
    expect(page.locator("main")).to_contain_text("extra gecontroleerd")
    expect(page.locator("main")).not_to_contain_text("Geheime regel")
    check_page(page, "claim-provider-review")
