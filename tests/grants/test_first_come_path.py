"""The hot path of an opening rush (wallet/grants/first_come.py) against the object path it
replaces (apply_for_grant_orm): the same rows, the same refusals, the same page when sold
out, and exactly the cap (or the pot) under 200 concurrent workers on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.ledger.test_concurrency import run_concurrently
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError
from wallet.funds.models import Fund
from wallet.funds.services import fund_figures
from wallet.grants import applying, validity
from wallet.grants.models import Grant, SchemeApplication
from wallet.ledger.models import LedgerAccount, LedgerTransaction, Posting
from wallet.ledger.services import balance
from wallet.schemes.models import Scheme

PATHS = {"hot": applying.apply_for_grant, "objects": applying.apply_for_grant_orm}


def _what_was_written(db, scheme_id: int) -> dict:
    """The rows one application left behind, without ids and times that must differ."""
    db.expire_all()
    grant = db.scalar(sa.select(Grant).where(Grant.scheme_id == scheme_id))
    application = db.scalar(
        sa.select(SchemeApplication).where(SchemeApplication.scheme_id == scheme_id)
    )
    account = db.get(LedgerAccount, grant.account_id)
    transaction = db.scalar(
        sa.select(LedgerTransaction).where(LedgerTransaction.reference == f"grant:{grant.id}")
    )
    postings = db.execute(
        sa.select(LedgerAccount.kind, Posting.amount_cents)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(Posting.transaction_id == transaction.id)
        .order_by(Posting.amount_cents)
    ).all()
    event = db.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.subject_type == "grant", AuditEvent.subject_id == grant.id
        )
    )
    scheme = db.get(Scheme, scheme_id)
    pot = balance(db.get_one(Fund, scheme.fund_id).pot_account_id)
    written = {
        "worker": (grant.user_id, application.user_id),
        "grant": (
            grant.period,
            grant.source,
            grant.status,
            grant.amount_cents,
            grant.expires_at,
            grant.fund_id == scheme.fund_id,
        ),
        "application": (application.status, application.grant_id == grant.id),
        "account": (
            account.code.rsplit(":", 2)[-1],
            account.kind,
            account.posted_cents,
            account.held_cents,
        ),
        "transaction": (
            transaction.kind,
            transaction.description,
            transaction.created_by_id == grant.user_id,
        ),
        "postings": [tuple(row) for row in postings],
        "audit": (
            event.action,
            event.actor_id == grant.user_id,
            event.after["cents"],
            event.after["source"],
            event.after["worker"] == grant.user_id,
        ),
        "scheme": (scheme.committed_cents, pot),
    }
    db.rollback()  # SQLite: let the next app context write
    return written


def test_the_hot_path_writes_what_the_object_path_writes(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    written = {}
    for path, apply in PATHS.items():
        scheme = make_windowed_scheme(make_fund(300_000), "first_come", grants=2)
        worker = make_worker()
        applied = apply(scheme.id, worker.id)
        written[path] = _what_was_written(app_ctx, scheme.id)
        assert written[path].pop("worker") == (worker.id, worker.id)
        assert applied.grant_id is not None
    assert written["hot"] == written["objects"]
    assert written["hot"]["postings"] == [("fund_pot", -100_000), ("grant", 100_000)]
    assert verify() == []


def _refusal(apply, scheme_id: int, user_id: int) -> tuple[str, str]:
    try:
        with clock.frozen_at(clock.now()):
            apply(scheme_id, user_id)
    except DomainError as error:
        return type(error).__name__, error.detail
    finally:
        session.rollback()  # SQLite: a refusal read outside a unit of work; free the lock
    return "granted", ""


SITUATIONS = {
    "sold out": ({}, {}, "SchemeCapReached"),
    "not eligible": ({"rules": {"municipalities": ["hengelo"]}}, {}, "NotEligible"),
    "too young": ({"rules": {"min_age": 50}}, {}, "NotEligible"),
    "not verified": ({}, {"verified": False}, "EmailNotVerified"),
    "window closed": ({"opened": -3}, {}, "Conflict"),
    "lottery": ({"mode": "lottery"}, {}, "granted"),
}


@pytest.mark.parametrize(
    ("situation", "expected"), [(name, kind) for name, (_s, _w, kind) in SITUATIONS.items()]
)
def test_both_paths_refuse_alike(
    app_ctx, make_fund, make_windowed_scheme, make_worker, situation, expected
):
    scheme_terms, worker_terms, _kind = SITUATIONS[situation]
    answers = {}
    for path, apply in PATHS.items():
        terms = dict(scheme_terms)
        mode = terms.pop("mode", "first_come")
        scheme = make_windowed_scheme(make_fund(1_000_000), mode, grants=1, **terms)
        if situation == "sold out":
            applying.apply_for_grant_orm(scheme.id, make_worker().id)
        answers[path] = _refusal(apply, scheme.id, make_worker(**worker_terms).id)
    assert answers["hot"] == answers["objects"]
    assert answers["hot"][0] == expected


def test_applying_twice_is_refused_alike(app_ctx, make_fund, make_windowed_scheme, make_worker):
    answers = {}
    for path, apply in PATHS.items():
        scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=3)
        worker = make_worker()
        apply(scheme.id, worker.id)
        answers[path] = _refusal(apply, scheme.id, worker.id)
    assert answers["hot"] == answers["objects"]
    assert answers["hot"][0] == "AlreadyGranted"


def test_a_closed_fund_is_refused_alike(app_ctx, make_fund, make_windowed_scheme, make_worker):
    from wallet.funds.models import FundStatus

    answers = {}
    for path, apply in PATHS.items():
        fund = make_fund(1_000_000, name=f"Gesloten fonds ({path})")
        scheme = make_windowed_scheme(fund, "first_come", grants=3)
        worker = make_worker()
        with unit_of_work() as db:
            db.get(Fund, fund.id).status = FundStatus.CLOSED
        kind, detail = _refusal(apply, scheme.id, worker.id)
        answers[path] = (kind, detail.replace(f"({path})", ""))
    assert answers["hot"] == answers["objects"]
    assert answers["hot"][0] == "FundClosed"


def _statements(app):
    """Collect the SQL statements the app's engine runs (a list filled while it lives)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", note)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", note)


