"""Employer schemes: stored with their kind, edited and shown in words, through the API,
and never a way to grant a worker budget."""

import pytest
import sqlalchemy as sa

from tests.schemes.conftest import employer_rules
from wallet.accounts.models import Role
from wallet.grants.models import Grant
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus


@pytest.fixture
def admin(client, make_staff, login):
    user = make_staff(Role.FUND_ADMIN)
    login(client, user)
    return user


def test_an_employer_scheme_keeps_its_window_and_budget_in_the_columns(
    app_ctx, make_fund, make_employer_scheme
):
    scheme = app_ctx.merge(make_employer_scheme(make_fund()))
    assert scheme.kind == SchemeKind.EMPLOYER_REIMBURSEMENT
    assert scheme.allocation_mode == AllocationMode.MANUAL
    assert scheme.total_cap_cents == 100_000_000
    assert scheme.amount_cents == 500_000  # the cap per person
    assert str(scheme.window_opens_on) == "2026-01-01"
    assert "total_budget_cents" not in scheme.rules
    assert scheme.rules["share_bps"] == 5_000


def test_a_worker_scheme_is_a_worker_budget_by_default(app_ctx, make_fund, make_scheme):
    scheme = app_ctx.merge(make_scheme(make_fund()))
    assert scheme.kind == SchemeKind.WORKER_BUDGET


def _employer_form(**fields):
    data = {
        "name": "Sectorplan Twente",
        "share_percent": "50",
        "cap_per_person": "5.000,00",
        "cap_per_employer_year": "20.000,00",
        "total_budget": "1.000.000,00",
        "starting_situations": ["other_sector", "benefit"],
        "target_occupations": ["Procesoperator", "Verpleegkundige"],
        "training_kinds": ["work_and_learn", "bespoke"],
        "retention_months": "6",
        "retention_percent": "25",
        "window_opens_on": "2026-01-01",
        "window_closes_on": "2027-12-31",
    }
    data.update(fields)
    return data


def test_an_administrator_defines_an_employer_scheme_and_reads_it_in_words(client, db, admin):
    response = client.post("/fund/schemes/new/employer", data=_employer_form())
    assert response.status_code == 302, response.text
    scheme = db.scalar(sa.select(Scheme))
    assert scheme.kind == SchemeKind.EMPLOYER_REIMBURSEMENT
    assert scheme.rules["retention_share_bps"] == 2_500
    page = client.get(f"/fund/schemes/{scheme.id}").text
    assert "Werkgeversregeling" in page
    assert "50 % van de subsidiabele opleidingskosten" in page
    assert "Vanuit een uitkering" in page  # the starting situation in words, not its code
    assert "benefit" not in page
    assert "work_and_learn" not in page
    assert "Procesoperator" in page
    assert "nog in dienst is na 6 maanden" in page
    assert "Toekennen aan één werkende" not in page  # no worker grants on this scheme
    home = client.get("/").text
    assert "Nieuwe werkgeversregeling opstellen" in home
    assert "Werkgeversregeling</td>" in home  # listed as such, not with a budget per worker
    edit = client.get(f"/fund/schemes/{scheme.id}/edit").text
    assert 'value="Sectorplan Twente"' in edit
    assert "5.000,00" in edit
    changed = client.post(
        f"/fund/schemes/{scheme.id}/edit", data=_employer_form(share_percent="33,33")
    )
    assert changed.status_code == 302
    db.expire_all()
    assert db.get(Scheme, scheme.id).rules["share_bps"] == 3_333
    assert 'value="33,33"' in client.get(f"/fund/schemes/{scheme.id}/edit").text


@pytest.mark.parametrize("share", ["0", "100,01", "12,345", "half"])
def test_a_wrong_share_is_explained(client, db, admin, share):
    response = client.post("/fund/schemes/new/employer", data=_employer_form(share_percent=share))
    assert response.status_code == 422
    assert db.scalar(sa.select(sa.func.count()).select_from(Scheme)) == 0


def test_wrong_employer_terms_are_explained_in_dutch_and_nothing_is_saved(client, db, admin):
    response = client.post(
        "/fund/schemes/new/employer",
        data=_employer_form(
            cap_per_employer_year="100,00",
            window_closes_on="2025-01-01",
            target_occupations=[],
            retention_percent="",
        ),
    )
    assert response.status_code == 422
    page = response.text
    assert "De aanvraagperiode kan niet eindigen voordat die begint." in page
    assert "per werkgever per jaar kan niet lager zijn dan" in page
    assert "Kies een of meer beroepen uit de lijst met kansberoepen." in page
    assert "Geef aan welk deel pas wordt betaald" in page
    assert db.scalar(sa.select(sa.func.count()).select_from(Scheme)) == 0


