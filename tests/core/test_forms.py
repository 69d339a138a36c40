"""Forms that move money carry a one-time key: sent twice (a double click, a reload, a race),
they have one effect and the second answer says it was already done."""

from __future__ import annotations

import io
import re
import threading

import pytest
import sqlalchemy as sa

from tests.claims.conftest import make_journey, pdf  # noqa: F401 - the fixture
from tests.conftest import PASSWORD, csrf_token_from
from tests.payments.fixtures import approved  # noqa: F401 - the fixture
from wallet.accounts.models import Role
from wallet.applications.models import Application
from wallet.audit.models import AuditEvent
from wallet.claims.models import Claim, ClaimVersion
from wallet.core import clock
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.funds.services import deposit
from wallet.grants.models import Grant, LotteryDraw, SchemeApplication
from wallet.ledger.models import LedgerTransaction
from wallet.payments.models import BankStatementImport, PayoutBatch

KEY = "the-key-of-one-rendered-form"
ALREADY = "al verstuurd"  # the Dutch of ALREADY_DONE: pages are Dutch by default
COUNTED = (
    LedgerTransaction,
    AuditEvent,
    Grant,
    SchemeApplication,
    LotteryDraw,
    Application,
    Claim,
    ClaimVersion,
    PayoutBatch,
    BankStatementImport,
)


def _effects(db) -> tuple[int, ...]:
    db.expire_all()
    counts = tuple(db.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED)
    statuses = tuple(db.scalars(sa.select(Application.status).order_by(Application.id)))
    claims = tuple(db.scalars(sa.select(Claim.status).order_by(Claim.id)))
    return counts + statuses + claims


# Each case makes what its form needs and returns (who sends it, url, fields).


def _deposit(f):
    return f.make_staff(Role.FUND_ADMIN), "/fund/deposits", {"amount": "100", "reference": "GS-1"}


def _fund_admin_with_scheme(f, **terms):
    admin = f.make_staff(Role.FUND_ADMIN)
    with f.app.app_context():
        fund = session.get(Fund, admin.fund_id)
        deposit(fund.id, 10_000_000, reference="start")
    return admin, fund, f.make_scheme(fund, **terms)


def _grant(f):
    admin, _fund, scheme = _fund_admin_with_scheme(f)
    worker = f.make_worker()
    return admin, f"/fund/schemes/{scheme.id}/grants", {"email": worker.email}


def _grant_csv(f):
    admin, _fund, scheme = _fund_admin_with_scheme(f)
    worker = f.make_worker()
    csv = f"email;amount\n{worker.email};500\n".encode()
    return admin, f"/fund/schemes/{scheme.id}/grants/csv", {"file": (csv, "grants.csv")}


def _allocate(f):
    admin, _fund, scheme = _fund_admin_with_scheme(f, allocation_mode="entitlement")
    f.make_worker()
    return admin, f"/fund/schemes/{scheme.id}/allocate", {}


def _first_come(f):
    _admin, fund, _scheme = _fund_admin_with_scheme(f)
    scheme = f.make_windowed_scheme(fund, "first_come", grants=5)
    return f.make_worker(), f"/budget/schemes/{scheme.id}/apply", {"confirm": "1"}


def _apply_for_course(f):
    journey = f.make_journey(stage="none")
    clock.set_now(None)  # back before the run starts
    with f.app.app_context():
        run_id = session.get(Application, journey["application"].id).run_id
    worker = f.make_worker()
    f.make_grant(f.make_scheme(journey["fund"], amount_cents=300_000), worker)
    fields = {"password": PASSWORD, "expected_copay": "0"}
    return worker, f"/applications/new?run={run_id}", fields


def _application_action(action):
    def case(f):
        journey = f.make_journey(stage="in_progress")
        actor = journey["worker"] if action == "cancel" else journey["staff"]
        if action == "cancel":
            with f.app.app_context():
                scheme = session.get(Grant, journey["grant"].id).scheme
                scheme.rules = {**scheme.rules, "cancel_after_start": True}
                session.commit()
        return actor, f"/applications/{journey['application'].id}/{action}", {"confirm": "1"}

    return case


def _claim_fields() -> dict:
    return {
        "kind": "final",
        "invoice_number": "F-1",
        "invoice_date": "2026-01-01",
        "amount": "2.400,00",
        "vat": "0,00",
        "description": "Lassen",
        "attendance_pct": "90",
        "invoice_pdf": (pdf(), "factuur.pdf"),
    }


def _claim_submit(f):
    journey = f.make_journey()
    fields = _claim_fields()
    return journey["staff"], f"/provider/applications/{journey['application'].id}/claim", fields


