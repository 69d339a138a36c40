"""The audit page: who may see which events, its filters, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.audit.labels import humanise
from wallet.audit.models import AuditEvent
from wallet.audit.services import EventFilter, find_events, record
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.claims.models import Claim, ClaimKind, ClaimStatus
from wallet.core import clock
from wallet.core.db import session, unit_of_work

MOMENT = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC)  # 2 March, 00:30 in Amsterdam


@pytest.fixture
def trail(app, accredited_provider, make_staff, make_fund, make_scheme, make_worker, make_grant):
    """Two funds, each with a scheme and a claim, and audit events on all of them.

    The fund administrator's fund is fund A. Events: one per fund, scheme and claim of both
    funds, an application event, and a system event on fund A with a long-ago date.
    """
    admin = make_staff(Role.FUND_ADMIN, email="beheer@fonds-a.nl")
    platform = make_staff(Role.PLATFORM_ADMIN, email="platform@leerwallet.nl")
    fund_a, fund_b = SimpleNamespace(id=admin.fund_id), make_fund(1_000_000)
    scheme_a, scheme_b = make_scheme(fund_a), make_scheme(fund_b)
    worker = make_worker()
    make_grant(make_scheme(fund_b, name="Tweede regeling", amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run = session.scalar(
            sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        with unit_of_work():  # read here: the events below, not those of the set-up above
            session.execute(sa.delete(AuditEvent))
        plan = applications.plan_for(worker.id, run)
        application = applications.apply(
            session.get(User, worker.id),
            run.id,
            password=PASSWORD,
            expected_copay_cents=plan.copay_cents,
        )
        with unit_of_work():
            claims = [
                _claim(application, accredited_provider.provider_id, fund.id, n)
                for n, fund in enumerate((fund_a, fund_b), start=1)
            ]
            with clock.frozen_at(MOMENT):
                record("fund", fund_a.id, "deposit", actor_id=None, after={"cents": 500})
            for name, fund, scheme, claim in (
                ("a", fund_a, scheme_a, claims[0]),
                ("b", fund_b, scheme_b, claims[1]),
            ):
                record("fund", fund.id, f"renamed_{name}", actor_id=platform.id)
                record(
                    "scheme",
                    scheme.id,
                    f"activated_{name}",
                    actor_id=admin.id,
                    before={"status": "draft"},
                    after={"status": "active"},
                )
                record(
                    "claim",
                    claim.id,
                    f"approved_{name}",
                    actor_id=admin.id,
                    reason='=HYPERLINK("http://evil")' if name == "a" else None,
                )
        claim_ids = [claim.id for claim in claims]
        with unit_of_work():  # English pages and files, so the tests can read them
            session.execute(sa.update(User).values(preferred_language="en"))
    return SimpleNamespace(
        admin=admin,
        platform=platform,
        worker=worker,
        fund_a=fund_a,
        fund_b=fund_b,
        claim_ids=claim_ids,
    )


def _claim(application, provider_id: int, fund_id: int, n: int) -> Claim:
    claim = Claim(
        reference=f"D-TEST-{n}",
        application_id=application.id,
        provider_id=provider_id,
        fund_id=fund_id,
        kind=ClaimKind.FINAL,
        status=ClaimStatus.APPROVED,
        invoice_number=f"F-{n}",
        invoice_date=clock.today(),
        amount_cents=1_000,
        description="Cursus",
        invoice_file=f"{n:064d}.pdf",
    )
    session.add(claim)
    session.flush()
    return claim


def _actions(app, wanted: EventFilter) -> set[str]:
    with app.app_context():
        rows, total = find_events(wanted)
    assert total == len(rows)
    return {event.action for event, _email in rows}


# The sentences of the real actions; the made-up ones read as their words.
SENTENCES = {"deposit": "Money deposited into the fund", "submit": "Application sent"}


def _row(action: str) -> str:
    """The action's cell in the table: a sentence, never the code."""
    return f'<td class="utrecht-table__cell">{SENTENCES.get(action, humanise(action))}</td>'