def test_the_api_accepts_and_returns_an_employer_scheme(app, make_staff, api_headers):
    admin = make_staff(Role.FUND_ADMIN)
    client, headers = app.test_client(), api_headers(admin)
    body = {"name": "Sectorplan Twente", "kind": "employer", "employer_rules": employer_rules()}
    created = client.post(f"/api/v1/funds/{admin.fund_id}/schemes", json=body, headers=headers)
    assert created.status_code == 201, created.json
    scheme = created.json
    assert scheme["kind"] == "employer"
    assert scheme["employer_rules"] == {**employer_rules(), "four_eyes_above_cents": 250_000}
    assert scheme["total_cap_cents"] == 100_000_000
    read = client.get(f"/api/v1/schemes/{scheme['id']}", headers=headers).json
    assert read == scheme
    listed = client.get(f"/api/v1/funds/{admin.fund_id}/schemes", headers=headers).json
    assert listed[0]["employer_rules"]["share_bps"] == 5_000
    body["employer_rules"] = employer_rules(share_bps=4_000)
    changed = client.put(f"/api/v1/schemes/{scheme['id']}", json=body, headers=headers)
    assert changed.status_code == 200
    assert changed.json["employer_rules"]["share_bps"] == 4_000


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "employer"},
        {"kind": "employer", "employer_rules": employer_rules(share_bps=0)},
        {"kind": "employer", "employer_rules": employer_rules(starting_situations=["x"])},
        {"kind": "employer_bonus", "employer_rules": employer_rules()},
    ],
)
def test_the_api_refuses_wrong_employer_schemes(app, make_staff, api_headers, body):
    admin = make_staff(Role.FUND_ADMIN)
    client = app.test_client()
    refused = client.post(
        f"/api/v1/funds/{admin.fund_id}/schemes",
        json={"name": "S", **body},
        headers=api_headers(admin),
    )
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"


def test_a_worker_scheme_through_the_api_is_unchanged(app, make_staff, api_headers):
    admin = make_staff(Role.FUND_ADMIN)
    client = app.test_client()
    body = {
        "name": "Budget",
        "allocation_mode": "manual",
        "amount_cents": 100_000,
        "validity_months": 12,
        "rules": {"municipalities": ["enschede"]},
    }
    created = client.post(
        f"/api/v1/funds/{admin.fund_id}/schemes", json=body, headers=api_headers(admin)
    )
    assert created.status_code == 201
    assert created.json["kind"] == "worker_budget"
    assert created.json["employer_rules"] is None
    assert created.json["rules"]["municipalities"] == ["enschede"]
    body.pop("amount_cents")
    refused = client.post(
        f"/api/v1/funds/{admin.fund_id}/schemes", json=body, headers=api_headers(admin)
    )
    assert refused.status_code == 422
    assert "amount_cents" in refused.json["errors"]


# --- an employer scheme never grants a worker budget ---

REFUSAL = "werkgeversregeling"


@pytest.fixture
def employer_scheme(make_fund, make_employer_scheme):
    return make_employer_scheme(make_fund(deposit_cents=10_000_000))


def _no_grants(app_ctx):
    assert app_ctx.scalar(sa.select(sa.func.count()).select_from(Grant)) == 0


def test_a_grant_by_hand_is_refused(app_ctx, employer_scheme, make_worker):
    from wallet.core.errors import Conflict
    from wallet.grants.granting import grant_to_worker

    with pytest.raises(Conflict, match=REFUSAL):
        grant_to_worker(employer_scheme.id, make_worker().id, actor_id=None)
    _no_grants(app_ctx)


def test_a_grant_below_every_path_is_refused(app_ctx, employer_scheme, make_worker):
    from wallet.core.errors import Conflict
    from wallet.grants.granting import create_grant
    from wallet.grants.models import GrantSource
    from wallet.schemes.services import get_scheme

    worker = make_worker()
    with pytest.raises(Conflict, match=REFUSAL):
        create_grant(
            get_scheme(employer_scheme.id),
            worker.id,
            1_000,
            period="2026",
            source=GrantSource.MANUAL,
        )
    app_ctx.rollback()
    _no_grants(app_ctx)


def test_a_csv_import_is_refused(app_ctx, employer_scheme, make_worker):
    from wallet.core.errors import Conflict
    from wallet.grants.imports import import_grants

    worker = make_worker()
    with pytest.raises(Conflict, match=REFUSAL):
        import_grants(employer_scheme.id, f"email\n{worker.email}\n".encode(), actor_id=1)
    _no_grants(app_ctx)


def test_allocation_application_and_lottery_are_refused(app_ctx, employer_scheme, make_worker):
    from wallet.core.errors import Conflict
    from wallet.grants.allocation import allocate, allocate_all
    from wallet.grants.applying import apply_for_grant, open_schemes_for
    from wallet.grants.lottery import draw_lottery

    worker = make_worker()
    for attempt in (
        lambda: allocate(employer_scheme.id),
        lambda: apply_for_grant(employer_scheme.id, worker.id),
        lambda: draw_lottery(employer_scheme.id, "seed"),
    ):
        with pytest.raises(Conflict, match=REFUSAL):
            attempt()
    assert allocate_all() == []
    assert all(scheme.id != employer_scheme.id for scheme, *_ in open_schemes_for(worker.id))
    _no_grants(app_ctx)


def test_the_grant_page_refuses_an_employer_scheme(client, db, admin, make_worker):
    created = client.post("/fund/schemes/new/employer", data=_employer_form())
    scheme_id = int(created.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/fund/schemes/{scheme_id}/activate", data={"confirm": "1"})
    assert db.get(Scheme, scheme_id).status == SchemeStatus.ACTIVE
    worker = make_worker()
    response = client.post(f"/fund/schemes/{scheme_id}/grants", data={"email": worker.email})
    assert response.status_code in (302, 409)
    assert db.scalar(sa.select(sa.func.count()).select_from(Grant)) == 0
