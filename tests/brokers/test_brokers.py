"""Labour brokers: accounts, the pipeline table, contacts, hand-over, who sees what, audit."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.accounts.links import accept_invitation
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.brokers import services
from wallet.brokers.models import CaseloadContact, CaseloadEntry, CaseloadStage
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

S = CaseloadStage


def _events(entry_id: int) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.subject_type == "caseload_entry", AuditEvent.subject_id == entry_id
    )
    return list(session.scalars(query.order_by(AuditEvent.id)))


def _contacts() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(CaseloadContact))


# --- the pipeline table: every (stage, action) pair ---------------------------------------


def test_the_table_has_the_expected_moves():
    open_stages = (S.LEAD, S.PREPARING, S.SUBMITTED, S.APPROVED, S.PLACED)
    expected = {
        (S.LEAD, "prepare"): S.PREPARING,
        (S.PREPARING, "submit"): S.SUBMITTED,
        (S.SUBMITTED, "approve"): S.APPROVED,
        (S.APPROVED, "place"): S.PLACED,
        (S.PLACED, "follow_up"): S.FOLLOWED_UP,
        **{(stage, "drop"): S.DROPPED for stage in open_stages},
        (S.DROPPED, "reopen"): S.LEAD,
    }
    table = services.TRANSITIONS
    assert table == expected


@pytest.mark.parametrize(("stage", "action"), [(s, a) for s in S for a in services.ACTIONS])
def test_every_stage_and_action(app, app_ctx, team, stage, action):
    entry = session.get(CaseloadEntry, team.entry.id)
    entry.stage = stage
    session.commit()
    target = services.TRANSITIONS.get((stage, action))
    if target is None:
        with pytest.raises(Conflict):
            services.move_stage(entry.id, action, note="Gebeld", actor_id=team.anna.id)
        session.expire_all()
        assert session.get(CaseloadEntry, entry.id).stage == stage
        assert [e.action for e in _events(entry.id)] == ["added"]
        return
    services.move_stage(entry.id, action, note="Bezoek: aanvraag besproken", actor_id=team.anna.id)
    session.expire_all()
    moved = session.get(CaseloadEntry, entry.id)
    assert moved.stage == target
    assert moved.drop_reason == ("Bezoek: aanvraag besproken" if target == S.DROPPED else None)
    event = _events(entry.id)[-1]
    assert (event.action, event.actor_id, event.reason) == (
        action,
        team.anna.id,
        "Bezoek: aanvraag besproken",
    )
    assert (event.before, event.after) == ({"stage": stage.value}, {"stage": target.value})


@pytest.mark.parametrize("note", ["", "  ", "\u200b", "a\x00b", "x" * 501])
def test_a_stage_move_needs_a_note(app, app_ctx, team, note):
    with pytest.raises(ValidationFailed):
        services.move_stage(team.entry.id, "prepare", note=note, actor_id=team.anna.id)
    session.expire_all()
    assert session.get(CaseloadEntry, team.entry.id).stage == S.LEAD


# --- broker accounts ----------------------------------------------------------------------


def test_a_fund_administrator_adds_a_broker_who_logs_in(client, app, make_staff, login, db):
    admin = make_staff(Role.FUND_ADMIN)
    login(client, admin)
    data = {
        "name": "Karin Makelaar",
        "email": "karin@fonds.example.nl",
    }
    assert client.post("/fund/brokers", data=data).status_code == 302
    page = client.get("/fund/brokers").text
    assert "Karin Makelaar" in page
    broker = db.scalar(sa.select(User).where(User.email == "karin@fonds.example.nl"))
    assert (broker.role, broker.fund_id) == (Role.BROKER, admin.fund_id)
    done = db.execute(
        sa.select(AuditEvent.action, AuditEvent.subject_id).where(AuditEvent.actor_id == admin.id)
    ).all()
    # besides their own address, verified when they were made with a password
    actions = {
        action for action, subject in done if (action, subject) != ("email_verified", admin.id)
    }
    assert actions == {"staff_added", "broker_added"}
    client.post("/logout")
    accept_invitation(client, db, broker.email, "correct horse battery staple")
    login(client, broker)
    assert "Mijn caseload" in client.get("/").text


@pytest.mark.parametrize(
    "role", [Role.BROKER, Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.FUND_ADMIN]
)
def test_only_the_funds_administrators_add_its_brokers(app, app_ctx, make_user, make_staff, role):
    fund_id = make_staff(Role.FUND_ADMIN).fund_id
    actor = make_user(role)  # a fund administrator here is one of another fund
    with pytest.raises(Forbidden):
        services.create_broker(
            fund_id,
            name="X",
            email="x@example.nl",
            actor_id=actor.id,
        )
    assert session.scalar(sa.select(sa.func.count()).where(User.email == "x@example.nl")) == 0


def test_a_platform_administrator_adds_a_broker_to_any_fund(app, app_ctx, make_staff):
    fund_id = make_staff(Role.FUND_ADMIN).fund_id
    platform = make_staff(Role.PLATFORM_ADMIN)
    user = services.create_broker(
        fund_id,
        name="Piet",
        email="piet@example.nl",
        actor_id=platform.id,
    )
    assert (user.role, user.fund_id) == (Role.BROKER, fund_id)


def test_a_broker_needs_a_fund(app, app_ctx):
    from wallet.accounts.passwords import hash_password

    session.add(
        User(
            email="los@example.nl",
            password_hash=hash_password("x" * 12),
            name="Los",
            role=Role.BROKER,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


# --- the caseload ---------------------------------------------------------------------------


def test_an_employer_is_in_a_funds_caseload_once(app, app_ctx, team, other_fund_broker):
    stranger = other_fund_broker()
    with pytest.raises(Conflict):
        services.add_to_caseload(team.employer.id, actor_id=team.bram.id)
    # Another fund's team may work with the same employer.
    services.add_to_caseload(team.employer.id, actor_id=stranger.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(CaseloadEntry)) == 2
    assert [e.action for e in _events(team.entry.id)] == ["added"]


def test_two_brokers_adding_one_employer_at_once_get_a_conflict(app, app_ctx, team, monkeypatch):
    real = services._holder_of
    calls = iter([None])  # the first look sees nothing, as the slower of two requests would
    monkeypatch.setattr(services, "_holder_of", lambda *args: next(calls, real(*args)))
    with pytest.raises(Conflict, match="Anna Makelaar"):
        services.add_to_caseload(team.employer.id, actor_id=team.bram.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(CaseloadEntry)) == 1


def test_only_brokers_keep_a_caseload(app, app_ctx, team):
    with pytest.raises(Forbidden):
        services.add_to_caseload(team.employer.id, actor_id=team.admin.id)


def test_a_broker_finds_an_employer_by_name_or_kvk_and_adds_it(
    client, app, team, make_employer_user, login, db
):
    tiles = make_employer_user(name="Tegelzetbedrijf Oost", kvk_number="06099999").employer
    login(client, team.bram)
    assert "Tegelzetbedrijf Oost" in client.get("/broker/employers?q=tegelzet").text
    assert "Tegelzetbedrijf Oost" in client.get("/broker/employers?q=0609").text
    assert "Tegelzetbedrijf Oost" not in client.get("/broker/employers?q=DTAB").text
    soon = (clock.today() + dt.timedelta(days=2)).isoformat()
    data = {"employer_id": tiles.id, "next_step": "Eerste bezoek", "next_step_on": soon}
    response = client.post("/broker/employers?q=tegel", data=data)
    assert response.status_code == 302
    entry = db.scalar(sa.select(CaseloadEntry).where(CaseloadEntry.employer_id == tiles.id))
    assert (entry.broker_id, entry.stage, entry.next_step) == (
        team.bram.id,
        S.LEAD,
        "Eerste bezoek",
    )
    page = client.get("/broker").text
    assert "Volgende stappen deze week" in page
    assert page.index("Tegelzetbedrijf Oost") < page.index("Eerste contact (1)")


def test_the_start_page_groups_by_stage_without_codes(client, app, team, login):
    with app.app_context():
        services.move_stage(team.entry.id, "prepare", note="Aanvraag", actor_id=team.anna.id)
    login(client, team.anna)
    page = client.get("/broker").text
    assert "Aanvraag in voorbereiding (1)" in page
    assert "Eerste contact (0)" in page
    assert "DTAB Twente" in page
    for code in ("preparing", "followed_up", "lead"):
        assert f">{code}<" not in page
        assert f" {code} " not in page


# --- contacts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"note": "x" * 2001}, "note"),
        ({"note": "Bezoek\x00"}, "note"),
        ({"note": "\u200b\u2060 "}, "note"),
        ({"kind": "fax"}, "kind"),
        ({"contacted_on": None}, "contacted_on"),
        ({"contacted_on": dt.date(2999, 1, 1)}, "contacted_on"),
    ],
)
def test_a_bad_contact_names_the_field_and_writes_nothing(app, app_ctx, team, fields, bad):
    data = {"kind": "visit", "contacted_on": clock.today(), "note": "Rondleiding"} | fields
    with pytest.raises(ValidationFailed) as caught:
        services.log_contact(team.entry.id, actor_id=team.anna.id, **data)
    assert set(caught.value.errors) == {bad}
    assert _contacts() == 0
    assert [e.action for e in _events(team.entry.id)] == ["added"]


def test_contacts_are_newest_first_and_paginated(client, app, team, login):
    with app.app_context():
        note = "x" * 2000  # exactly the limit is fine
        services.log_contact(
            team.entry.id, kind="call", contacted_on=clock.today(), note=note, actor_id=team.anna.id
        )
        for n in range(24):
            services.log_contact(
                team.entry.id,
                kind="visit",
                note=f"Bezoek nummer {n}",
                contacted_on=clock.today() - dt.timedelta(days=30 - n),
                actor_id=team.anna.id,
            )
        page_one, pages = services.contacts_of(team.entry.id, 1)
        assert pages == 2
        assert page_one[0].note == note
        assert page_one[1].note == "Bezoek nummer 23"
        page_two, _pages = services.contacts_of(team.entry.id, 2)
        assert [c.note for c in page_two] == [f"Bezoek nummer {n}" for n in range(4, -1, -1)]
        assert _events(team.entry.id)[-1].action == "contact_logged"
    login(client, team.anna)
    page = client.get(f"/caseload/{team.entry.id}?page=2").text
    assert "Bezoek nummer 0" in page
    assert "Bezoek nummer 23" not in page


def test_a_contact_is_logged_on_the_page(client, app, team, login, db):
    login(client, team.anna)
    data = {
        "form": "contact",
        "contact-kind": "call",
        "contact-note": "Gebeld met HR",
        "contact-contacted_on": clock.today().isoformat(),
    }
    assert client.post(f"/caseload/{team.entry.id}", data=data).status_code == 302
    page = client.get(f"/caseload/{team.entry.id}").text
    assert "Gebeld met HR" in page
    assert "Telefoongesprek" in page
    bad = client.post(f"/caseload/{team.entry.id}", data={**data, "contact-note": "y" * 2001})
    assert bad.status_code == 422
    assert 'id="contact-note-error"' in bad.text
    assert db.scalar(sa.select(sa.func.count()).select_from(CaseloadContact)) == 1


# --- hand-over -------------------------------------------------------------------------------


def test_the_holder_hands_over_to_a_colleague_of_the_same_fund(app, app_ctx, team):
    services.hand_over(team.entry.id, to_broker_id=team.bram.id, actor_id=team.anna.id)
    session.expire_all()
    assert session.get(CaseloadEntry, team.entry.id).broker_id == team.bram.id
    event = _events(team.entry.id)[-1]
    assert (event.action, event.actor_id) == ("handed_over", team.anna.id)
    assert (event.before, event.after) == ({"broker": team.anna.id}, {"broker": team.bram.id})
    # Now Bram edits it, and Anna no longer does.
    with pytest.raises(Forbidden):
        services.move_stage(team.entry.id, "prepare", note="Mijn zaak", actor_id=team.anna.id)
    services.move_stage(team.entry.id, "prepare", note="Overgenomen", actor_id=team.bram.id)


def test_a_fund_administrator_hands_over(app, app_ctx, team):
    services.hand_over(team.entry.id, to_broker_id=team.bram.id, actor_id=team.admin.id)
    assert _events(team.entry.id)[-1].actor_id == team.admin.id


def test_no_hand_over_outside_the_fund_or_to_a_non_broker(
    app, app_ctx, team, other_fund_broker, make_user
):
    stranger = other_fund_broker()
    for target in (stranger, team.admin, make_user(Role.EMPLOYER_STAFF)):
        with pytest.raises(ValidationFailed):
            services.hand_over(team.entry.id, to_broker_id=target.id, actor_id=team.anna.id)
    with pytest.raises(Forbidden):  # a colleague cannot take it over by themselves
        services.hand_over(team.entry.id, to_broker_id=team.bram.id, actor_id=team.bram.id)
    with pytest.raises(NotFound):  # another fund's broker does not even see it
        services.hand_over(team.entry.id, to_broker_id=stranger.id, actor_id=stranger.id)
    session.expire_all()
    assert session.get(CaseloadEntry, team.entry.id).broker_id == team.anna.id
    assert [e.action for e in _events(team.entry.id)] == ["added"]


def test_hand_over_on_the_page(client, app, team, login, db):
    login(client, team.anna)
    page = client.get(f"/caseload/{team.entry.id}").text
    assert "Bram Makelaar" in page
    data = {"form": "handover", "handover-broker": str(team.bram.id)}
    assert client.post(f"/caseload/{team.entry.id}", data=data).status_code == 302
    assert db.get(CaseloadEntry, team.entry.id).broker_id == team.bram.id


# --- who sees and does what: the matrix ----------------------------------------------------

SEES = {
    "anna": 200,
    "bram": 200,
    "admin": 200,
    "stranger": 404,
    "other_admin": 404,
    "worker": 403,
    "provider": 403,
    "employer": 403,
    "platform": 403,
}


@pytest.fixture
def people(team, other_fund_broker, make_user):
    return {
        "anna": team.anna,
        "bram": team.bram,
        "admin": team.admin,
        "stranger": other_fund_broker(),
        "other_admin": make_user(Role.FUND_ADMIN),
        "worker": make_user(Role.WORKER),
        "provider": make_user(Role.PROVIDER_STAFF),
        "employer": make_user(Role.EMPLOYER_STAFF),
        "platform": make_user(Role.PLATFORM_ADMIN),
    }


@pytest.mark.parametrize("who", list(SEES))
def test_who_sees_a_caseload_entry(client, team, people, login, who):
    login(client, people[who])
    response = client.get(f"/caseload/{team.entry.id}")
    assert response.status_code == SEES[who]
    if SEES[who] == 200:
        assert "DTAB Twente" in response.text
        assert ('name="action" value="prepare"' in response.text) == (who == "anna")
        assert ('name="contact-note"' in response.text) == (who == "anna")
        assert ('name="handover-broker"' in response.text) == (who in ("anna", "admin"))


EDITS = {
    "anna": 302,
    "bram": 403,
    "admin": 403,
    "stranger": 404,
    "other_admin": 404,
    "worker": 403,
    "provider": 403,
    "employer": 403,
    "platform": 403,
}


@pytest.mark.parametrize("who", list(EDITS))
def test_who_moves_a_stage_or_logs_a_contact(client, team, people, login, db, who):
    login(client, people[who])
    move = {"form": "stage", "action": "prepare", "stage-note": "Ik pak dit op"}
    contact = {
        "form": "contact",
        "contact-kind": "visit",
        "contact-note": "Bezocht",
        "contact-contacted_on": clock.today().isoformat(),
    }
    assert client.post(f"/caseload/{team.entry.id}", data=move).status_code == EDITS[who]
    assert client.post(f"/caseload/{team.entry.id}", data=contact).status_code == EDITS[who]
    expected = S.PREPARING if who == "anna" else S.LEAD
    assert db.get(CaseloadEntry, team.entry.id).stage == expected
    count = db.scalar(sa.select(sa.func.count()).select_from(CaseloadContact))
    assert count == (1 if who == "anna" else 0)


@pytest.mark.parametrize("who", list(SEES))
def test_who_reaches_the_broker_pages(client, people, login, who):
    login(client, people[who])
    is_broker = who in ("anna", "bram", "stranger")
    is_fund_admin = who in ("admin", "other_admin")
    assert client.get("/broker").status_code == (200 if is_broker else 403)
    assert client.get("/broker/employers?q=DTAB").status_code == (200 if is_broker else 403)
    assert client.get("/fund/brokers").status_code == (200 if is_fund_admin else 403)


def test_a_broker_of_another_fund_sees_nothing_of_this_caseload(client, team, people, login):
    login(client, people["stranger"])
    assert "DTAB Twente" not in client.get("/broker").text
    client.post("/logout")
    login(client, people["other_admin"])
    page = client.get("/fund/brokers").text
    assert "DTAB Twente" not in page
    assert "Anna Makelaar" not in page


def test_the_fund_page_counts_each_brokers_caseload(client, app, team, login):
    with app.app_context():
        services.move_stage(team.entry.id, "drop", note="Geen vacatures", actor_id=team.anna.id)
    login(client, team.admin)
    page = client.get("/fund/brokers").text
    assert "Anna Makelaar" in page
    assert "Bram Makelaar" in page
    assert "Gestopt" in page
    with app.app_context():
        counts = {u.name: (o, t) for u, o, t in services.brokers_of(team.fund_id)}
    assert counts == {"Anna Makelaar": (0, 1), "Bram Makelaar": (0, 0)}


def test_anonymous_visitors_are_sent_to_log_in(client, team):
    for path in ("/broker", "/broker/employers", f"/caseload/{team.entry.id}", "/fund/brokers"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_the_funds_audit_trail_shows_its_caseload_and_no_other(client, app, team, people, login):
    with app.app_context():
        services.move_stage(
            team.entry.id, "prepare", note="Offerte gevraagd", actor_id=team.anna.id
        )
    login(client, team.admin)
    page = client.get("/audit?subject_type=caseload_entry").text
    assert "Offerte gevraagd" in page
    assert "Caseload van arbeidsmakelaars" in page
    client.post("/logout")
    login(client, people["other_admin"])
    assert "Offerte gevraagd" not in client.get("/audit").text


def test_a_platform_administrator_adds_a_broker_on_the_page(client, app, team, people, login, db):
    login(client, people["platform"])
    assert "2 arbeidsmakelaars" in client.get("/").text
    page = client.get(f"/admin/funds/{team.fund_id}/brokers")
    assert page.status_code == 200
    assert "Anna Makelaar" in page.text
    assert "DTAB Twente" not in page.text  # the caseload is the fund's own
    data = {"name": "Piet Makelaar", "email": "piet@fonds.example.nl"}
    response = client.post(f"/admin/funds/{team.fund_id}/brokers", data=data)
    assert response.status_code == 302
    broker = db.scalar(sa.select(User).where(User.email == "piet@fonds.example.nl"))
    assert (broker.role, broker.fund_id) == (Role.BROKER, team.fund_id)
    assert client.get("/admin/funds/999/brokers").status_code == 404


@pytest.mark.parametrize("who", ["admin", "anna", "worker", "employer"])
def test_only_platform_administrators_use_the_platform_page(client, team, people, login, who):
    login(client, people[who])
    assert client.get(f"/admin/funds/{team.fund_id}/brokers").status_code == 403