def test_a_sold_out_scheme_gets_the_slow_paths_page_without_a_write(
    app, client, db, login, make_fund, make_windowed_scheme, make_worker
):
    scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=1)
    with app.app_context():
        applying.apply_for_grant(scheme.id, make_worker().id)
        _kind, slow_answer = _refusal(applying.apply_for_grant_orm, scheme.id, make_worker().id)
    worker = make_worker()
    login(client, worker)
    seen, stop = _statements(app)
    try:
        response = client.post(f"/budget/schemes/{scheme.id}/apply", data={"confirm": "1"})
    finally:
        stop()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    writes = [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert [s for s in writes if "server_sessions" not in s] == []  # nothing but the session
    page = client.get("/").get_data(as_text=True)
    assert slow_answer in page
    assert db.scalar(sa.select(Scheme.committed_cents).where(Scheme.id == scheme.id)) == 100_000


def test_a_raised_cap_opens_a_sold_out_scheme_again(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=1)
    applying.apply_for_grant(scheme.id, make_worker().id)
    late = make_worker()
    assert _refusal(applying.apply_for_grant, scheme.id, late.id)[0] == "SchemeCapReached"
    with unit_of_work() as db:
        db.get(Scheme, scheme.id).total_cap_cents = 200_000
    assert applying.apply_for_grant(scheme.id, late.id).grant_id is not None


def test_rules_are_compiled_once_per_version(app_ctx, make_fund, make_windowed_scheme, make_worker):
    from wallet.grants.first_come import compiled_rules

    scheme = make_windowed_scheme(make_fund(1_000_000), "lottery", grants=5, rules={"min_age": 18})
    compiled_rules.cache_clear()
    for _ in range(3):
        applying.apply_for_grant(scheme.id, make_worker().id)
    assert compiled_rules.cache_info().misses == 1
    with unit_of_work() as db:
        db.get(Scheme, scheme.id).rules = {"min_age": 45}
    assert _refusal(applying.apply_for_grant, scheme.id, make_worker().id)[0] == "NotEligible"
    assert compiled_rules.cache_info().misses == 2


@pytest.mark.postgres
def test_200_workers_through_both_paths_at_once_get_exactly_the_cap(
    app, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(1_000_000_00)
    scheme = make_windowed_scheme(fund, "first_come", grants=120, amount_cents=50_000)
    workers = [make_worker() for _ in range(200)]

    def apply(i: int) -> str:
        # One in five through the objects: they hold a pooled connection longer (15 for 200).
        (applying.apply_for_grant if i % 5 else applying.apply_for_grant_orm)(
            scheme.id, workers[i].id
        )
        return "granted"

    outcomes = run_concurrently(app, 200, apply)
    assert outcomes == Counter({"granted": 120, "SchemeCapReached": 80})
    with app.app_context():
        from wallet.core.db import session

        assert session.scalar(sa.select(sa.func.count(Grant.id))) == 120
        assert session.get(Scheme, scheme.id).committed_cents == 120 * 50_000
        assert fund_figures(fund.id).granted_cents == 120 * 50_000
        assert verify() == []


@pytest.mark.postgres
def test_the_pot_running_out_mid_rush_grants_exactly_what_it_holds(
    app, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(90 * 50_000)  # the cap would allow 150, the pot pays for 90
    scheme = make_windowed_scheme(fund, "first_come", grants=150, amount_cents=50_000)
    workers = [make_worker() for _ in range(200)]

    def apply(i: int) -> str:
        applying.apply_for_grant(scheme.id, workers[i].id)
        return "granted"

    outcomes = run_concurrently(app, 200, apply)
    assert outcomes == Counter({"granted": 90, "InsufficientFunds": 110})
    with app.app_context():
        from wallet.core.db import session

        assert session.scalar(sa.select(sa.func.count(Grant.id))) == 90
        assert session.scalar(sa.select(sa.func.count(SchemeApplication.id))) == 90
        # A refused grant gave its place under the cap back: nothing counted for nothing.
        assert session.get(Scheme, scheme.id).committed_cents == 90 * 50_000
        assert balance(session.get_one(Fund, fund.id).pot_account_id).posted_cents == 0
        assert verify() == []


def test_a_grant_expires_at_midnight_in_the_netherlands_after_its_months():
    # Midnight of 28 February in Amsterdam (winter time) is 23:00 UTC the day before.
    expires = validity.expiry_after(1, dt.date(2026, 1, 31))
    assert expires == dt.datetime(2026, 2, 27, 23, tzinfo=dt.UTC)
