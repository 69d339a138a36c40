"""The reports' rollup equals the ledger: every money figure, rolled up or computed live.

One fund's money moves on several Amsterdam days (across a change to summer time is not
needed: days are cut at Amsterdam midnights either way), the rollup is run through a day in
the middle of the data or through all of it, and for random periods -- midnights, moments
inside a day, periods on either side of the mark and across it -- every function of
wallet.reports.money answers what it answers with the rollup skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.payments import fixtures
from tests.payments import test_returns as returns
from tests.payments.camt_builder import camt053
from tests.placements.test_reimbursements import claim as reimbursement
from tests.reports import period_scene
from wallet.accounts.models import Role, User
from wallet.books.verify import verify
from wallet.claims import services as claims
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.core.db import session
from wallet.grants.expiry import expire_grants
from wallet.grants.models import Grant
from wallet.ledger.models import LedgerTransaction
from wallet.payments.statements import import_statement
from wallet.reports import money, rollup
from wallet.reports.models import HoldDay, MoneyDay, RollupMark

pytestmark = pytest.mark.usefixtures("app_ctx")
approved = fixtures.approved
make_journey = fixtures.make_journey
people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme

START = dt.datetime(2026, 12, 7, 8, 15, tzinfo=dt.UTC)


def _at(days: int, hours: int = 0) -> dt.datetime:
    return START + dt.timedelta(days=days, hours=hours)


@pytest.fixture
def spread(approved):
    """A fund whose money moved on six days (and a seventh when grants expire): its id."""
    with clock.frozen_at(_at(0)):
        fund_id, _provider, a, b = returns._submitted(approved)
    with clock.frozen_at(_at(1, 15)):  # 00:15 the next Amsterdam day
        import_statement(fund_id, camt053([returns._debit(a), returns._debit(b)]), actor=None)
    admin = session.scalar(
        sa.select(User).where(User.fund_id == fund_id, User.role == Role.FUND_ADMIN)
    )
    with clock.frozen_at(_at(2, 3)):
        clawed = session.scalar(sa.select(Claim).where(Claim.reference == a[0]))
        claims.review(clawed.id, "claw_back", actor=admin, reason="Niet gegeven")
    with clock.frozen_at(_at(3, 14)):  # 23:15 in Amsterdam, the day's last hour
        import_statement(fund_id, camt053([returns._return(b)]), actor=None)
    with clock.frozen_at(_at(5, 2)):
        approved((150_000,), onto=([{"admins": [admin]}], fund_id, []))
    with clock.frozen_at(_at(6, 1)):
        approved((90_000, 60_000))  # another fund, moving money the same days
    later = max(session.scalars(sa.select(Grant.expires_at))) + dt.timedelta(days=1)
    with clock.frozen_at(later):
        expire_grants()
    session.expire_all()
    return fund_id


def _days() -> tuple[dt.date, dt.date]:
    moments = session.scalars(sa.select(LedgerTransaction.created_at)).all()
    days = [moment.astimezone(money.AMSTERDAM).date() for moment in moments]
    return min(days), max(days)


def _schemes(fund_id: int) -> list[int]:
    from wallet.schemes.models import Scheme

    return sorted(session.scalars(sa.select(Scheme.id).where(Scheme.fund_id == fund_id)))


def _figures(fund_id: int, start, end, schemes) -> dict:
    """Every function of money.py over [start, end) (and at both ends)."""
    figures = {
        "flows": money.flows(fund_id, start, end),
        "scheme_flows": money.scheme_flows(fund_id, start, end),
        "book_movements": money.book_movements(fund_id, start, end),
        "balances_end": money.balances_at(fund_id, end),
        "totals": money.totals(fund_id),
    }
    for scheme_id in schemes:
        figures[f"flows {scheme_id}"] = money.flows(fund_id, start, end, scheme_id=scheme_id)
    if start is not None and end is not None and start < end:
        figures["monthly"] = money.monthly_flows(fund_id, start, end)
        for scheme_id in schemes:
            figures[f"monthly {scheme_id}"] = money.monthly_flows(
                fund_id, start, end, scheme_id=scheme_id
            )
    for name, at in (("start", start), ("end", end)):
        if at is not None:
            figures[f"held {name}"] = money.held_at(fund_id, at)
            figures[f"balances {name}"] = money.balances_at(fund_id, at)
            for scheme_id in schemes:
                figures[f"held {name} {scheme_id}"] = money.held_at(
                    fund_id, at, scheme_id=scheme_id
                )
    return figures


def _moments():
    """None, Amsterdam midnights and any moment, within two days of a moment money moved."""
    from wallet.ledger.models import Hold

    events = sorted(
        {
            *session.scalars(sa.select(LedgerTransaction.created_at)),
            *session.scalars(sa.select(Hold.created_at)),
            *session.scalars(sa.select(Hold.resolved_at).where(Hold.resolved_at.is_not(None))),
        }
    )
    near = st.builds(
        lambda event, seconds: event + dt.timedelta(seconds=seconds),
        st.sampled_from(events),
        st.integers(-2 * 86_400, 2 * 86_400),
    )
    midnights = near.map(money._floor_midnight)
    return st.one_of(st.none(), st.sampled_from(events), midnights, near)


def _assert_rollup_equals_live(fund_id: int, through: dt.date) -> None:
    """Roll up through `through`, then compare every figure for random periods."""
    assert rollup.roll_up(through=through) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(MoneyDay)) > 0
    schemes = _schemes(fund_id)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(start=_moments(), end=_moments())
    def check(start, end):
        rolled = _figures(fund_id, start, end, schemes)
        with money.computed_live():
            live = _figures(fund_id, start, end, schemes)
        assert rolled == live

    check()


@pytest.mark.parametrize("through_offset", [2, None])
def test_every_figure_equals_the_live_computation(spread, through_offset):
    _first, last = _days()
    busy = START.astimezone(money.AMSTERDAM).date()
    through = last if through_offset is None else busy + dt.timedelta(days=through_offset)
    _assert_rollup_equals_live(spread, through)


@pytest.mark.parametrize("days_back", [4, 1])
def test_placements_and_reimbursements_equal_the_live_computation(app, people, days_back):
    """Holds on the pot and reimbursements by the placement's scheme, rolled or live."""
    from wallet.placements import reimbursements

    # Noon in Amsterdam four days ago: inside both rolled ranges whatever the time of day
    # (three days and two hours back fell on the day after the mark from 02:00 to midnight).
    noon = dt.datetime.combine(clock.today() - dt.timedelta(days=4), dt.time(12), money.AMSTERDAM)
    with clock.frozen_at(noon):
        employer, admin = (
            session.get(User, people.scene.dtab.id),
            session.get(User, people.scene.admin.id),
        )
        first = reimbursements.submit(
            employer,
            people.placements[0],
            reimbursement(
                invoice_date=clock.today(), invoice_cents=200_000, eligible_cents=200_000
            ),
        )
        reimbursements.review(first.id, "approve", actor=admin)
        session.commit()
    assert session.scalar(sa.select(MoneyDay.id)) is None
    _assert_rollup_equals_live(people.fund.id, clock.today() - dt.timedelta(days=days_back))
    assert session.scalar(sa.select(sa.func.count()).select_from(HoldDay)) > 0


