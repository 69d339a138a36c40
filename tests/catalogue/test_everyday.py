"""The everyday things: search groups runs under their course and suggests a word for a
typo, the import page says what a file needs (template and example per format) and shows
problems row by row, the course page gives the provider's contact details and tells a
worker they already applied."""

import io

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV, JSON, XML
from tests.conftest import PASSWORD
from wallet.catalogue.import_help import FIELDS, sample_file
from wallet.catalogue.imports import ImportRefused, import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.catalogue.search import SearchQuery, search
from wallet.catalogue.suggest import did_you_mean
from wallet.core.db import session


@pytest.fixture
def catalogue(app, accredited_provider):
    with app.app_context():
        for name, data in (("a.csv", CSV), ("b.json", JSON), ("c.xml", XML)):
            import_courses(accredited_provider.provider_id, name, data.encode(), actor_id=None)
    return accredited_provider


def _upload(client, name: str, data: bytes):
    return client.post(
        "/provider/courses",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


# --- search ---


def test_the_runs_of_a_course_are_one_hit(app_ctx, catalogue):
    runs = search(SearchQuery(text="lassen"))
    assert runs.total == 2  # the run-level search (the API's) is unchanged
    courses = search(SearchQuery(text="lassen", by_course=True))
    assert courses.total == 1
    (hit,) = courses.hits
    assert hit.run_count == 2
    assert [run.starts_on for run in hit.runs] == sorted(r.starts_on for r in runs.hits)
    assert hit.run_id == hit.runs[0].run_id  # the hit opens on the next start
    everything = search(SearchQuery(by_course=True))
    assert everything.total == 4  # five runs, four courses
    assert len({hit.course.id for hit in everything.hits}) == 4


def test_course_hits_page_and_sort_by_price(app_ctx, catalogue):
    pages = [search(SearchQuery(by_course=True, sort="price", per_page=3, page=p)) for p in (1, 2)]
    assert [page.total for page in pages] == [4, 4]
    prices = [hit.course.price_cents for page in pages for hit in page.hits]
    assert prices == sorted(prices)
    assert len(prices) == 4


def test_the_search_page_lists_the_next_starts_under_the_course(client, catalogue):
    page = client.get("/catalogue?q=lassen")
    assert page.status_code == 200
    assert page.text.count("Basiscursus MIG/MAG-lassen") == 1
    assert page.text.count("/catalogue/runs/") == 3  # the title and both start dates
    assert "1 opleiding gevonden" in page.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("lasen", "lassen"),
        ("warmtepmp", "warmtepomp"),
        ("dementie", None),
        ("pyth", None),
        ("lasen dementie", "lassen dementie"),
        ("xq", None),
    ],
)
def test_a_typo_gets_the_nearest_known_word(app_ctx, catalogue, typed, meant):
    assert did_you_mean(typed) == meant


def test_the_search_page_asks_did_you_mean(client, catalogue):
    page = client.get("/catalogue?q=lasen")  # PostgreSQL's stemming finds it, SQLite not
    assert "Bedoelde je" in page.text
    assert "q=lassen" in page.text
    assert "Bedoelde je" not in client.get("/catalogue?q=lassen").text


def test_english_titles_are_searched(app_ctx, accredited_provider):
    import_courses(
        accredited_provider.provider_id,
        "example.csv",
        sample_file("example", "csv").encode(),
        actor_id=None,
    )
    found = search(SearchQuery(text="welding", by_course=True))
    assert [hit.course.code for hit in found.hits] == ["LAS-1"]
    assert [h.course.code for h in search(SearchQuery(text="dementia", by_course=True)).hits] == [
        "ZRG-1"
    ]


# --- import help ---


@pytest.mark.parametrize("file_format", ["csv", "json", "xml"])
def test_the_example_of_each_format_imports_as_it_is(app_ctx, accredited_provider, file_format):
    data = sample_file("example", file_format).encode()
    assert (
        import_courses(
            accredited_provider.provider_id, f"example.{file_format}", data, actor_id=None
        )
        == 2
    )
    assert session.scalar(sa.select(sa.func.count(CourseRun.id))) == 3
    welding = session.scalar(sa.select(Course).where(Course.code == "LAS-1"))
    assert (welding.title_en, welding.price_cents) == ("MIG/MAG welding basics", 240_000)


@pytest.mark.parametrize("file_format", ["csv", "json", "xml"])
def test_the_template_names_every_field_and_is_refused_empty(
    app_ctx, accredited_provider, file_format
):
    template = sample_file("template", file_format)
    for field in FIELDS:
        name = getattr(field, file_format).split("/")[-1].removeprefix("runs[].")
        name = name.removeprefix("@").split("[")[0]
        assert name in template
    if file_format != "csv":  # the CSV template is its header alone: nothing to import
        with pytest.raises(ImportRefused):
            import_courses(
                accredited_provider.provider_id,
                f"t.{file_format}",
                template.encode(),
                actor_id=None,
            )


