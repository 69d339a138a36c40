"""The fund administrator's and the worker's money screens, end to end through the client."""

import csv
import io

import pytest
import sqlalchemy as sa

from wallet.accounts.models import Role
from wallet.grants.models import Grant
from wallet.ledger.models import LedgerTransaction
from wallet.schemes.models import Scheme, SchemeStatus


@pytest.fixture
def admin(client, make_staff, login):
    user = make_staff(Role.FUND_ADMIN)
    login(client, user)
    return user


def _scheme_form(**fields):
    data = {
        "name": "Scholingsbudget Twente",
        "allocation_mode": "manual",
        "amount": "1.000,00",
        "validity_months": "12",
        "co_funding_percent": "100",
        "max_grants_per_course": "3",
        "municipalities": ["enschede", "hengelo"],
        "target_groups": ["employed", "job_seeker"],
    }
    data.update(fields)
    return data


def test_a_deposit_through_the_form_shows_in_the_figures(client, db, admin):
    response = client.post("/fund/deposits", data={"amount": "250.000,00", "reference": "GS-14"})
    assert response.status_code == 302
    page = client.get("/").text
    assert "250.000,00" in page
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 1


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "12,345", "99.999.999,00"])
def test_a_wrong_deposit_amount_is_explained_and_nothing_moves(client, db, admin, amount):
    response = client.post("/fund/deposits", data={"amount": amount, "reference": "x"})
    assert response.status_code == 422
    assert 'id="amount-error"' in response.text
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 0


def test_an_administrator_defines_activates_and_grants_under_a_scheme(
    client, db, admin, make_worker
):
    client.post("/fund/deposits", data={"amount": "10.000", "reference": "start"})
    response = client.post("/fund/schemes/new", data=_scheme_form())
    assert response.status_code == 302
    scheme = db.scalar(sa.select(Scheme))
    assert scheme.status == SchemeStatus.DRAFT
    assert scheme.rules["municipalities"] == ["enschede", "hengelo"]
    client.post(f"/fund/schemes/{scheme.id}/activate", data={"confirm": "1"})
    worker = make_worker(email="sanne@example.nl", municipality_code="hengelo")
    client.post(f"/fund/schemes/{scheme.id}/grants", data={"email": "\uff33anne@example.nl"})
    grant = db.scalar(sa.select(Grant))
    assert grant.user_id == worker.id
    assert grant.amount_cents == 100_000
    page = client.get(f"/fund/schemes/{scheme.id}").text
    assert "sanne@example.nl" in page
    csv = b"email;amount\nsanne2@example.nl;500\n"
    make_worker(email="sanne2@example.nl", municipality_code="enschede")
    client.post(
        f"/fund/schemes/{scheme.id}/grants/csv",
        data={"file": (io.BytesIO(csv), "grants.csv")},
        content_type="multipart/form-data",
    )
    assert db.scalar(sa.select(sa.func.count(Grant.id))) == 2


def test_a_scheme_with_wrong_terms_is_explained(client, db, admin):
    response = client.post(
        "/fund/schemes/new",
        data=_scheme_form(allocation_mode="first_come", min_age="60", max_age="20"),
    )
    assert response.status_code == 422
    assert 'id="window_closes_on-error"' in response.text
    assert db.scalar(sa.select(sa.func.count(Scheme.id))) == 0


def test_the_ledger_explorer_shows_only_this_funds_accounts(client, admin, make_fund):
    client.post("/fund/deposits", data={"amount": "100", "reference": "start"})
    with client.application.app_context():
        from wallet.accounts.models import User
        from wallet.core.db import session

        pot = session.get(User, admin.id).fund.pot_account_id
    page = client.get(f"/fund/accounts/{pot}")
    assert page.status_code == 200
    assert "100,00" in page.text
    other = make_fund(500)
    assert client.get(f"/fund/accounts/{other.pot_account_id}").status_code == 404


@pytest.mark.parametrize("path", ["/fund/accounts/1", "/fund/schemes/new", "/fund/schemes/1"])
def test_workers_do_not_reach_the_fund_screens(client, make_worker, login, path):
    login(client, make_worker())
    assert client.get(path).status_code == 403


def test_a_worker_sees_their_budget_and_downloads_the_statement(
    client, make_fund, make_scheme, make_worker, make_grant, login
):
    fund = make_fund(500_000, name="Twents Fonds voor Vakmanschap")
    worker = make_worker()
    make_grant(make_scheme(fund, name="Scholingsbudget", amount_cents=150_000), worker)
    login(client, worker)
    page = client.get("/").text
    assert "Twents Fonds voor Vakmanschap: Scholingsbudget" in page
    assert "1.500,00" in page
    statement = client.get("/budget/statement.csv")
    assert statement.mimetype == "text/csv"
    rows = statement.text.lstrip("\ufeff").splitlines()
    assert rows[0].split(";")[0] == "Datum"
    assert rows[1].endswith(";1500,00;1500,00")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_statement_never_writes_a_formula(
    client, make_fund, make_scheme, make_worker, make_grant, login, start
):
    hostile = start + 'HYPERLINK("http://evil.example";"klik")'
    fund = make_fund(500_000, name=f"{start}cmd|' /C calc'!A0")
    worker = make_worker()
    make_grant(make_scheme(fund, name=hostile, amount_cents=150_000), worker)
    login(client, worker)
    text = client.get("/budget/statement.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2
    for value in rows[1][1:4]:  # fund, scheme, description: text, never a formula
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert rows[1][2] in ("'" + hostile, hostile.strip())  # the scheme's name may be trimmed
    assert rows[1][4:] == ["1500,00", "1500,00"]


def test_a_worker_applies_to_a_first_come_scheme(
    client, db, make_fund, make_windowed_scheme, make_worker, login
):
    scheme = make_windowed_scheme(
        make_fund(1_000_000), "first_come", grants=10, closes=10, name="Snel aan de slag"
    )
    worker = make_worker()
    login(client, worker)
    assert "Snel aan de slag" in client.get("/").text
    confirmed = {"confirm": "1"}
    assert client.post(f"/budget/schemes/{scheme.id}/apply", data=confirmed).status_code == 302
    assert db.scalar(sa.select(Grant.user_id)) == worker.id
    client.post(f"/budget/schemes/{scheme.id}/apply", data=confirmed)  # twice: refused, no more
    assert db.scalar(sa.select(sa.func.count(Grant.id))) == 1
