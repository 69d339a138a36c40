"""The period report page and its downloads: the fund administrator's, of their own fund."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.reports import period_scene
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.reports.periods import last_complete_quarter

people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme


def _query(people, **more) -> dict:
    return {"from": people.period.first.isoformat(), "to": people.period.last.isoformat(), **more}


def test_the_fund_administrator_sees_the_report(client, login, people):
    login(client, people.scene.admin)

    page = client.get("/fund/reports/period", query_string=_query(people))

    assert page.status_code == 200
    assert "<caption" in page.text
    assert 'scope="col"' in page.text
    assert "Scholingsbudget Twente" in page.text
    assert "Het fonds (elke persoon één keer)" in page.text


def test_without_a_period_the_last_complete_quarter(client, login, people):
    login(client, people.scene.admin)

    page = client.get("/fund/reports/period")

    quarter = last_complete_quarter(clock.today())
    assert page.status_code == 200
    assert f'value="{quarter.first.isoformat()}"' in page.text
    assert f"{quarter.label}" in page.text


def test_a_quarter_link_is_read(client, login, people):
    login(client, people.scene.admin)

    page = client.get("/fund/reports/period", query_string={"from": "2026-Q3"})

    assert page.status_code == 200
    assert 'value="2026-07-01"' not in page.text  # the typed text stays
    assert "1 juli 2026" in page.text
    assert "30 september 2026" in page.text


def test_a_bad_period_is_explained_on_the_form(client, login, people):
    login(client, people.scene.admin)

    page = client.get(
        "/fund/reports/period", query_string={"from": "2026-07-01", "to": "2026-06-01"}
    )

    assert page.status_code == 422
    assert "ligt voor het begin" in page.text
    assert 'aria-invalid="true"' in page.text


def test_the_downloads(client, login, people):
    login(client, people.scene.admin)

    book = client.get("/fund/reports/period.xlsx", query_string=_query(people))
    table = client.get("/fund/reports/period/participants.csv", query_string=_query(people))
    unknown = client.get("/fund/reports/period/nothing.csv", query_string=_query(people))
    refused = client.get("/fund/reports/period.xlsx", query_string={"from": "2026-Q7"})

    assert book.status_code == 200
    assert load_workbook(io.BytesIO(book.data)).sheetnames[0] == "participants"
    assert table.status_code == 200
    assert "Scholingsbudget Twente;2;0" in table.text
    assert unknown.status_code == 404
    assert refused.status_code == 404


def test_another_fund_scheme_is_ignored(client, login, people, make_staff, make_scheme, make_fund):
    other = make_scheme(make_fund(100_000), name="Ander fonds")
    login(client, people.scene.admin)

    page = client.get("/fund/reports/period", query_string=_query(people, scheme=other.id))

    assert page.status_code == 200
    assert "Ander fonds" not in page.text
    assert "Sectorplan Twente" in page.text


@pytest.mark.parametrize(
    "role",
    [Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.BROKER, Role.PLATFORM_ADMIN],
)
@pytest.mark.parametrize(
    "path",
    ["/fund/reports/period", "/fund/reports/period.xlsx", "/fund/reports/period/participants.csv"],
)
def test_only_fund_administrators(client, login, make_user, role, path):
    login(client, make_user(role))

    assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/fund/reports/period")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_start_page_links_to_it(client, login, people):
    login(client, people.scene.admin)

    assert "/fund/reports/period" in client.get("/").text
