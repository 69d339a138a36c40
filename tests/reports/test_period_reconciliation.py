"""The period report's money is the ledger's: on one fund whose money went every way through
the services (granted, approved, paid in a batch, clawed back, returned by the bank, expired,
held for an open claim), the closing balances are the accounts' posted balances, opening +
movements = closing in every period, two adjacent periods join up, and the flows explain
every book."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.payments import fixtures
from tests.reports import period_scene, test_money
from wallet.funds.models import Fund
from wallet.grants.models import Grant
from wallet.ledger.models import Hold, HoldStatus, LedgerAccount, LedgerTransaction
from wallet.reports import exports, money
from wallet.reports.period import period_report
from wallet.reports.periods import Period

pytestmark = pytest.mark.usefixtures("app_ctx")
fund = test_money.fund
approved = fixtures.approved
make_journey = fixtures.make_journey
people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _posted(session, *conditions) -> int:
    query = sa.select(sa.func.sum(LedgerAccount.posted_cents)).where(*conditions)
    return int(session.scalar(query) or 0)


def _days(session) -> tuple[dt.date, dt.date]:
    """The Amsterdam days of the first and the last posting."""
    moments = list(session.scalars(sa.select(LedgerTransaction.created_at)))
    return min(moments).astimezone(AMSTERDAM).date(), max(moments).astimezone(AMSTERDAM).date()


def _books(report) -> dict[str, tuple[int, int, int]]:
    return {row.book: (row.opening, row.movements, row.closing) for row in report.books}


def test_closing_balances_are_the_accounts_when_the_period_ends_after_the_last_posting(
    app_ctx, fund
):
    first, last = _days(app_ctx)
    report = period_report(fund, Period(first, last))
    books = _books(report)
    pot = app_ctx.get(Fund, fund).pot_account_id
    grants = sa.select(Grant.account_id).where(Grant.fund_id == fund)

    assert all(opening == 0 for opening, _moved, _closing in books.values())
    assert books["pot"][2] == _posted(app_ctx, LedgerAccount.id == pot)
    assert books["grants"][2] == _posted(app_ctx, LedgerAccount.id.in_(grants))
    assert books["in_transit"][2] == _posted(
        app_ctx, LedgerAccount.code == f"fund:{fund}:in_transit"
    )
    assert books["paid_out"][2] == _posted(app_ctx, LedgerAccount.code == f"fund:{fund}:paid_out")
    assert sum(closing for _o, _m, closing in books.values()) == report.flows["deposited"]


def test_the_flows_explain_every_book_and_the_reserved_money_is_the_open_holds(app_ctx, fund):
    first, last = _days(app_ctx)
    report = period_report(fund, Period(first, last))
    flows, books = report.flows, _books(report)
    grants = sa.select(Grant.account_id).where(Grant.fund_id == fund)
    pending = app_ctx.scalar(
        sa.select(sa.func.sum(Hold.amount_cents)).where(
            Hold.status == HoldStatus.PENDING, Hold.debit_account_id.in_(grants)
        )
    )

    assert books["pot"][1] == (
        flows["deposited"]
        - flows["granted"]
        + flows["expired"]
        - flows["reimbursed"]
        + flows["clawed_back"]
    )
    assert books["grants"][1] == flows["granted"] - flows["expired"] - flows["approved"]
    assert books["in_transit"][1] + books["paid_out"][1] == flows["submitted"] - flows["returned"]
    assert (flows["clawed_back"], flows["returned"], flows["paid"]) == (240_000, 200_000, 440_000)
    assert report.held_at_start == 0
    assert report.held_at_end == int(pending or 0)


def test_two_adjacent_periods_join_up(app_ctx, fund):
    first, last = _days(app_ctx)
    middle = first + (last - first) / 2
    whole = period_report(fund, Period(first, last))
    early = period_report(fund, Period(first, middle))
    late = period_report(fund, Period(middle + dt.timedelta(days=1), last))

    assert early.flows != whole.flows  # something happened in each half
    for book, (opening, moved, closing) in _books(early).items():
        assert opening + moved == closing
        assert _books(late)[book][0] == closing
        assert _books(late)[book][0] + _books(late)[book][1] == _books(late)[book][2]
        assert _books(whole)[book][2] == _books(late)[book][2]
    for flow in money.FLOWS:
        assert early.flows[flow] + late.flows[flow] == whole.flows[flow]
    assert early.held_at_end == late.held_at_start


def test_the_schemes_add_up_to_the_fund(app_ctx, fund):
    first, last = _days(app_ctx)
    report = period_report(fund, Period(first, last))

    for flow in exports.SCHEME_FLOWS:
        assert sum(row.flows[flow] for row in report.scheme_money) == report.flows[flow]
    assert sum(row.held_at_end for row in report.scheme_money) == report.held_at_end


def test_the_workbook_carries_the_same_euros(app_ctx, fund):
    first, last = _days(app_ctx)
    report = period_report(fund, Period(first, last))

    book = load_workbook(io.BytesIO(exports.workbook(report)))

    sheet = book["books"]
    closing = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert closing == [row.closing / 100 for row in report.books] + [
        report.flows["deposited"] / 100
    ]
    assert sheet["D2"].number_format == exports.EURO_FORMAT
    assert isinstance(sheet["D2"].value, int | float)
    amounts = dict(book["money"].iter_rows(min_row=2, values_only=True))
    assert amounts["Uitbetaald"] == report.flows["paid"] / 100


def test_reserved_at_the_end_is_every_open_hold_of_the_fund(app_ctx, people):
    fund = app_ctx.get(Fund, people.fund.id)
    grants = sa.select(Grant.account_id).where(Grant.fund_id == fund.id)
    accounts = sa.union_all(grants, sa.select(sa.literal(fund.pot_account_id)))
    pending = app_ctx.scalar(
        sa.select(sa.func.sum(Hold.amount_cents)).where(
            Hold.status == HoldStatus.PENDING, Hold.debit_account_id.in_(accounts)
        )
    )

    report = period_report(fund.id, people.period)

    assert report.held_at_start == 0
    assert report.held_at_end == int(pending)
    assert report.held_at_end > 570_000  # four applications and the placements' commitments
