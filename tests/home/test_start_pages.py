"""Every count on a start page comes from the data: each role's page, seeded, shows it (and
says "nothing" only when there is nothing)."""

from __future__ import annotations

from tests.claims import conftest as claims
from tests.claims.conftest import claim_input
from wallet.core import clock

make_journey = claims.make_journey  # the fixture, here too


def test_the_providers_page_counts_its_courses_enrolments_and_rejected_claims(
    app,
    make_journey,
    client,
    login,
):
    from wallet.claims import services

    journey = make_journey()  # a completed enrolment, two courses of the provider
    login(client, journey["staff"])
    page = client.get("/").text
    assert "2 opleidingen in de catalogus, daarvan 2 zichtbaar voor werkenden." in page
    assert "1 inschrijving loopt of kan worden gefactureerd" in page
    assert "Er wachten geen inschrijvingen op je" not in page
    with app.app_context():
        claim = services.submit(journey["staff"], journey["application"].id, claim_input())
        services.review(claim.id, "reject", actor=journey["admins"][0], reason="Bedrag klopt niet")
    assert "1 declaratie is afgewezen en kan worden verbeterd" in client.get("/").text


def test_the_fund_administrators_page_counts_what_waits_on_them(
    app,
    make_journey,
    client,
    login,
):
    from wallet.claims import services

    journey = make_journey()
    admin = journey["admins"][0]
    login(client, admin)
    assert "Er wachten geen declaraties op je." in client.get("/").text
    with app.app_context():
        services.submit(journey["staff"], journey["application"].id, claim_input())
    page = client.get("/").text
    assert "1 declaratie van een opleider" in page
    assert "Er wachten geen declaraties op je." not in page


def test_the_workers_page_shows_what_to_spend(app, make_journey, client, login):
    journey = make_journey()  # € 3.000 granted, € 2.400 of it reserved for the course
    clock.set_now(None)
    login(client, journey["worker"])
    page = client.get("/").text
    assert "Te besteden" in page
    assert "€\xa0600,00" in page


def test_the_workers_application_shows_its_way_and_what_each_budget_paid(
    app, make_journey, client, login
):
    from wallet.claims import services

    journey = make_journey()
    with app.app_context():
        claim = services.submit(journey["staff"], journey["application"].id, claim_input())
        services.review(claim.id, "approve", actor=journey["admins"][0])
    clock.set_now(None)
    login(client, journey["worker"])
    page = client.get("/applications").text
    for step in ("Aangevraagd", "Plaats bevestigd door de opleider", "Factuur naar het fonds"):
        assert step in page
    assert "€\xa02.400,00 gereserveerd, €\xa02.400,00 betaald aan de opleider" in page