def _review(action):
    def case(f):
        from tests.claims.conftest import claim_input
        from wallet.claims import services as claims

        journey = f.make_journey()
        with f.app.app_context():
            claim = claims.submit(journey["staff"], journey["application"].id, claim_input())
        fields = {"reason": "Geen bewijs"} if action == "reject" else {}
        return journey["admins"][0], f"/claims/{claim.id}/{action}", {**fields, "confirm": "1"}

    return case


def _payout(step):
    def case(f):
        from wallet.payments import batches
        from wallet.payments.models import PayoutMethod

        journeys, fund_id, _ids = f.approved()
        admin = journeys[0]["admins"][0]
        if step == "create":
            return admin, "/fund/payouts", {"method": "sepa"}
        with f.app.app_context():
            batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
            if step == "submit":
                return admin, f"/fund/payouts/{batch.id}/submit", {"confirm": "1"}
            batches.submit_batch(batch.id, fund_id, actor=None)
            item_id = batch.items[0].id
        fields = {"reason": "Rekening opgeheven"} if step == "failed" else {}
        fields["confirm"] = "1"
        return admin, f"/fund/payouts/items/{item_id}/{step}", fields

    return case


def _draw(f):
    import datetime as dt

    admin, fund, _scheme = _fund_admin_with_scheme(f)
    scheme = f.make_windowed_scheme(fund, "lottery", grants=1, opened=10, closes=5)
    from wallet.grants.applying import apply_for_grant

    with f.app.app_context():
        for _ in range(2):
            apply_for_grant(scheme.id, f.make_worker().id)
    clock.set_now(clock.now() + dt.timedelta(days=6))  # after the window
    return admin, f"/fund/schemes/{scheme.id}/draw", {"seed": "2027-03-01 notaris 12"}


def _resubmit(f):
    from tests.claims.conftest import claim_input
    from wallet.claims import services as claims

    journey = f.make_journey()
    with f.app.app_context():
        claim = claims.submit(journey["staff"], journey["application"].id, claim_input())
        claims.review(claim.id, "reject", actor=journey["admins"][0], reason="Bewijs ontbreekt")
    fields = {**_claim_fields(), "invoice_number": "F-2"}
    return journey["staff"], f"/claims/{claim.id}/resubmit", fields


def _claw_back(f):
    from tests.claims.conftest import claim_input
    from wallet.claims import services as claims

    journey = f.make_journey()
    with f.app.app_context():
        claim = claims.submit(journey["staff"], journey["application"].id, claim_input())
        claims.review(claim.id, "approve", actor=journey["admins"][0])
    fields = {"reason": "Cursus niet gegeven", "confirm": "1"}
    return journey["admins"][1], f"/claims/{claim.id}/claw_back", fields


def _statement(f):
    from tests.payments.camt_builder import camt053
    from wallet.payments import batches
    from wallet.payments.models import PayoutMethod

    journeys, fund_id, ids = f.approved()
    with f.app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        claims = session.scalars(sa.select(Claim).where(Claim.id.in_(ids))).all()
        lines = [
            {"end_to_end_id": c.reference, "amount": f"{c.amount_cents / 100:.2f}"} for c in claims
        ]
    statement = camt053(lines)
    return (
        journeys[0]["admins"][0],
        "/fund/payouts/statements",
        {"statement": (statement, "camt.xml")},
    )


MONEY_FORMS = {
    "deposit": _deposit,
    "grant by hand": _grant,
    "grants by CSV": _grant_csv,
    "allocation now": _allocate,
    "lottery draw": _draw,
    "first come apply": _first_come,
    "course application": _apply_for_course,
    "cancel application": _application_action("cancel"),
    "complete application": _application_action("complete"),
    "claim submit": _claim_submit,
    "claim resubmit": _resubmit,
    "claim approve": _review("approve"),
    "claim reject": _review("reject"),
    "claim claw back": _claw_back,
    "payout batch": _payout("create"),
    "payout submit": _payout("submit"),
    "payout paid": _payout("paid"),
    "payout failed": _payout("failed"),
    "bank statement": _statement,
}


class Factories:
    """The factory fixtures a case may use."""

    def __init__(self, request):
        self.app = request.getfixturevalue("app")
        for name in (
            "make_staff",
            "make_worker",
            "make_scheme",
            "make_windowed_scheme",
            "make_grant",
            "make_journey",
            "approved",
        ):
            setattr(self, name, request.getfixturevalue(name))


