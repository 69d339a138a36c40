"""Applications: holds placed on submit, released when it ends early; every move by the table."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import User
from wallet.applications import services
from wallet.applications.models import TRANSITIONS, Application, ApplicationStatus
from wallet.books.verify import verify
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.ledger.models import Hold, HoldStatus
from wallet.ledger.services import balance


@pytest.fixture
def setting(app, app_ctx, accredited_provider, make_fund, make_scheme, make_worker, make_grant):
    """A worker with a € 2.000 grant at 50 %, and the provider's catalogue."""
    import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    worker = make_worker()
    grant = make_grant(
        make_scheme(
            make_fund(1_000_000),
            amount_cents=200_000,
            rules={"co_funding_bps": 5_000, "cancel_after_start": True},
        ),
        worker,
    )
    run = app_ctx.scalar(
        sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
    )
    staff = app_ctx.get(User, accredited_provider.id)
    worker = app_ctx.get(User, worker.id)
    app_ctx.commit()  # end the read, so factories in the test can write (SQLite locks)
    return {"worker": worker, "grant": grant, "run": run, "staff": staff}


def _apply(setting, **overrides):
    plan = services.plan_for(setting["worker"].id, setting["run"])
    values = {"password": PASSWORD, "expected_copay_cents": plan.copay_cents}
    values.update(overrides)
    return services.apply(setting["worker"], setting["run"].id, **values)


def test_applying_holds_the_plan_and_cancelling_releases_it(app_ctx, setting):
    application = _apply(setting)
    # € 2.400 at 50 %: the grant pays € 1.200, the worker € 1.200.
    assert (application.covered_cents, application.copay_cents) == (120_000, 120_000)
    assert application.reference.startswith("LW-")
    assert balance(setting["grant"].account_id).held_cents == 120_000
    services.decide(application.id, "cancel", actor=setting["worker"])
    assert balance(setting["grant"].account_id).held_cents == 0
    assert app_ctx.scalar(sa.select(Hold.status)) == HoldStatus.VOIDED
    assert verify() == []


def _last_update(app_ctx) -> str:
    from wallet.notifications.models import OutboxMessage

    query = sa.select(OutboxMessage.body).where(OutboxMessage.topic == "application_status")
    return app_ctx.scalar(query.order_by(OutboxMessage.id.desc()).limit(1))


def test_the_worker_hears_the_budget_is_free_again_only_when_a_hold_was_released(app_ctx, setting):
    from wallet.ledger.services import expire_hold

    setting["worker"].preferred_language = "en"
    app_ctx.commit()
    application = _apply(setting)
    services.decide(application.id, "cancel", actor=setting["worker"])
    said = _last_update(app_ctx)
    assert "has been cancelled. The reserved budget is available again." in said

    second = _apply(setting)
    with unit_of_work():  # its hold ran out first: nothing is reserved any more
        for hold_id in app_ctx.scalars(sa.select(Hold.id).where(Hold.status == HoldStatus.PENDING)):
            expire_hold(hold_id)
    services.decide(second.id, "cancel", actor=setting["worker"])
    said = _last_update(app_ctx)
    assert "has been cancelled." in said
    assert "available again" not in said
    assert verify() == []


def test_a_wrong_password_or_a_changed_plan_spends_nothing(app_ctx, setting):
    with pytest.raises(ValidationFailed):
        _apply(setting, password="not my password")
    with pytest.raises(Conflict, match="plan"):
        _apply(setting, expected_copay_cents=0)
    assert app_ctx.scalar(sa.select(sa.func.count(Application.id))) == 0
    assert balance(setting["grant"].account_id).held_cents == 0


def test_one_active_application_per_worker_per_run(app_ctx, setting):
    _apply(setting)
    with pytest.raises(Conflict):
        _apply(setting)
    assert app_ctx.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_the_provider_confirms_the_co_payment_and_the_course_runs(app_ctx, setting):
    application = _apply(setting)
    staff = setting["staff"]
    services.decide(application.id, "confirm", actor=staff)
    assert services.get_application(application.id).status == ApplicationStatus.AWAITING_COPAYMENT
    with pytest.raises(ValidationFailed):
        services.decide(application.id, "record_copayment", actor=staff)
    services.decide(application.id, "record_copayment", actor=staff, payment_reference="NL-123")
    with pytest.raises(Conflict):
        services.decide(application.id, "start", actor=staff)  # the course has not started
    with clock.frozen_at(clock.now() + dt.timedelta(days=31)):
        services.decide(application.id, "start", actor=staff)
        services.decide(application.id, "complete", actor=staff)
    assert services.get_application(application.id).status == ApplicationStatus.COMPLETED
    assert balance(setting["grant"].account_id).held_cents == 120_000  # held until the claim


def test_rejecting_needs_a_reason_and_releases_the_holds(app_ctx, setting):
    application = _apply(setting)
    with pytest.raises(ValidationFailed):
        services.decide(application.id, "reject", actor=setting["staff"])
    services.decide(application.id, "reject", actor=setting["staff"], reason="Vol")
    assert balance(setting["grant"].account_id).held_cents == 0


def test_others_cannot_touch_an_application(app_ctx, setting, make_worker, make_provider_user):
    stranger_id, other_staff_id = make_worker().id, make_provider_user().id
    application = _apply(setting)
    stranger, other_staff = app_ctx.get(User, stranger_id), app_ctx.get(User, other_staff_id)
    with pytest.raises(NotFound):
        services.decide(application.id, "cancel", actor=stranger)
    with pytest.raises(NotFound):
        services.decide(application.id, "confirm", actor=other_staff)
    with pytest.raises(NotFound):
        services.decide(application.id, "confirm", actor=setting["worker"])  # not the provider's