def _csv_rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("role", [Role.WORKER, Role.PROVIDER_STAFF])
@pytest.mark.parametrize("url", ["/audit", "/audit.csv"])
def test_workers_and_providers_may_not_see_the_audit_trail(client, login, make_user, role, url):
    login(client, make_user(role))
    assert client.get(url).status_code == 403


def test_the_audit_trail_needs_a_login(client):
    assert client.get("/audit").status_code == 302


def test_a_fund_administrator_sees_only_their_funds_events(app, client, login, trail):
    assert _actions(app, EventFilter(fund_id=trail.fund_a.id)) == {
        "deposit",
        "renamed_a",
        "activated_a",
        "approved_a",
    }
    login(client, trail.admin)
    page = client.get("/audit")
    assert page.status_code == 200
    for shown in ("deposit", "renamed_a", "activated_a", "approved_a"):
        assert _row(shown) in page.text
    for hidden in ("renamed_b", "activated_b", "approved_b", "submit"):
        assert _row(hidden) not in page.text
    assert '<option value="application">' not in page.text  # nor among the filter's subjects
    assert '<option value="claim">' in page.text
    assert 'href="/audit"' in page.text  # the menu link
    rows = _csv_rows(client.get("/audit.csv"))
    assert {row[4] for row in rows[1:]} == {"deposit", "renamed_a", "activated_a", "approved_a"}


def test_a_platform_administrator_sees_every_event(app, client, login, trail):
    every = {
        "deposit",
        "renamed_a",
        "activated_a",
        "approved_a",
        "renamed_b",
        "activated_b",
        "approved_b",
        "submit",
    }
    assert every <= _actions(app, EventFilter())
    login(client, trail.platform)
    page = client.get("/audit")
    assert page.status_code == 200
    assert _row("approved_b") in page.text
    assert _row("submit") in page.text
    assert '<option value="application">' in page.text
    # The table and the filters can be read without seeing them.
    for label in ("subject_type", "action", "actor", "date_from", "date_to"):
        assert f'for="{label}"' in page.text
    assert 'scope="col"' in page.text
    # Details as words, never raw JSON.
    assert "<li>Status: Draft → Active</li>" in page.text
    assert "&#34;status&#34;" not in page.text


def test_the_filters_narrow_the_events(app, client, login, trail):
    scope = trail.fund_a.id
    assert _actions(app, EventFilter(fund_id=scope, subject_type="claim")) == {"approved_a"}
    assert _actions(app, EventFilter(action="renamed_b")) == {"renamed_b"}
    assert _actions(app, EventFilter(fund_id=scope, actor_email="BEHEER@fonds")) == {
        "activated_a",
        "approved_a",
    }
    # Dates are days in the Netherlands: 23:30 UTC on 1 March is 2 March there.
    on_2_march = EventFilter(date_from=dt.date(2025, 3, 2), date_to=dt.date(2025, 3, 2))
    assert _actions(app, on_2_march) == {"deposit"}
    assert _actions(app, EventFilter(date_to=dt.date(2025, 3, 1))) == set()

    login(client, trail.platform)
    page = client.get("/audit?subject_type=scheme&actor=beheer")
    assert _row("activated_a") in page.text
    assert _row("activated_b") in page.text
    assert _row("renamed_a") not in page.text
    assert _row("approved_a") not in page.text
    by_action = client.get("/audit?action=renamed_b")
    assert _row("renamed_b") in by_action.text
    assert _row("renamed_a") not in by_action.text
    # The export link keeps the filters.
    assert "/audit.csv?subject_type=scheme&amp;actor=beheer" in page.text
    # A wrong value is reported at its field and otherwise ignored.
    wrong = client.get("/audit?date_from=yesterday&subject_type=nonsense")
    assert wrong.status_code == 200
    assert "utrecht-form-field--invalid" in wrong.text
    assert _row("approved_b") in wrong.text