def test_the_rollup_is_used_not_bypassed(spread):
    """Change a rolled row: the figures move with it, so the comparison above compares."""
    _first, last = _days()
    rollup.roll_up(through=last)
    deposits = (MoneyDay.book == "pot", MoneyDay.kind == "deposit", MoneyDay.fund_id == spread)
    row = session.scalar(sa.select(MoneyDay).where(*deposits))
    before = money.flows(spread, None, None)["deposited"]
    row.cents += 1
    session.flush()
    assert money.flows(spread, None, None)["deposited"] == before + 1
    with money.computed_live():
        assert money.flows(spread, None, None)["deposited"] == before


def _rows() -> tuple[list, list]:
    money_rows = session.execute(
        sa.select(
            MoneyDay.fund_id,
            MoneyDay.scheme_id,
            MoneyDay.day,
            MoneyDay.book,
            MoneyDay.kind,
            MoneyDay.cents,
        )
    ).all()
    hold_rows = session.execute(
        sa.select(
            HoldDay.fund_id,
            HoldDay.scheme_id,
            HoldDay.day,
            HoldDay.placed_cents,
            HoldDay.resolved_cents,
        )
    ).all()
    return sorted(map(tuple, money_rows), key=str), sorted(map(tuple, hold_rows), key=str)


def test_a_day_rolled_twice_gives_the_same_rows(spread):
    first, last = _days()
    rollup.roll_up(through=last)
    once = _rows()
    assert once[0]
    assert once[1]
    rollup.roll_days(first, last)
    assert _rows() == once
    assert rollup.roll_up(through=last) == 0  # nothing left to roll
    mark = session.get(RollupMark, rollup.MARK)
    assert mark.rolled_through == last


def test_the_job_and_the_command_roll_up_to_the_last_day_over_an_hour_ago(spread, runner):
    first, _last = _days()
    # 00:59 on the fourth day after `first`: the day before ended 59 minutes ago
    with clock.frozen_at(money._midnight(first + dt.timedelta(days=4)) + dt.timedelta(minutes=59)):
        result = runner.invoke(args=["reports", "rollup", "--every", "1"])
    assert result.exit_code == 0, result.output
    assert f"through {(first + dt.timedelta(days=2)).isoformat()}" in result.output
    assert "3 days rolled up." in result.output
    session.expire_all()
    assert session.get(RollupMark, rollup.MARK).rolled_through == first + dt.timedelta(days=2)
    # 01:00: that day is rolled too
    with clock.frozen_at(money._midnight(first + dt.timedelta(days=4)) + dt.timedelta(hours=1)):
        result = runner.invoke(args=["reports", "rollup"])
    assert "1 days rolled up." in result.output, result.output
    session.expire_all()
    assert session.get(RollupMark, rollup.MARK).rolled_through == first + dt.timedelta(days=3)
    from wallet.scheduler.jobs import JOBS

    assert "reports-rollup" in JOBS


def test_verify_names_an_edited_rollup_row(spread, runner):
    _first, last = _days()
    rollup.roll_up(through=last)
    session.commit()
    assert not [problem for problem in verify() if problem.invariant.startswith("8")]
    row = session.scalar(
        sa.select(MoneyDay).where(MoneyDay.fund_id == spread, MoneyDay.book == "grants")
    )
    row.cents += 7
    session.commit()
    problems = [problem for problem in verify() if problem.invariant.startswith("8")]
    assert len(problems) == 1
    assert f"fund {spread} on {row.day.isoformat()}: grants" in problems[0].detail
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "rollup" in result.output


def test_verify_names_an_edited_hold_day(spread):
    _first, last = _days()
    rollup.roll_up(through=last)
    row = session.scalar(sa.select(HoldDay).where(HoldDay.placed_cents > 0))
    row.placed_cents -= 1
    session.commit()
    problems = [problem for problem in verify() if problem.invariant.startswith("8")]
    assert len(problems) == 1
    assert f"on {row.day.isoformat()}: holds" in problems[0].detail
