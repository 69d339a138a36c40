"""The fund administrator's pages of employer applications: the queue, one application with
approve (after a confirmation) and reject, four eyes with two administrators, the placements
overview, and that another fund's administrator sees nothing of it."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from tests.placements.conftest import person
from wallet.ledger.models import Hold
from wallet.placements.models import Placement, PlacementStatus


def _sent(app, scene, *persons) -> tuple[int, list[int]]:
    """An application of DTAB with `persons`, sent by DTAB: (application id, placement ids)."""
    from wallet.accounts.models import User
    from wallet.core.db import session
    from wallet.placements import services

    with app.app_context():
        employer = session.get(User, scene.dtab.id)
        application = services.start_application(employer, employer.employer_id, scene.scheme.id)
        ids = [
            services.add_person(
                employer, application.id, replace(data, provider_id=scene.provider.provider_id)
            ).id
            for data in persons
        ]
        services.submit_application(employer, application.id)
        return application.id, ids


def _client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def _placement(db, placement_id: int) -> Placement:
    db.expire_all()
    return db.get(Placement, placement_id)


def _url(application_id: int, placement_id: int, action: str) -> str:
    return f"/fund/employer-applications/{application_id}/persons/{placement_id}/{action}"


def test_the_queue_lists_who_waits_and_the_claims_queue_links_to_it(app, scene, login):
    _sent(app, scene, person(), person(full_name="Jan Jansen", quote_cents=400_000))
    client = _client(app, login, scene.admin)
    page = client.get("/fund/employer-applications")
    assert page.status_code == 200
    assert "Sanne de Vries" in page.text
    assert "Jan Jansen" in page.text
    assert "DTAB Twente" in page.text
    assert "Procesoperator" in page.text
    assert "Uit een andere sector" in page.text or "From another sector" in page.text
    claims = client.get("/review")
    assert "2 personen in werkgeversaanvragen" in claims.text
    assert 'href="/fund/employer-applications"' in claims.text
    assert 'href="/fund/placements"' in client.get("/").text


def test_an_amount_above_what_the_scheme_pays_is_refused_and_nothing_committed(
    app, scene, login, db
):
    application_id, [placement_id] = _sent(app, scene, person(quote_cents=400_000))
    client = _client(app, login, scene.admin)
    page = client.get(f"/fund/employer-applications/{application_id}")
    assert 'value="2.000,00"' in page.text  # prefilled: 50 % of the quote
    for confirmed in ("", "yes"):
        answer = client.post(
            _url(application_id, placement_id, "approve"),
            data={
                f"approve-{placement_id}-amount": "2000,01",
                f"approve-{placement_id}-confirmed": confirmed,
            },
        )
        assert answer.status_code == 422
        assert "De regeling betaalt hier hoogstens" in answer.text
        placement = _placement(db, placement_id)
        assert placement.status == PlacementStatus.IN_REVIEW
        assert placement.committed_cents == 0
        assert db.scalar(sa.select(sa.func.count()).select_from(Hold)) == 0


def test_an_amount_that_is_no_amount_is_refused(app, scene, login, db):
    application_id, [placement_id] = _sent(app, scene, person(quote_cents=400_000))
    client = _client(app, login, scene.admin)
    for text in ("twee euro", "", "-5"):
        answer = client.post(
            _url(application_id, placement_id, "approve"),
            data={f"approve-{placement_id}-amount": text},
        )
        assert answer.status_code == 422, text
        assert f'id="approve-{placement_id}-amount-error"' in answer.text
    assert _placement(db, placement_id).status == PlacementStatus.IN_REVIEW


def test_an_approval_is_confirmed_first_then_commits(app, scene, login, db):
    application_id, [placement_id] = _sent(app, scene, person(quote_cents=400_000))
    client = _client(app, login, scene.admin)
    url = _url(application_id, placement_id, "approve")
    confirm = client.post(url, data={f"approve-{placement_id}-amount": "1.500,00"})
    assert confirm.status_code == 200
    assert "Goedkeuring van Sanne de Vries bevestigen" in confirm.text
    assert f'name="approve-{placement_id}-confirmed" value="yes"' in confirm.text
    assert _placement(db, placement_id).status == PlacementStatus.IN_REVIEW
    done = client.post(
        url,
        data={
            f"approve-{placement_id}-amount": "1500,00",
            f"approve-{placement_id}-confirmed": "yes",
        },
    )
    assert done.status_code == 302
    placement = _placement(db, placement_id)
    assert placement.status == PlacementStatus.APPROVED
    assert placement.committed_cents == 150_000
    overview = client.get("/fund/placements")
    assert "Sanne de Vries" in overview.text
    assert "Sanne de Vries" not in client.get("/fund/placements?status=retained").text
    assert "Sanne de Vries" not in client.get("/fund/employer-applications").text


def test_a_rejection_needs_a_reason(app, scene, login, db):
    application_id, [placement_id] = _sent(app, scene, person())
    client = _client(app, login, scene.admin)
    url = _url(application_id, placement_id, "reject")
    answer = client.post(url, data={f"reject-{placement_id}-reason": "  "})
    assert answer.status_code == 422
    assert "Geef een reden" in answer.text
    assert _placement(db, placement_id).status == PlacementStatus.IN_REVIEW
    done = client.post(url, data={f"reject-{placement_id}-reason": "Geen kansberoep in de regio"})
    assert done.status_code == 302
    placement = _placement(db, placement_id)
    assert placement.status == PlacementStatus.REJECTED
    assert placement.reason == "Geen kansberoep in de regio"


def test_another_funds_administrator_gets_404(app, scene, login, make_staff, db):
    from wallet.accounts.models import Role

    application_id, [placement_id] = _sent(app, scene, person(quote_cents=400_000))
    stranger = _client(app, login, make_staff(Role.FUND_ADMIN))
    assert stranger.get(f"/fund/employer-applications/{application_id}").status_code == 404
    approve = stranger.post(
        _url(application_id, placement_id, "approve"),
        data={
            f"approve-{placement_id}-amount": "100,00",
            f"approve-{placement_id}-confirmed": "yes",
        },
    )
    assert approve.status_code == 404
    reject = stranger.post(
        _url(application_id, placement_id, "reject"), data={f"reject-{placement_id}-reason": "nee"}
    )
    assert reject.status_code == 404
    assert "Sanne de Vries" not in stranger.get("/fund/employer-applications").text
    assert _placement(db, placement_id).status == PlacementStatus.IN_REVIEW
    broker = _client(app, login, scene.broker)
    assert broker.get(f"/fund/employer-applications/{application_id}").status_code in (403, 404)


def test_four_eyes_through_the_pages_with_two_administrators(app, make_scene, login, db):
    # 50 % of € 8.000 is € 4.000: above the scheme's threshold of € 2.500.
    scene = make_scene(four_eyes_above_cents=250_000)
    application_id, [placement_id] = _sent(app, scene, person())
    first = _client(app, login, scene.admin)
    url = _url(application_id, placement_id, "approve")
    page = first.get(f"/fund/employer-applications/{application_id}")
    assert "tweede beheerder" in page.text  # four eyes announced
    first.post(
        url,
        data={
            f"approve-{placement_id}-amount": "3500,00",
            f"approve-{placement_id}-confirmed": "yes",
        },
    )
    placement = _placement(db, placement_id)
    assert placement.status == PlacementStatus.APPROVED_ONCE
    assert placement.first_approved_cents == 350_000
    assert placement.committed_cents == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(Hold)) == 0
    mine = first.get(f"/fund/employer-applications/{application_id}")
    assert "Je hebt" in mine.text
    assert f'action="{url}"' not in mine.text
    again = first.post(url, data={f"approve-{placement_id}-confirmed": "yes"})
    assert again.status_code == 302
    assert _placement(db, placement_id).status == PlacementStatus.APPROVED_ONCE

    second = _client(app, login, scene.admin2)
    queue = second.get("/fund/employer-applications")
    assert scene.admin.name in queue.text
    page = second.get(f"/fund/employer-applications/{application_id}")
    assert scene.admin.name in page.text
    assert f'name="approve-{placement_id}-amount"' not in page.text  # the first one's amount
    confirm = second.post(url, data={})
    assert confirm.status_code == 200
    assert "3.500,00" in confirm.text
    assert _placement(db, placement_id).status == PlacementStatus.APPROVED_ONCE
    second.post(url, data={f"approve-{placement_id}-confirmed": "yes"})
    placement = _placement(db, placement_id)
    assert placement.status == PlacementStatus.APPROVED
    assert placement.committed_cents == 350_000
    assert placement.decided_by_id == scene.admin2.id