def _post(client, url, fields, key=KEY):
    data = {
        name: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for name, v in fields.items()
    }
    return client.post(url, data={**data, "once_key": key}, content_type="multipart/form-data")


@pytest.mark.parametrize("case", MONEY_FORMS.values(), ids=MONEY_FORMS.keys())
def test_a_money_form_sent_twice_with_its_key_has_one_effect(request, client, db, login, case):
    user, url, fields = case(Factories(request))
    login(client, user)
    before = _effects(db)
    first = _post(client, url, fields)
    assert first.status_code in (200, 302), first.text
    after_first = _effects(db)
    assert after_first != before, first.text
    second = _post(client, url, fields)
    assert second.status_code in (200, 302)
    assert _effects(db) == after_first


def test_the_second_answer_says_it_was_already_done(client, db, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    _post(client, "/fund/deposits", {"amount": "100", "reference": "GS-1"})
    client.get("/")
    _post(client, "/fund/deposits", {"amount": "100", "reference": "GS-1"})
    page = client.get("/").text
    assert ALREADY in page
    assert "100,00 gestort" not in page


def test_the_same_key_with_other_fields_does_nothing_either(client, db, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    _post(client, "/fund/deposits", {"amount": "100", "reference": "GS-1"})
    before = _effects(db)
    response = _post(client, "/fund/deposits", {"amount": "900", "reference": "GS-1"})
    assert response.status_code == 302
    assert _effects(db) == before


def test_two_keys_are_two_deposits(client, db, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    _post(client, "/fund/deposits", {"amount": "100", "reference": "GS-1"}, key="one")
    _post(client, "/fund/deposits", {"amount": "100", "reference": "GS-1"}, key="two")
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 2


def test_every_money_form_renders_a_fresh_key(client, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    pages = [client.get("/").text, client.get("/").text]
    keys = [re.findall(r'name="once_key" value="([^"]+)"', page) for page in pages]
    assert keys[0]
    assert set(keys[0]).isdisjoint(keys[1])


def test_a_form_without_its_key_is_refused_where_csrf_is_on(app, client, db, login, make_staff):
    login(client, make_staff(Role.FUND_ADMIN))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = csrf_token_from(client.get("/").text)
        response = client.post(
            "/fund/deposits", data={"amount": "100", "reference": "GS-1", "csrf_token": token}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 422
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 0


def test_two_racing_deposits_with_one_key_book_one(app, db, login, make_staff):
    """Two clients post the same form at the same moment: one deposit, one replay."""
    admin = make_staff(Role.FUND_ADMIN)
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, admin)
    barrier = threading.Barrier(2)
    statuses = []

    def send(client):
        barrier.wait()
        statuses.append(_post(client, "/fund/deposits", {"amount": "100", "reference": "R"}))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in statuses] == [302, 302]
    assert db.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 1


def test_a_password_sent_with_a_money_form_is_not_in_the_stored_hash(request, client, db, login):
    """The request hash is a fast, unsalted SHA-256 kept in the database: with the worker's
    password in it, a copy of the database would let anyone test passwords at full speed,
    around argon2. The form's hash leaves password fields out."""
    from wallet.core.forms import _form_request
    from wallet.core.idempotency import IdempotencyKey, request_hash

    user, url, fields = _apply_for_course(Factories(request))
    login(client, user)
    assert _post(client, url, fields).status_code == 302
    stored = db.scalar(sa.select(IdempotencyKey.request_hash).where(IdempotencyKey.key == KEY))
    with client.application.test_request_context(url, method="POST", data=fields):
        with_password = _form_request()
    with_password["form"]["password"] = [PASSWORD]
    assert stored != request_hash({"request": with_password, "http": None})
    with client.application.test_request_context(url, method="POST", data=fields):
        assert PASSWORD not in str(_form_request())


@pytest.mark.parametrize("case", MONEY_FORMS.values(), ids=MONEY_FORMS.keys())
def test_every_money_form_without_its_key_is_refused_readably(
    request, app, client, db, login, case
):
    """Where CSRF protection is on (production), a form without a key does nothing and says
    so on a page: never a 500."""
    user, url, fields = case(Factories(request))
    login(client, user)
    before = _effects(db)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = csrf_token_from(client.get("/").text)
        data = {
            name: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v
            for name, v in fields.items()
        }
        response = client.post(
            url, data={**data, "csrf_token": token}, content_type="multipart/form-data"
        )
        page = client.get(response.headers["Location"]).text if response.status_code == 302 else ""
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (302, 422), response.text
    assert _effects(db) == before
    assert "opnieuw" in (page or response.text)  # "Het formulier was verlopen. ... opnieuw."
