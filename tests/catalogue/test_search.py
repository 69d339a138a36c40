"""Search: text and filters on SQLite FTS5 and PostgreSQL full text; the plan on every hit."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalogue.conftest import CSV, JSON, XML
from wallet.catalogue.imports import import_courses
from wallet.catalogue.matching import recommend
from wallet.catalogue.search import SearchQuery, search
from wallet.core import clock
from wallet.funding.services import worker_grant_facts
from wallet.providers import services as providers


@pytest.fixture
def catalogue(app, accredited_provider):
    with app.app_context():
        for name, data in (("a.csv", CSV), ("b.json", JSON), ("c.xml", XML)):
            import_courses(accredited_provider.provider_id, name, data.encode(), actor_id=None)
    return accredited_provider


def _titles(page) -> list[str]:
    return [hit.course.title_nl for hit in page.hits]


def test_text_matches_titles_skills_and_prefixes(app_ctx, catalogue):
    assert set(_titles(search(SearchQuery(text="lassen")))) == {"Basiscursus MIG/MAG-lassen"}
    assert _titles(search(SearchQuery(text="warmtepomp"))) == ["Warmtepompen installeren"]
    assert _titles(search(SearchQuery(text="pyth"))) == ["Python programmeren"]
    assert search(SearchQuery(text="")).total == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(municipality_codes=("hengelo",)), {"Dementiezorg"}),
        (
            SearchQuery(nlqf_min=3, nlqf_max=4),
            {"Dementiezorg", "Python programmeren", "Warmtepompen installeren"},
        ),
        (SearchQuery(kinds=("digital_skills",)), {"Python programmeren"}),
        (SearchQuery(modality="blended"), {"Dementiezorg"}),
        (SearchQuery(sector="energie"), {"Warmtepompen installeren"}),
        (
            SearchQuery(price_min_cents=100_000, price_max_cents=200_000),
            {"Python programmeren", "Warmtepompen installeren"},
        ),
        (
            SearchQuery(accreditation="crkbo"),
            {
                "Dementiezorg",
                "Python programmeren",
                "Warmtepompen installeren",
                "Basiscursus MIG/MAG-lassen",
            },
        ),
        (SearchQuery(accreditation="nrto"), set()),
        (SearchQuery(text="dementie", language="en"), set()),
    ],
)
def test_filters(app_ctx, catalogue, query, expected):
    assert set(_titles(search(query))) == expected


def test_runs_can_be_filtered_by_start_date(app_ctx, catalogue):
    day = clock.today() + dt.timedelta(days=45)
    late = search(SearchQuery(starts_from=day))
    assert all(hit.starts_on >= day for hit in late.hits)
    assert 0 < late.total < 5


def test_sorting_and_pages(app_ctx, catalogue):
    by_price = search(SearchQuery(sort="price", per_page=2))
    assert (by_price.total, by_price.pages, len(by_price.hits)) == (5, 3, 2)
    prices = [
        h.course.price_cents
        for p in (1, 2, 3)
        for h in search(SearchQuery(sort="price", per_page=2, page=p)).hits
    ]
    assert prices == sorted(prices)


def test_a_suspended_providers_courses_leave_the_search(app_ctx, catalogue):
    providers.change_status(catalogue.provider_id, "suspend", reason="klachten", actor_id=None)
    assert search(SearchQuery()).total == 0


def test_every_hit_carries_the_workers_plan(
    app, app_ctx, catalogue, make_fund, make_scheme, make_worker, make_grant
):
    worker = make_worker(target_occupation="Warmtepompinstallateur", municipality_code="borne")
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=100_000), worker)
    grants = worker_grant_facts(worker.id)
    page = search(SearchQuery(sort="copay"), grants)
    assert page.available_cents == 100_000
    for hit in page.hits:
        assert hit.plan.covered_cents + hit.plan.copay_cents == hit.course.price_cents
    copays = [hit.plan.copay_cents for hit in page.hits]
    assert copays == sorted(copays)
    within = search(SearchQuery(within_budget=True), grants)
    assert {hit.course.title_nl for hit in within.hits} == {"Dementiezorg"}
    best = recommend(worker.id)[0]
    assert best.hit.course.title_nl == "Warmtepompen installeren"
    assert "Warmtepompinstallateur" in best.reason


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_searches_without_error(app_ctx, text):
    page = search(SearchQuery(text=text))
    assert page.total >= 0