def test_after_the_start_the_scheme_decides_about_cancelling(
    app_ctx, accredited_provider, make_fund, make_scheme, make_worker, make_grant
):
    import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
    app_ctx.commit()
    worker = make_worker()
    grant = make_grant(make_scheme(make_fund(1_000_000), amount_cents=300_000), worker)
    run = app_ctx.scalar(
        sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
    )
    staff, worker = app_ctx.get(User, accredited_provider.id), app_ctx.get(User, worker.id)
    application = services.apply(worker, run.id, password=PASSWORD, expected_copay_cents=0)
    services.decide(application.id, "confirm", actor=staff)
    clock.set_now(clock.now() + dt.timedelta(days=31))
    services.decide(application.id, "start", actor=staff)
    with pytest.raises(Conflict):
        services.decide(application.id, "cancel", actor=worker)
    assert balance(grant.account_id).held_cents == 240_000


def test_unanswered_applications_expire_and_release(app_ctx, setting):
    application = _apply(setting)
    later = application.respond_by + dt.timedelta(minutes=1)
    assert services.expire_unanswered(later) == 1
    assert services.expire_unanswered(later) == 0
    assert services.get_application(application.id).status == ApplicationStatus.EXPIRED
    assert balance(setting["grant"].account_id).held_cents == 0


ACTIONS = sorted({action for _status, action in TRANSITIONS})


@pytest.mark.parametrize("status", list(ApplicationStatus))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_status_and_action_follows_the_table(app_ctx, setting, status, action):
    application = _apply(setting)
    app_ctx.execute(sa.update(Application).values(status=status))
    app_ctx.commit()
    actor = (
        None
        if action in services.SYSTEM_ACTIONS
        else (setting["worker"] if action == "cancel" else setting["staff"])
    )
    expected = TRANSITIONS.get((status, action))
    extra = {"reason": "r", "payment_reference": "p"}

    def act():
        if action in services.CLAIM_ACTIONS:  # moved by the claims service, tested there too
            with unit_of_work():
                services.move(services.get_application(application.id), action, actor_id=None)
        else:
            services.decide(application.id, action, actor=actor, **extra)

    with clock.frozen_at(clock.now() + dt.timedelta(days=31)):
        if expected is None:
            with pytest.raises(Conflict):
                act()
            assert services.get_application(application.id).status == status
        else:
            act()
            got = services.get_application(application.id).status
            if action == "confirm":
                assert got == ApplicationStatus.AWAITING_COPAYMENT  # a co-payment is due here
            else:
                assert got == expected


@pytest.fixture
def page_setting(app, accredited_provider, make_fund, make_scheme, make_worker, make_grant):
    """The same setting for tests that use the client (no pushed app context)."""
    worker = make_worker()
    make_grant(
        make_scheme(make_fund(1_000_000), amount_cents=200_000, rules={"co_funding_bps": 5_000}),
        worker,
    )
    with app.app_context():
        from wallet.core.db import session

        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
    return {"worker": worker, "staff": accredited_provider, "run_id": run_id}


def test_a_worker_applies_through_the_pages_and_the_provider_answers(
    app, client, page_setting, login
):
    setting = page_setting
    run_id = setting["run_id"]
    login(client, setting["worker"])
    page = client.get(f"/applications/new?run={run_id}")
    assert page.status_code == 200
    assert "1.200,00" in page.text
    url = f"/applications/new?run={run_id}"
    wrong = client.post(url, data={"password": "nope nope nope", "expected_copay": "120000"})
    assert wrong.status_code == 422
    sent = client.post(url, data={"password": PASSWORD, "expected_copay": "120000"})
    assert sent.status_code == 302
    assert "LW-" in client.get("/applications").text
    client.post("/logout")
    login(client, setting["staff"])
    assert setting["worker"].name in client.get("/provider/applications").text
    with app.app_context():
        from wallet.core.db import session

        application_id = session.scalar(sa.select(Application.id))
    client.post(f"/applications/{application_id}/reject", data={"reason": "Cursus vol"})
    with app.app_context():
        assert services.get_application(application_id).status == ApplicationStatus.REJECTED


@pytest.mark.parametrize(("trusted", "recorded"), [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_the_shared_address_signal_records_the_client_behind_trusted_proxies(
    app_ctx, db, setting, behind_a_proxy, trusted, recorded
):
    copay = services.plan_for(setting["worker"].id, setting["run"]).copay_cents
    app_ctx.commit()  # end the read: the client's app writes next (SQLite locks)
    client = behind_a_proxy(trusted)
    # the same browser behind the same proxy throughout (sessions are bound to the address)
    seen_as = {
        "environ_base": {"REMOTE_ADDR": "10.0.0.2"},
        "headers": {"X-Forwarded-For": "203.0.113.9"},
    }
    login = {"email": setting["worker"].email, "password": PASSWORD}
    assert client.post("/login", data=login, **seen_as).status_code == 302
    response = client.post(
        f"/applications/new?run={setting['run'].id}",
        data={"password": PASSWORD, "expected_copay": str(copay)},
        **seen_as,
    )
    assert response.status_code == 302, response.text
    assert db.scalar(sa.select(Application.client_ip)) == recorded