def test_the_import_page_explains_and_offers_the_files(client, login, accredited_provider):
    login(client, accredited_provider)
    page = client.get("/provider/courses")
    assert page.status_code == 200
    for column in ("course_code", "run_municipality", "price_cents", "run/@start"):
        assert f"<code>{column}</code>" in page.text
    for kind in ("template", "example"):
        for file_format in ("csv", "json", "xml"):
            url = f"/provider/courses/import-files/{kind}.{file_format}"
            assert url in page.text
            download = client.get(url)
            assert download.status_code == 200
            assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/provider/courses/import-files/secret.csv").status_code == 404


def test_problems_are_shown_row_by_row_with_the_field_in_the_files_own_words(
    client, login, accredited_provider, app
):
    login(client, accredited_provider)
    lines = CSV.splitlines()
    lines[1] = lines[1].replace("2.400,00", "veel")  # line 2: the price
    lines[2] = lines[2].replace(";10;", ";-1;")  # line 3: the seats of LAS-1's second run
    response = _upload(client, "bad.csv", "\n".join(lines).encode())
    assert response.status_code == 422
    text = response.text
    assert "Er is niets ingelezen: 2 regels hebben problemen." in text
    rows = text.split('<tbody class="utrecht-table__body">')[-1].split("</tbody>")[0]
    cells = [row.split("</tr>")[0] for row in rows.split("<tr")[1:]]
    assert ">2<" in cells[0]
    assert "<code>price</code>" in cells[0]
    assert "veel" in cells[0]
    assert ">3<" in cells[1]
    assert "R2" in cells[1]
    with app.app_context():
        assert session.scalar(sa.select(sa.func.count(Course.id))) == 0


def test_json_problems_count_courses(app_ctx, accredited_provider):
    body = JSON.replace('"kind": "digital_skills"', '"kind": "juggling"')
    with pytest.raises(ImportRefused) as refused:
        import_courses(accredited_provider.provider_id, "a.json", body.encode(), actor_id=None)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field, refused.value.by_course) == (1, "kind", True)
    assert "juggling" in problem.message
    assert refused.value.errors == {"1": f"kind: {problem.message}"}  # the API's shape


# --- the course page ---


def test_the_course_page_gives_the_providers_contact_details(client, catalogue, app):
    from wallet.providers import services as providers

    details = providers.ProviderDetails(
        name="Lasschool Oost",
        vat_number="NL004495445B01",
        street="Hengelosestraat 1",
        postcode="7521 AN",
        city="Enschede",
        contact_email="info@lasschool.example",
        contact_phone="053 123 4567",
        website="www.lasschool.example",
    )
    with app.app_context():
        providers.update_details(catalogue.provider_id, details, actor_id=catalogue.id)
        run_id = session.scalar(sa.select(CourseRun.id).order_by(CourseRun.id))
    page = client.get(f"/catalogue/runs/{run_id}").text
    assert 'href="mailto:info@lasschool.example"' in page
    assert 'href="tel:0531234567"' in page
    assert 'href="https://www.lasschool.example"' in page  # made whole


def test_a_website_that_is_no_address_is_refused(app, catalogue):
    from wallet.core.errors import ValidationFailed
    from wallet.providers import services as providers

    details = providers.ProviderDetails(
        name="Lasschool",
        vat_number="NL004495445B01",
        street="Straat 1",
        postcode="7521 AN",
        city="Enschede",
        contact_email="info@lasschool.example",
        website="javascript:alert(1)",
    )
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        providers.update_details(catalogue.provider_id, details, actor_id=catalogue.id)
    assert "website" in refused.value.errors


def test_a_worker_who_applied_is_told_so_instead_of_offered_to_apply(
    app, client, login, catalogue, make_fund, make_scheme, make_worker, make_grant
):
    from wallet.applications import services as applications

    worker = make_worker()
    make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    with app.app_context():
        first, second = session.scalars(
            sa.select(CourseRun)
            .join(Course)
            .where(Course.code == "LAS-1")
            .order_by(CourseRun.starts_on)
        ).all()
        first_id, second_id = first.id, second.id
    login(client, worker)
    before = client.get(f"/catalogue/runs/{second_id}").text
    assert f"/applications/new?run={second_id}" in before
    with app.app_context():
        from wallet.accounts.models import User

        application = applications.apply(
            session.get(User, worker.id), first_id, password=PASSWORD, expected_copay_cents=0
        )
        application_id, reference = application.id, application.reference
    after = client.get(f"/catalogue/runs/{second_id}").text  # another run of the same course
    assert "/applications/new" not in after
    assert f"/applications#application-{application_id}" in after
    assert reference in after
    assert f'id="application-{application_id}"' in client.get("/applications").text
