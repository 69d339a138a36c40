"""Demo data: loading twice changes nothing, and every printed login works."""

import pyotp
import sqlalchemy as sa

from tests.twofactor.signin import sign_in
from wallet.accounts.models import User
from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.db import session
from wallet.demo.cli import DEMO_PASSWORD, DEMO_TOTP_SECRET, LOGINS
from wallet.demo.placements import TILES_LOGIN
from wallet.employers.models import Employer, EmployerStatus
from wallet.funds.models import Fund
from wallet.placements.followups import due_follow_ups
from wallet.providers.models import Provider


def _counts(db):
    return [
        db.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (User, Fund, Provider, Employer)
    ]


def test_demo_load_is_idempotent_and_its_logins_work(app, runner, db):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts(db)
    assert counts == [8, 1, 11, 2]  # users, funds, providers (1 demo + 10 generated), employers
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert _counts(db) == counts
    # A finished course whose claim waits for the fund's review, made once.
    assert db.scalar(sa.text("SELECT count(*) FROM claims WHERE status = 'submitted'")) == 1
    for email, _role, _name in LOGINS:
        assert email in first.output
        client = app.test_client()
        response = sign_in(client, email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert client.get("/").status_code == 200, email
    # The employer like the seed's DTAB is verified, its staff login lands on its start page.
    assert db.scalar(sa.select(Employer.status)) == EmployerStatus.VERIFIED
    client = app.test_client()
    sign_in(client, "werkgever@demo.leerwallet.nl", DEMO_PASSWORD)
    assert "DTAB Twente" in client.get("/").text
    # The broker's caseload moved with the employers' applications: DTAB's retained operator
    # was followed up, the tile setter's group approved.
    broker = app.test_client()
    sign_in(broker, "makelaar@demo.leerwallet.nl", DEMO_PASSWORD)
    page = broker.get("/").text
    assert "Nagegaan (1)" in page
    assert "Aanvraag goedgekeurd (1)" in page
    assert "Tegelzetbedrijf Oost" in page
    assert db.scalar(sa.text("SELECT count(*) FROM caseload_contacts")) == 3


def test_demo_placements_stand_at_every_stage_and_the_books_agree(app, runner, db):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # made once
    rows = db.execute(
        sa.text(
            "SELECT e.name, p.status, p.occupation, p.contract_type, p.committed_cents, "
            "(SELECT count(*) FROM placement_follow_ups f WHERE f.placement_id = p.id "
            " AND f.recorded_at IS NOT NULL) FROM placements p JOIN employers e "
            "ON e.id = p.employer_id ORDER BY p.id"
        )
    ).all()
    assert [(r[0][:4], r[1], r[5]) for r in rows] == [
        ("DTAB", "retained", 2),
        ("DTAB", "approved", 1),  # the hbo course: its 6-month follow-up recorded
        ("Tege", "approved", 0),  # its 6-month follow-up due now
        ("Tege", "ended_early", 0),
        ("Tege", "approved", 0),
        ("Tege", "approved", 0),
        ("Tege", "approved", 0),
        ("Tege", "in_review", 0),
    ]
    assert {r[2] for r in rows[:2]} == {"Procesoperator"}
    assert {r[3] for r in rows[2:]} == {"work_and_learn"}
    assert db.scalar(sa.text("SELECT name FROM schemes WHERE kind = 'employer'")) == (
        "Sectorplan Twente"
    )
    # DTAB was paid both parts for the retained operator; the hbo course's claim waits.
    claims = db.execute(
        sa.text("SELECT part, status, amount_cents FROM reimbursement_claims ORDER BY id")
    ).all()
    assert [tuple(c) for c in claims] == [
        ("first", "approved", 337_500),
        ("retention", "approved", 112_500),
        ("first", "submitted", 337_500),
    ]
    with app.app_context():
        assert verify() == []
        staff = session.scalar(sa.select(User).where(User.email == TILES_LOGIN))
        due = [f for f in due_follow_ups(staff) if f.due_on <= clock.today()]
        assert [(f.placement.full_name, f.months) for f in due] == [("Kevin Lammers", 6)]
    # The tile setter's staff log in to their own employer.
    client = app.test_client()
    sign_in(client, TILES_LOGIN, DEMO_PASSWORD)
    assert "Tegelzetbedrijf Oost" in client.get("/").text


def test_demo_data_is_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_demo_prints_the_staff_secret_and_the_current_code(app, runner):
    loaded = runner.invoke(args=["demo", "load"])
    assert DEMO_TOTP_SECRET in loaded.output
    printed = runner.invoke(args=["demo", "totp", "fonds@demo.leerwallet.nl"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() == pyotp.TOTP(DEMO_TOTP_SECRET).at(clock.now())
    # The printed code signs the fund administrator in.
    client = app.test_client()
    client.post("/login", data={"email": "fonds@demo.leerwallet.nl", "password": DEMO_PASSWORD})
    answer = client.post("/login/second-factor", data={"code": printed.output.strip()})
    assert answer.status_code == 302
    assert client.get("/review").status_code == 200
    # A worker has no authenticator: nothing to print.
    assert runner.invoke(args=["demo", "totp", "werkende@demo.leerwallet.nl"]).exit_code != 0
