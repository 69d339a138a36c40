"""Bulk grants: the scheduled allocation, CSV uploads and the lottery draw."""

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.books.verify import verify
from wallet.core import clock
from wallet.core.errors import Conflict, ValidationFailed
from wallet.funds.services import fund_figures
from wallet.grants import applying
from wallet.grants.allocation import allocate
from wallet.grants.imports import ImportRefused, import_grants
from wallet.grants.lottery import draw_lottery, drawn_order
from wallet.grants.models import Grant, GrantSource, LotteryDraw
from wallet.ledger.services import InsufficientFunds, balance


def _count(session, *where) -> int:
    return session.scalar(sa.select(sa.func.count(Grant.id)).where(*where))


def test_allocation_grants_every_eligible_worker_once(app_ctx, make_fund, make_scheme, make_worker):
    fund = make_fund(1_000_000)
    scheme = make_scheme(
        fund,
        allocation_mode="entitlement",
        amount_cents=50_000,
        rules={"municipalities": ["enschede", "hengelo"], "min_age": 25},
    )
    today = clock.today()
    eligible = [make_worker(municipality_code="enschede"), make_worker(municipality_code="hengelo")]
    make_worker(municipality_code="zwolle")  # outside the region
    make_worker(date_of_birth=today.replace(year=today.year - 20))  # too young
    run = allocate(scheme.id)
    assert (run.grants, run.total_cents) == (2, 100_000)
    granted = set(app_ctx.scalars(sa.select(Grant.user_id)))
    assert granted == {worker.id for worker in eligible}
    for grant in app_ctx.scalars(sa.select(Grant)):
        assert balance(grant.account_id).posted_cents == 50_000
        assert grant.source == GrantSource.ALLOCATION
    assert fund_figures(fund.id).available_cents == 900_000
    assert allocate(scheme.id) is None  # a second run finds nobody left
    assert _count(app_ctx) == 2
    assert verify() == []


def test_allocation_the_pot_cannot_cover_grants_nothing(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(90_000)
    scheme = make_scheme(fund, allocation_mode="entitlement", amount_cents=50_000)
    make_worker()
    make_worker()
    # Outside a request the services speak Dutch, the language of the CLI and the jobs.
    with pytest.raises(InsufficientFunds, match=r"niet betalen: daarvoor is €\xa01\.000,00 nodig"):
        allocate(scheme.id)
    assert _count(app_ctx) == 0
    assert fund_figures(fund.id).available_cents == 90_000
    assert verify() == []


def test_only_entitlement_schemes_are_allocated(app_ctx, make_fund, make_scheme):
    scheme = make_scheme(make_fund(100_000))
    with pytest.raises(Conflict):
        allocate(scheme.id)


def test_a_csv_grants_all_rows_or_none(app_ctx, make_fund, make_scheme, make_worker):
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, amount_cents=75_000)
    a, b = make_worker(email="a@example.nl"), make_worker(email="b@example.nl")
    good = f"email;amount\n{a.email};\n{b.email.upper()};1.250,00\n".encode()
    report = import_grants(scheme.id, good, actor_id=None)
    assert (report.granted, report.total_cents) == (2, 75_000 + 125_000)
    assert fund_figures(fund.id).granted_cents == 200_000
    assert verify() == []


def test_a_csv_with_wrong_rows_grants_nothing_and_names_each_line(
    app_ctx, make_fund, make_scheme, make_worker
):
    fund = make_fund(1_000_000)
    scheme = make_scheme(fund, rules={"municipalities": ["enschede"]})
    make_worker(email="ok@example.nl")
    make_worker(email="zwolle@example.nl", municipality_code="zwolle")
    data = (
        b"email,amount\n"
        b"ok@example.nl,100\n"
        b"nobody@example.nl,100\n"
        b"zwolle@example.nl,100\n"
        b"ok@example.nl,100\n"
        b"ok2@example.nl,-5\n"
    )
    with pytest.raises(ImportRefused) as refused:
        import_grants(scheme.id, data, actor_id=None)
    assert set(refused.value.errors) == {"3", "4", "5", "6"}
    assert _count(app_ctx) == 0
    assert verify() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"mail,bedrag\nx@example.nl,1\n", "eerste rij moet de kolommen noemen"),
        ("email\nJosé@example.nl\n".encode("latin-1"), "geen UTF-8"),
        (b"email\n", "geen rijen"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "geen (UTF-8|CSV)"),
    ],
)
def test_a_csv_with_wrong_columns_or_encoding_is_refused(
    app_ctx, make_fund, make_scheme, data, message
):
    scheme = make_scheme(make_fund(1_000_000))
    with pytest.raises(ValidationFailed, match=message):
        import_grants(scheme.id, data, actor_id=None)
    assert _count(app_ctx) == 0


def test_the_lottery_draws_as_many_as_fit_reproducibly(
    app_ctx, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(10_000_000)
    scheme = make_windowed_scheme(fund, "lottery", grants=3, opened=10, closes=5)
    applicants = [make_worker() for _ in range(7)]
    for worker in applicants:
        applying.apply_for_grant(scheme.id, worker.id)
    with pytest.raises(Conflict, match="nadat de aanvraagperiode is afgelopen"):
        draw_lottery(scheme.id, "2027-03-01")
    with clock.frozen_at(clock.now() + dt.timedelta(days=6)):
        draw = draw_lottery(scheme.id, "2027-03-01")
        with pytest.raises(Conflict):
            draw_lottery(scheme.id, "another seed")
    expected = drawn_order(scheme.id, "2027-03-01", [w.id for w in applicants])
    assert draw.order == expected
    assert (draw.applicants, draw.winners) == (7, 3)
    winners = set(app_ctx.scalars(sa.select(Grant.user_id)))
    assert winners == set(expected[:3])
    assert app_ctx.scalar(sa.select(sa.func.count(LotteryDraw.id))) == 1
    assert verify() == []


def test_the_drawn_order_depends_on_the_seed_only():
    applicants = list(range(1, 50))
    assert drawn_order(7, "s", applicants) == drawn_order(7, "s", list(reversed(applicants)))
    assert drawn_order(7, "s", applicants) != drawn_order(7, "t", applicants)


def test_a_csv_names_workers_by_any_spelling_of_their_address(
    app_ctx, make_fund, make_scheme, make_worker
):
    scheme = make_scheme(make_fund(1_000_000))
    worker = make_worker(email="werkende@demo.nl")
    data = "email;amount\n \uff37ERKENDE@\uff24emo.NL ;500\n".encode()
    report = import_grants(scheme.id, data, actor_id=None)
    assert report.granted == 1
    assert _count(app_ctx, Grant.user_id == worker.id) == 1