def test_the_csv_export_holds_the_filtered_events(app, client, login, trail):
    login(client, trail.platform)
    response = client.get("/audit.csv?subject_type=claim")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [
        "When",
        "Who",
        "Subject",
        "Subject id",
        "Action",
        "Before",
        "After",
        "Reason",
    ]
    by_action = {row[4]: row for row in rows[1:]}
    assert set(by_action) == {"approved_a", "approved_b"}
    claim_a = by_action["approved_a"]
    assert claim_a[1:4] == ["beheer@fonds-a.nl", "claim", str(trail.claim_ids[0])]
    # A reason that looks like a formula is kept as text for spreadsheet programs.
    assert claim_a[7] == '\'=HYPERLINK("http://evil")'

    deposit = _csv_rows(client.get("/audit.csv?action=deposit"))[1]
    assert deposit[0] == "2025-03-02 00:30:00"  # Amsterdam time
    assert deposit[1] == "system"
    assert deposit[5:7] == ["", '{"cents":500}']


def test_the_trail_is_paginated_newest_first(app, client, login, make_staff):
    admin = make_staff(Role.PLATFORM_ADMIN)
    with app.app_context(), unit_of_work():
        session.execute(sa.delete(AuditEvent))  # the staff member's own event aside
        for n in range(51):
            with clock.frozen_at(MOMENT + dt.timedelta(minutes=n)):
                record("fund", 1, f"step_{n:02d}", actor_id=None)
    login(client, admin)
    first = client.get("/audit?action=")
    assert _row("step_50") in first.text
    assert _row("step_01") in first.text
    assert _row("step_00") not in first.text
    assert 'rel="next"' in first.text
    second = client.get("/audit?page=2")
    assert _row("step_00") in second.text
    assert _row("step_01") not in second.text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_no_cell_of_the_audit_export_runs_as_a_formula(app, client, login, make_staff, start):
    platform = make_staff(Role.PLATFORM_ADMIN)
    with app.app_context(), unit_of_work():
        record(
            "fund",
            1,
            start + "SUM(1)",
            actor_id=None,
            reason=start + 'HYPERLINK("x")',
            after={"name": start + "x"},
        )
    login(client, platform)
    row = _csv_rows(client.get("/audit.csv"))[1]
    assert row[4] == "'" + start + "SUM(1)"
    assert row[7] == "'" + start + 'HYPERLINK("x")'


def test_the_subject_column_names_the_scheme_fund_and_claim(app, client, login, trail):
    from wallet.funds.models import Fund
    from wallet.schemes.models import Scheme

    with app.app_context():
        fund_name = session.get(Fund, trail.fund_a.id).name
        scheme_names = list(
            session.scalars(sa.select(Scheme.name).where(Scheme.fund_id == trail.fund_a.id))
        )
    login(client, trail.admin)
    page = client.get("/audit").text
    assert f"Fund: {fund_name}" in page
    assert any(f"Scheme: {name}" in page for name in scheme_names)
    assert "Claim: D-TEST-1" in page
    assert "Scheme 1<" not in page
    assert "Claim 1<" not in page


def test_the_names_of_a_page_take_one_query_per_subject_type(app, trail):
    from wallet.audit.names import subject_names

    with app.app_context():
        events = session.execute(sa.select(AuditEvent.subject_type, AuditEvent.subject_id)).all()
        subjects = [tuple(event) for event in events] + [("claim", 999_999), ("placement", 1)]
        types = {t for t, _id in subjects if t not in ("placement",)}
        statements = []
        engine = session.get_bind()

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            names = subject_names(subjects, "en")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == len(types)
    assert names[("claim", trail.claim_ids[1])] == "D-TEST-2"
    assert ("claim", 999_999) not in names  # gone or never there: its number is shown
    assert ("placement", 1) not in names
