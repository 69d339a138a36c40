"""The public page, the CSV downloads and the JSON API: anonymous, the same numbers, small
numbers hidden so no total gives them away, and nothing about a person."""

import csv
import io

import pytest
from openapi_spec_validator import validate

TABLES = ("funds", "schemes", "courses", "providers", "municipalities")


def _csv(client, name: str) -> list[dict]:
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))


def _json(client, name: str) -> list[dict]:
    response = client.get(f"/api/v1/open-data/{name}")
    assert response.status_code == 200
    return response.json["rows"]


def test_the_course_of_three_is_hidden_and_so_is_the_twelve_that_would_give_it_away(
    client, public_scene
):
    courses = {row["course"]: row for row in _csv(client, "courses")}
    assert courses["Dementiezorg"]["participants"] == "<10"
    assert courses["Dementiezorg"]["received_eur"] == "<10"
    # 15 participants in all: showing 12 would leave 15 - 12 = 3
    assert courses["Basiscursus MIG/MAG-lassen"]["participants"] == "<10"
    assert courses["Basiscursus MIG/MAG-lassen"]["received_eur"] == "<10"
    (fund,) = _csv(client, "funds")
    assert fund["participants"] == "15"
    assert fund["received_eur"] == "2400.00"
    places = {row["municipality"]: row["participants"] for row in _csv(client, "municipalities")}
    assert places == {"Enschede": "<10", "Hengelo": "<10"}


def test_the_page_csv_and_json_show_the_same_numbers(client, public_scene):
    page = client.get("/openbaar")
    assert page.status_code == 200
    text = page.text
    assert "€\xa01.000.000,00" in text  # deposited
    assert "€\xa048.000,00" in text  # sixteen budgets of € 3.000 granted
    assert "€\xa02.400,00" in text  # the approved claim
    assert "&lt; 10" in text
    (fund_csv,) = _csv(client, "funds")
    (fund_json,) = _json(client, "funds")
    # the fund paid nothing to a bank account yet; its scheme paid the approved claim
    assert fund_csv == {
        "fund": "Twents Fonds voor Vakmanschap",
        "budget_eur": "1000000.00",
        "committed_eur": "48000.00",
        "paid_eur": "0.00",
        "participants": "15",
        "received_eur": "2400.00",
    }
    assert fund_json == {
        "fund": "Twents Fonds voor Vakmanschap",
        "budget_cents": 100_000_000,
        "committed_cents": 4_800_000,
        "paid_cents": 0,
        "participants": 15,
        "received_cents": 240_000,
        "suppressed": False,
    }
    for table in TABLES:
        from_csv, from_json = _csv(client, table), _json(client, table)
        assert len(from_csv) == len(from_json)
        for a, b in zip(from_csv, from_json, strict=True):
            for column, value in a.items():
                if column.endswith("_eur"):
                    cents = b[column.removesuffix("_eur") + "_cents"]
                    assert value == ("<10" if cents is None else f"{cents / 100:.2f}")
                elif column == "participants":
                    assert value == ("<10" if b[column] is None else str(b[column]))
                else:
                    assert value == b[column]
    assert _json(client, "schemes") == [
        {
            "fund": "Twents Fonds voor Vakmanschap",
            "scheme": "Scholingsbudget Twente",
            "budget_cents": 4_800_000,
            "committed_cents": 4_800_000,
            "paid_cents": 240_000,
        }
    ]
    providers = _json(client, "providers")
    assert providers == [
        {
            "fund": "Twents Fonds voor Vakmanschap",
            "provider": "Opleider 1",
            "participants": 15,
            "received_cents": 240_000,
            "suppressed": False,
        }
    ]
    assert "Opleider 1" in text


def test_no_personal_data_in_any_output(client, public_scene):
    outputs = [client.get("/openbaar").text]
    outputs += [client.get(f"/open-data/{name}.csv").text for name in TABLES]
    outputs += [client.get(f"/api/v1/open-data/{name}").text for name in TABLES]
    for text in outputs:
        assert "Geheimnaam" not in text
        assert "@example.nl" not in text
        assert "Persoon" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/openbaar",
        *(f"/open-data/{t}.csv" for t in TABLES),
        *(f"/api/v1/open-data/{t}" for t in TABLES),
    ],
)
def test_anyone_can_read_the_figures_without_logging_in(client, path):
    response = client.get(path)
    assert response.status_code == 200


def test_an_unknown_table_is_404(client):
    assert client.get("/open-data/persons.csv").status_code == 404


def test_the_open_data_endpoints_are_documented_without_authentication(client):
    spec = client.get("/api/openapi.json").json
    validate(spec)
    for table in TABLES:
        operation = spec["paths"][f"/api/v1/open-data/{table}"]["get"]
        assert "security" not in operation
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].startswith("#/components/schemas/")


def test_the_site_footer_links_to_the_page(client):
    assert 'href="/openbaar"' in client.get("/").text


def test_a_long_table_shows_the_rows_with_most_participants_and_counts_the_rest():
    from wallet.reports.public import PAGE_ROWS, CountRow, page_rows

    short = [CountRow(f"c{n}", 10 + n, 0, hidden=False) for n in range(3)]
    assert page_rows(short) == (short, 0)
    shown = [CountRow(f"c{n}", 10 + n, 0, hidden=False) for n in range(PAGE_ROWS + 5)]
    hidden = [CountRow(f"h{n}", None, None, hidden=True) for n in range(20)]
    listed, left_out = page_rows(hidden + shown)
    assert [row.persons for row in listed] == list(range(PAGE_ROWS + 14, 14, -1))
    assert left_out == 25


def test_every_fund_has_its_own_figures(client, public_scene, make_fund):
    make_fund(5_000_00, name="Zeeuws Opleidingsfonds")
    funds = {row["fund"]: row for row in _csv(client, "funds")}
    assert funds["Zeeuws Opleidingsfonds"]["budget_eur"] == "5000.00"
    assert funds["Zeeuws Opleidingsfonds"]["participants"] == "<10"  # nobody yet
    assert funds["Twents Fonds voor Vakmanschap"]["participants"] == "15"
    assert "Zeeuws Opleidingsfonds" in client.get("/openbaar").text
