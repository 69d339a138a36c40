"""Report snapshots: the figures survive JSON unchanged, a snapshot equals a recomputation, the
job refreshes what money moved, a final period is kept until the weekly run, and two processes
racing for a missing snapshot store one row."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import sqlalchemy as sa

from tests.reports import period_scene
from wallet.core import clock
from wallet.core.db import session
from wallet.funds.services import deposit
from wallet.reports import served
from wallet.reports import snapshot_json as js
from wallet.reports.charts import Chart, Series
from wallet.reports.dashboard_page import dashboard_charts, read_filter
from wallet.reports.period import period_report
from wallet.reports.periods import last_complete_quarter
from wallet.reports.public import public_figures
from wallet.reports.snapshots import ReportSnapshot, snapshot

people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme


@pytest.fixture
def production_rules(app, monkeypatch):
    """Snapshots kept as in production (tests otherwise compute every view afresh)."""
    monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE", None)


def _through_json(value):
    return json.loads(json.dumps(value))


def test_a_chart_survives_json():
    chart = Chart(
        key="money",
        title="Geld",
        summary="Veel.",
        unit="euros",
        labels=("jan", "feb"),
        series=(Series("betaald", (1, 2.5)),),
        links=("/a", None),
        list_link=("Alles", "/alles"),
        highlight=1,
        label_heading="Maand",
        note="Zo.",
        axis_labels=((0, "jan"),),
    )

    assert js.chart_from_json(_through_json(js.chart_to_json(chart))) == chart


def test_the_dashboard_charts_survive_json(app, people):
    with app.test_request_context("/"):
        wanted, _form = read_filter(people.fund.id, {})
        charts = dashboard_charts(wanted)

        assert js.charts_from_json(_through_json(js.charts_to_json(charts))) == charts


def test_the_public_figures_survive_json(app, public_scene):
    with app.app_context():
        figures = public_figures()

        assert js.public_from_json(_through_json(js.public_to_json(figures))) == figures


def test_the_period_report_survives_json(app, people):
    with app.app_context():
        report = period_report(people.fund.id, people.period)

        assert js.period_from_json(_through_json(js.period_to_json(report))) == report
        assert report.books  # the whole fund's report: books and schemes' money included


def test_a_fresh_snapshot_is_served_a_stale_one_recomputed(app):
    computed = []

    def compute():
        computed.append(1)
        return {"n": len(computed)}

    with app.app_context():
        clock.set_now(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
        minutes = dt.timedelta(minutes=15)
        assert snapshot("k", compute, minutes).payload == {"n": 1}
        assert snapshot("k", compute, minutes).stored
        assert snapshot("k", compute, minutes).payload == {"n": 1}
        clock.set_now(clock.now() + dt.timedelta(minutes=16))
        assert snapshot("k", compute, None).payload == {"n": 1}  # a final period: any age
        assert snapshot("k", compute, minutes).payload == {"n": 2}
        assert snapshot("k", compute, dt.timedelta(0)).payload == {"n": 3}
        assert session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1


def test_the_public_snapshot_equals_a_recomputation_and_the_job_refreshes_it(
    app, public_scene, production_rules
):
    with app.app_context():
        served.refresh_all()
        assert served.public() == public_figures()
        deposit(public_scene["fund"].id, 50_000_00, reference="extra")
        session.commit()
        assert served.public() != public_figures()  # the snapshot, ten minutes old at most

        served.refresh_all()

        assert served.public() == public_figures()


def test_the_page_snapshot_is_the_full_figures_cut_to_the_page_and_the_job_refreshes_it(
    app, public_scene, production_rules
):
    from wallet.reports.public import for_page

    with app.app_context():
        served.refresh_all()
        assert served.public_page() == for_page(public_figures())
        deposit(public_scene["fund"].id, 50_000_00, reference="extra")
        session.commit()
        assert served.public_page() != for_page(public_figures())

        served.refresh_all()

        assert served.public_page() == for_page(public_figures())
        keys = set(session.scalars(sa.select(ReportSnapshot.key)))
        assert {"public:lang=nl", "public-page:lang=nl"} <= keys


def test_the_page_leaves_out_the_smallest_rows_and_says_how_many(monkeypatch):
    from wallet.reports import public

    monkeypatch.setattr(public, "PAGE_ROWS", 2)
    rows = [public.CountRow(f"c{n}", 10 + n, 0, hidden=False) for n in range(4)]
    table = public.FundTables(
        1, public.MoneyRow("F", 0, 0, 0), [], courses=rows, providers=rows[:2]
    )
    cut = public.for_page(public.PublicFigures(clock.now(), [table])).funds[0]

    assert [row.name for row in cut.courses] == ["c3", "c2"]
    assert cut.providers == rows[:2]
    assert cut.left_out == {"courses": 2, "providers": 0}
    assert (
        js.public_from_json(js.public_to_json(public.PublicFigures(clock.now(), [cut]))).funds[0]
        == cut
    )


def test_the_dashboard_snapshot_equals_a_recomputation_and_the_job_refreshes_it(
    app, people, make_worker, make_grant, production_rules
):
    clock.set_now(clock.now())
    with app.test_request_context("/"):
        served.refresh_all()
        wanted, _form = read_filter(people.fund.id, {})
        charts, kept = served.dashboard(wanted)
        assert kept.stored
        assert charts == dashboard_charts(wanted)
    make_grant(people.budgets, make_worker(email="dirk@example.nl"))
    with app.test_request_context("/"):
        assert served.dashboard(wanted)[0] != dashboard_charts(wanted)

        served.refresh_all()

        assert served.dashboard(wanted)[0] == dashboard_charts(wanted)


def test_a_current_period_is_recomputed_after_15_minutes(app, people, production_rules):
    fund_id = people.fund.id
    clock.set_now(clock.now())
    with app.app_context():
        report, kept = served.period(fund_id, people.period)
        assert not kept.stored
        assert report == period_report(fund_id, people.period)
        deposit(fund_id, 50_000_00, reference="extra")
        session.commit()
        report, kept = served.period(fund_id, people.period)
        assert kept.stored
        assert report != period_report(fund_id, people.period)

        clock.set_now(clock.now() + dt.timedelta(minutes=16))

        assert served.period(fund_id, people.period)[0] == period_report(fund_id, people.period)


def test_a_past_period_is_kept_until_the_weekly_refresh(app, people, production_rules):
    fund_id = people.fund.id
    clock.set_now(clock.now())
    quarter = last_complete_quarter(clock.today())
    with app.app_context():
        served.refresh_all()
        assert served.period(fund_id, quarter)[0] == period_report(fund_id, quarter)
        # the ledger changes inside the past quarter (as only tampering could)
        inside = dt.datetime.combine(quarter.last, dt.time(10), tzinfo=dt.UTC)
        with clock.frozen_at(inside):
            deposit(fund_id, 50_000_00, reference="afterwards")
            session.commit()
        clock.set_now(clock.now() + dt.timedelta(minutes=20))
        served.refresh_all()  # the ten-minute run keeps a final period, however old
        assert served.period(fund_id, quarter)[0] != period_report(fund_id, quarter)

        served.refresh_all(full=True)

        report, kept = served.period(fund_id, quarter)
        assert kept.stored  # recomputed by the weekly run, not on this request
        assert report == period_report(fund_id, quarter)


def test_the_period_page_says_of_when_its_figures_are(client, login, people, production_rules):
    login(client, people.scene.admin)
    query = {"from": people.period.first.isoformat(), "to": people.period.last.isoformat()}

    first = client.get("/fund/reports/period", query_string=query)
    again = client.get("/fund/reports/period", query_string=query)

    assert "Cijfers van" not in first.text  # computed for this request
    assert "Cijfers van" in again.text


def test_the_job_and_the_command_line_report_per_fund(app, runner, people, production_rules):
    result = runner.invoke(args=["reports", "snapshots"])

    assert result.exit_code == 0, result.output
    assert f"fund {people.fund.id} " in result.output
    assert "public figures" in result.output
    with app.app_context():
        keys = set(session.scalars(sa.select(ReportSnapshot.key)))
    quarter = last_complete_quarter(clock.today())
    assert f"period:fund={people.fund.id}:{quarter.label}:scheme=:lang=nl" in keys
    assert "public:lang=nl" in keys
    assert any(key.startswith(f"dashboard:fund={people.fund.id}:") for key in keys)


def test_two_processes_asking_for_one_missing_snapshot_store_one_row(app):
    answers, problems = [], []

    def compute():
        time.sleep(0.3)
        return {"figures": 1}

    def ask():
        try:
            with app.app_context():
                answers.append(snapshot("race", compute, None).payload)
        except Exception as problem:
            problems.append(problem)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert problems == []
    assert answers == [{"figures": 1}, {"figures": 1}]
    with app.app_context():
        assert session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1


def test_the_dashboard_says_of_when_its_figures_are(client, login, people, production_rules):
    login(client, people.scene.admin)

    first = client.get("/")
    again = client.get("/")

    assert "Cijfers van" not in first.text  # computed for this request
    assert "Cijfers van" in again.text
    charts = first.text.count('class="lw-chart')
    assert charts > 0
    assert again.text.count('class="lw-chart') == charts


def test_the_job_refreshes_every_language_someone_asked_for(app, public_scene, production_rules):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("de"):
            served.public()
        clock.set_now(clock.now() + dt.timedelta(minutes=10))

        served.refresh_all()

        kept = dict(
            session.execute(sa.select(ReportSnapshot.key, ReportSnapshot.computed_at)).all()
        )
        assert kept["public:lang=de"] == clock.now()
        assert kept["public:lang=nl"] == clock.now()
        with force_locale("de"):
            assert served.public().funds[0].total.name == "Gesamt"
