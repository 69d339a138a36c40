"""The dashboard on the fund administrator's start page: every chart a figure with a title,
a summary, a drawing with its own text alternative and a table that repeats its numbers; the
filter in the query string; an empty fund says "nothing yet" in words."""

from __future__ import annotations

import datetime as dt

import lxml.html

from tests.reports.conftest import T0
from wallet.core import clock
from wallet.reports import money

PERIOD = {
    "from": (T0.date() - dt.timedelta(days=30)).isoformat(),
    "to": (T0.date() + dt.timedelta(days=90)).isoformat(),
}


def _figures(html: str) -> dict:
    page = lxml.html.fromstring(html)
    return {figure.get("id"): figure for figure in page.xpath("//div[@class='lw-charts']/figure")}


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _rows(figure) -> list[list[str]]:
    return [[_text(cell) for cell in row.xpath("./th|./td")] for row in figure.xpath(".//tbody/tr")]


def _data(app, fund_scene, make_course, enrol, claim_for):
    scene = fund_scene(amount_cents=200_000)
    staff, run = make_course(50_000)
    claim_for(scene, staff, enrol(scene, run), 50_000, T0 + dt.timedelta(days=40))
    enrol(scene, run, municipality_code="deventer", employment_status="job_seeker")
    return scene


def test_every_chart_has_a_title_a_summary_a_drawing_and_a_table_of_its_figures(
    app, fund_scene, make_course, enrol, claim_for, client, login
):
    scene = _data(app, fund_scene, make_course, enrol, claim_for)
    login(client, scene.admins[1])
    shown = _figures(client.get("/", query_string=PERIOD).text)

    assert len(shown) == 14
    for key, figure in shown.items():
        title = _text(figure.xpath(".//h3")[0])
        assert title, key
        assert _text(figure.xpath(".//p[contains(@class, 'lw-chart__summary')]")[0]), key
        for svg in figure.xpath(".//svg[@class='lw-chart__svg']"):
            assert svg.get("role") == "img"
            assert svg.get("viewbox")  # the HTML parser lowers it.startswith("0 0 400 ")
            assert svg.get("width") == "100%"
            named = [figure.get_element_by_id(i) for i in svg.get("aria-labelledby").split()]
            assert [e.tag for e in named] == ["title", "desc"]
            assert _text(named[0]) == title
        for table in figure.xpath(".//table"):
            assert _text(table.xpath("./caption")[0]) == title
            assert {th.get("scope") for th in table.xpath("./thead//th")} == {"col"}
            assert {th.get("scope") for th in table.xpath("./tbody//th")} == {"row"}

    assert "De meeste deelnemers wonen in Twente (50 %)." in _text(shown["participants-place"])
    assert _rows(shown["participants-group"]) == [
        ["Werkend (in loondienst)", "1 persoon"],
        ["Werkzoekend", "1 persoon"],
    ]
    assert _rows(shown["participants-place"]) == [
        ["Stedendriehoek", "1 persoon"],
        ["Twente", "1 persoon"],
    ]
    assert _rows(shown["delays"]) == [["de goedkeuring van de declaratie", "40 dagen", "40 dagen"]]
    assert _rows(shown["outcomes"])[0] == ["Goedgekeurd", "1"]
    assert _rows(shown["concentration"])[:3] == [
        ["De 10 grootste opleiders", "100 %"],
        ["De 20 grootste opleiders", "100 %"],
        ["Alle 1 opleiders", "100 %"],
    ]
    assert _rows(shown["prices"])[5] == ["25–30 %", "2"]  # € 500 of a € 2.000 budget
    with app.app_context():
        start, end = money.period_bounds(
            T0.date() - dt.timedelta(days=30), T0.date() + dt.timedelta(days=90)
        )
        months = money.monthly_flows(scene.fund.id, start, end)
    committed = [cells[1] for cells in _rows(shown["money"])]
    from wallet.core.templating import money as euros

    with app.test_request_context():
        assert committed == [" ".join(euros(flows["granted"]).split()) for _m, flows in months]
    assert sum(flows["granted"] for _m, flows in months) == 400_000


def test_an_empty_fund_says_nothing_yet_in_words_and_draws_nothing(app, fund_scene, client, login):
    scene = fund_scene()
    login(client, scene.admins[0])
    shown = _figures(client.get("/").text)

    assert len(shown) == 14
    for key, figure in shown.items():
        assert figure.xpath(".//svg") == [], key
        assert figure.xpath(".//table") == [], key
        summary = _text(figure.xpath(".//p[contains(@class, 'lw-chart__summary')]")[0])
        assert any(word in summary for word in ("nog", "geen", "niemand")), summary
    assert "In deze periode heeft nog niemand deelgenomen." in _text(shown["participants-age"])
    assert "nog geen plaatsingen" in _text(shown["retention"])


def test_the_filter_narrows_to_a_region_and_a_scheme_and_says_what_it_could_not_read(
    app, fund_scene, make_course, enrol, claim_for, client, login
):
    scene = _data(app, fund_scene, make_course, enrol, claim_for)
    login(client, scene.admins[1])

    page = client.get(
        "/", query_string={**PERIOD, "region": "m:deventer", "scheme": str(scene.scheme.id)}
    ).text
    shown = _figures(page)
    assert _rows(shown["participants-place"]) == [["Deventer", "1 persoon"]]
    assert "Deelnemers per gemeente" in _text(shown["participants-place"])
    form = lxml.html.fromstring(page).get_element_by_id("dashboard").xpath(".//form")[0]
    assert form.get("method") == "get"
    assert (
        form.xpath(".//select[@id='filter-region']//option[@selected]")[0].get("value")
        == "m:deventer"
    )
    assert form.xpath(".//select[@id='filter-scheme']//option[@selected]")[0].get("value") == str(
        scene.scheme.id
    )

    page = client.get("/", query_string={"from": "1 maart", "to": PERIOD["to"]}).text
    field = lxml.html.fromstring(page).get_element_by_id("filter-from")
    assert field.get("aria-invalid") == "true"
    assert "Vul een datum in, zoals 2026-01-31." in page

    page = client.get("/", query_string={"from": PERIOD["to"], "to": PERIOD["from"]}).text
    assert "Het einde ligt vóór het begin" in page


def test_the_default_period_is_this_month_and_the_eleven_before(app):
    from wallet.reports.dashboard_page import default_period

    assert default_period(dt.date(2026, 3, 2)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 2))
    assert default_period(dt.date(2026, 12, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_months_still_to_come_have_nothing_reserved(app, fund_scene, make_course, enrol):
    from wallet.reports.dashboard import Filter
    from wallet.reports.money_panels import monthly_money

    scene = fund_scene()
    _staff, run = make_course(50_000)
    enrol(scene, run)  # € 500 reserved since T0 (2 March 2026)
    clock.set_now(T0 + dt.timedelta(hours=1))
    with app.app_context():
        found = monthly_money(Filter(scene.fund.id, dt.date(2026, 1, 1), dt.date(2026, 5, 31)))
    assert found.held == (0, 0, 50_000, 0, 0)  # March is running; April and May are to come
    assert found.committed == (0, 0, 100_000, 0, 0)
