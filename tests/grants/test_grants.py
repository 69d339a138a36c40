"""Grants by hand, first come, expiry; eligibility explains every 'no'."""

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.books.verify import verify, verify_ledger
from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.core.errors import Conflict, ValidationFailed
from wallet.funds.services import close_fund, fund_figures
from wallet.grants import applying, balances, cap, eligibility, expiry, granting, validity
from wallet.grants.models import Grant, GrantStatus
from wallet.ledger.models import AccountKind
from wallet.ledger.services import (
    InsufficientFunds,
    balance,
    open_account,
    place_hold,
    post_hold,
)
from wallet.schemes.services import SchemeTerms, define_scheme

TWENTE = ["almelo", "borne", "enschede", "hengelo"]


def test_an_administrator_grants_a_budget_from_the_pot(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(500_000)
    scheme = make_scheme(fund, amount_cents=150_000)
    worker = make_worker()
    outcome = granting.grant_to_worker(scheme.id, worker.id, actor_id=None)
    grant = balances.get_grant(outcome.result_id)
    assert grant.amount_cents == 150_000
    assert balance(grant.account_id).available_cents == 150_000
    figures = fund_figures(fund.id)
    assert (figures.available_cents, figures.granted_cents) == (350_000, 150_000)
    assert grant.expires_at.date() > clock.today() + dt.timedelta(days=360)
    assert verify() == []


def test_a_grant_the_pot_cannot_cover_is_refused_and_writes_nothing(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(100_000)
    scheme = make_scheme(fund, amount_cents=150_000)
    with pytest.raises(InsufficientFunds):
        granting.grant_to_worker(scheme.id, make_worker().id, actor_id=None)
    assert app_ctx.scalar(sa.select(sa.func.count(Grant.id))) == 0
    assert fund_figures(fund.id).available_cents == 100_000
    assert verify() == []


def test_a_worker_outside_the_rules_hears_every_reason(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(500_000)
    rules = {
        "municipalities": TWENTE,
        "target_groups": ["job_seeker"],
        "max_age": 30,
        "max_education_level": 4,
    }
    scheme = make_scheme(fund, rules=rules)
    worker = make_worker(
        municipality_code="zwolle", employment_status="employed", education_level=6
    )
    with pytest.raises(eligibility.NotEligible) as refused:
        granting.grant_to_worker(scheme.id, worker.id, actor_id=None)
    assert len(refused.value.errors["eligibility"]) == 4
    assert app_ctx.scalar(sa.select(sa.func.count(Grant.id))) == 0


def test_one_grant_per_worker_per_scheme_per_period(app_ctx, make_fund, make_scheme, make_worker):
    fund = make_fund(500_000)
    scheme = make_scheme(fund)
    worker = make_worker()
    granting.grant_to_worker(scheme.id, worker.id, actor_id=None)
    with pytest.raises(granting.AlreadyGranted):
        granting.grant_to_worker(scheme.id, worker.id, actor_id=None)
    assert fund_figures(fund.id).granted_cents == 100_000


def test_a_closed_fund_grants_nothing(app_ctx, make_fund, make_scheme, make_worker):
    fund = make_fund(500_000)
    scheme = make_scheme(fund)
    close_fund(fund.id)
    with pytest.raises(Conflict):
        granting.grant_to_worker(scheme.id, make_worker().id, actor_id=None)


def test_scheme_terms_are_validated(app_ctx, make_fund):
    fund = make_fund()
    bad = SchemeTerms(
        name="",
        allocation_mode="whatever",
        amount_cents=0,
        validity_months=0,
        rules={
            "municipalities": ["atlantis"],
            "co_funding_bps": 20_000,
            "min_age": 60,
            "max_age": 20,
        },
    )
    with pytest.raises(ValidationFailed) as refused:
        define_scheme(fund.id, bad)
    assert set(refused.value.errors) == {
        "name",
        "allocation_mode",
        "amount_cents",
        "validity_months",
        "rules",
    }
    first_come = SchemeTerms(
        name="Snel", allocation_mode="first_come", amount_cents=1, validity_months=1, rules={}
    )
    with pytest.raises(ValidationFailed) as refused:
        define_scheme(fund.id, first_come)
    assert {"window_closes_on", "total_cap_cents"} <= set(refused.value.errors)


def test_first_come_grants_until_the_cap_and_not_one_more(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(1_000_000)
    scheme = make_windowed_scheme(fund, "first_come", grants=2)
    workers = [make_worker() for _ in range(3)]
    applying.apply_for_grant(scheme.id, workers[0].id)
    applying.apply_for_grant(scheme.id, workers[1].id)
    with pytest.raises(cap.SchemeCapReached):
        applying.apply_for_grant(scheme.id, workers[2].id)
    assert app_ctx.scalar(sa.select(sa.func.count(Grant.id))) == 2
    assert fund_figures(fund.id).granted_cents == 200_000
    assert verify() == []


def test_first_come_outside_the_window_is_refused(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(1_000_000)
    scheme = make_windowed_scheme(fund, "first_come", grants=2)
    with clock.frozen_at(clock.now() + dt.timedelta(days=60)), pytest.raises(Conflict):
        applying.apply_for_grant(scheme.id, make_worker().id)


def test_expiry_returns_unused_budget_to_the_pot_once(app_ctx, make_fund, make_scheme, make_worker):
    fund = make_fund(300_000)
    scheme = make_scheme(fund, amount_cents=100_000, validity_months=1)
    grant = balances.get_grant(
        granting.grant_to_worker(scheme.id, make_worker().id, actor_id=None).result_id
    )
    with unit_of_work():
        payable = open_account("provider:test:payable", AccountKind.PAYABLE)
        place_hold(grant.account_id, payable.id, 30_000)
        spent = place_hold(grant.account_id, payable.id, 20_000)
    with unit_of_work():
        post_hold(spent.id, description="paid")
    later = clock.now() + dt.timedelta(days=40)
    assert expiry.expire_grants(later) == 1
    assert expiry.expire_grants(later) == 0  # run twice: nothing more
    app_ctx.expire_all()
    assert app_ctx.get(Grant, grant.id).status == GrantStatus.EXPIRED
    # 100.000 granted - 20.000 spent - 30.000 still held = 50.000 back to the pot
    assert balance(grant.account_id).posted_cents == 30_000
    figures = fund_figures(fund.id)
    assert figures.available_cents == 200_000 + 50_000
    assert figures.returned_cents == 50_000
    assert verify_ledger() == []  # its holds are the bare ledger's, not an application's


def test_first_come_budgets_are_never_granted_by_hand(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    scheme = make_windowed_scheme(make_fund(1_000_000), "first_come", grants=2)
    worker = make_worker()
    with pytest.raises(Conflict):
        granting.grant_to_worker(scheme.id, worker.id, actor_id=None)
    from wallet.grants.imports import import_grants

    with pytest.raises(Conflict):
        import_grants(scheme.id, f"email\n{worker.email}\n".encode(), actor_id=None)
    applying.apply_for_grant(scheme.id, worker.id)
    assert app_ctx.scalar(sa.select(sa.func.count(Grant.id))) == 1


def test_a_grant_still_pays_on_its_last_valid_day(app_ctx, make_fund, make_scheme, make_worker):
    from wallet.funding.services import worker_grant_facts

    worker = make_worker()
    grant = balances.get_grant(
        granting.grant_to_worker(
            make_scheme(make_fund(500_000)).id, worker.id, actor_id=None
        ).result_id
    )
    last_day = validity.last_valid_day(grant.expires_at)
    noon = dt.datetime.combine(last_day, dt.time(12), validity.AMSTERDAM)
    with clock.frozen_at(noon):
        assert [g.grant_id for g in worker_grant_facts(worker.id)] == [grant.id]
    with clock.frozen_at(grant.expires_at + dt.timedelta(hours=12)):
        assert worker_grant_facts(worker.id) == []


def test_a_fund_name_of_200_characters_is_fine(app_ctx):
    from wallet.funds.services import create_fund

    assert create_fund("F" * 200).name == "F" * 200


def test_a_scheme_named_by_invisible_characters_is_refused(app_ctx, make_fund):
    """Workers apply for a scheme by its name and see it on their statement and its CSV."""
    terms = SchemeTerms(
        name="\u200b\u2060\u3164",
        allocation_mode="manual",
        amount_cents=100,
        validity_months=12,
        rules={},
    )
    with pytest.raises(ValidationFailed) as refused:
        define_scheme(make_fund().id, terms)
    assert set(refused.value.errors) == {"name"}


def test_closing_a_scheme_twice_records_one_decision(app_ctx, make_fund, make_scheme):
    """A double click on "close" is one decision in the audit trail, not two."""
    from wallet.audit.models import AuditEvent
    from wallet.core.db import session
    from wallet.schemes.services import close_scheme

    scheme = make_scheme(make_fund())
    close_scheme(scheme.id, actor_id=None)
    close_scheme(scheme.id, actor_id=None)
    closes = session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.subject_id == scheme.id,
            AuditEvent.subject_type == "scheme",
            AuditEvent.action == "close",
        )
    )
    assert closes == 1
