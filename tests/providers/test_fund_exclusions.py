"""Who accredits: the platform. A fund can only keep its own schemes from paying a provider."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.audit.models import AuditEvent
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.catalogue.services import set_published
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.providers import services
from wallet.providers.models import ProviderStatus


@pytest.fixture
def market(app, accredited_provider, make_fund, make_scheme, make_worker, make_grant, make_staff):
    """A worker with a budget of fund A, an administrator of fund A, and a course run."""
    fund = make_fund(1_000_000)
    worker = make_worker()
    grant = make_grant(make_scheme(fund, amount_cents=300_000), worker)
    admin = make_staff(Role.FUND_ADMIN)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        session.execute(sa.update(User).where(User.id == admin.id).values(fund_id=fund.id))
        session.commit()
        run_id = session.scalar(
            sa.select(CourseRun.id)
            .join(Course)
            .where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
    return {
        "fund": fund,
        "worker": worker,
        "grant": grant,
        "admin": admin,
        "run_id": run_id,
        "provider_id": accredited_provider.provider_id,
    }


def _plan(market):
    run = session.get(CourseRun, market["run_id"])
    return applications.plan_for(market["worker"].id, run)


@pytest.mark.parametrize("role", [Role.FUND_ADMIN, Role.PROVIDER_STAFF, Role.WORKER])
def test_only_the_platform_suspends_a_provider_or_unpublishes_its_courses(
    app_ctx, market, make_user, role
):
    someone = make_user(role)
    provider_id = market["provider_id"]
    course_id = session.scalar(sa.select(Course.id).where(Course.provider_id == provider_id))
    with pytest.raises(Forbidden):
        services.change_status(provider_id, "suspend", reason="klachten", actor_id=someone.id)
    with pytest.raises(Forbidden):
        set_published(course_id, False, reason="onjuist", actor_id=someone.id)
    session.expire_all()
    assert services.get_provider(provider_id).status == ProviderStatus.ACCREDITED
    assert session.get(Course, course_id).published


def test_a_platform_administrator_still_suspends(app_ctx, market, make_staff):
    platform = make_staff(Role.PLATFORM_ADMIN)
    provider = services.change_status(
        market["provider_id"], "suspend", reason="klachten", actor_id=platform.id
    )
    assert provider.status == ProviderStatus.SUSPENDED


def test_an_exclusion_stops_the_fund_s_grants_paying_at_the_provider(app_ctx, market):
    fund_id, provider_id = market["fund"].id, market["provider_id"]
    assert _plan(market).covered_cents == 240_000
    services.exclude_provider(fund_id, provider_id, reason="Eigen beleid", actor_id=None)
    plan = _plan(market)
    assert plan.parts == ()
    assert plan.copay_cents == plan.price_cents
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider_excluded"))
    assert (event.subject_type, event.subject_id, event.reason) == ("fund", fund_id, "Eigen beleid")
    # Nothing else is hidden: the provider stays accredited and its course published.
    assert services.get_provider(provider_id).status == ProviderStatus.ACCREDITED
    services.readmit_provider(fund_id, provider_id, reason="Afspraken gemaakt", actor_id=None)
    assert _plan(market).covered_cents == 240_000
    assert (
        session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "provider_readmitted"))
        == 1
    )


def test_an_exclusion_leaves_an_existing_application_alone(app_ctx, market):
    worker = session.get(User, market["worker"].id)
    application = applications.apply(
        worker, market["run_id"], password=PASSWORD, expected_copay_cents=0
    )
    services.exclude_provider(
        market["fund"].id, market["provider_id"], reason="Beleid", actor_id=None
    )
    session.expire_all()
    application = applications.get_application(application.id)
    assert application.status.value == "submitted"
    assert sum(part.cents for part in application.parts) == 240_000


def test_an_exclusion_needs_a_reason_and_is_made_once(app_ctx, market):
    fund_id, provider_id = market["fund"].id, market["provider_id"]
    with pytest.raises(ValidationFailed):
        services.exclude_provider(fund_id, provider_id, reason=" ", actor_id=None)
    with pytest.raises(Conflict):
        services.readmit_provider(fund_id, provider_id, reason="x", actor_id=None)
    services.exclude_provider(fund_id, provider_id, reason="Beleid", actor_id=None)
    with pytest.raises(Conflict):
        services.exclude_provider(fund_id, provider_id, reason="Nog eens", actor_id=None)


def test_a_fund_administrator_excludes_and_readmits_on_the_provider_page(client, db, login, market):
    login(client, market["admin"])
    page = f"/admin/providers/{market['provider_id']}"
    assert "Uitsluiten van onze regelingen" in client.get(page).text
    url = f"/fund/providers/{market['provider_id']}/exclusion"
    assert client.post(url, data={"action": "exclude", "reason": "Beleid"}).status_code == 302
    assert services_excluded(db, market) == 1
    assert client.post(url, data={"action": "readmit", "reason": "Weer goed"}).status_code == 302
    assert services_excluded(db, market) == 0
    # Deciding on the provider's standing is not theirs to do.
    assert client.post(page, data={"action": "suspend", "reason": "x"}).status_code == 403


def services_excluded(db, market) -> int:
    from wallet.providers.models import FundProviderExclusion

    return db.scalar(sa.select(sa.func.count(FundProviderExclusion.id)))


def test_the_exclusion_form_does_not_promise_the_provider_sees_the_reason(
    client, db, login, market
):
    """Nothing shows a fund's exclusion to the provider: the form and its refusal say where
    the reason goes (the fund's audit trail) instead of "the provider sees this"."""
    login(client, market["admin"])
    page = client.get(f"/admin/providers/{market['provider_id']}").text
    assert "<dd>Geaccrediteerd" in page  # the status in Dutch, not "accredited"
    assert "De opleider ziet dit" not in page
    assert "de opleider ziet die niet" in page
    url = f"/fund/providers/{market['provider_id']}/exclusion"
    client.post(url, data={"action": "exclude", "reason": " "})
    page = client.get(f"/admin/providers/{market['provider_id']}").text
    assert "Geef een reden op; de opleider ziet die." not in page
    assert "die komt in het logboek van uw fonds" in page
    assert services_excluded(db, market) == 0


def test_search_results_show_no_funding_from_a_fund_that_excludes_the_provider(app_ctx, market):
    """The plan on each hit is the plan of the application page: nothing from that fund."""
    from wallet.catalogue.search import SearchQuery, search
    from wallet.funding.services import worker_grant_facts

    def covered() -> set[int]:
        grants = worker_grant_facts(market["worker"].id)
        hits = search(SearchQuery(text="lassen"), grants).hits
        return {hit.plan.covered_cents for hit in hits if hit.run_id == market["run_id"]}

    assert covered() == {240_000}
    services.exclude_provider(
        market["fund"].id, market["provider_id"], reason="Beleid", actor_id=None
    )
    assert covered() == {0}


def test_two_racing_exclusions_give_one_row_and_a_conflict(app_ctx, market, monkeypatch):
    """A double click where both requests pass the "already excluded?" check before either
    commits: the unique row decides, the second hears Conflict (a page, not a 500)."""
    fund_id, provider_id = market["fund"].id, market["provider_id"]
    services.exclude_provider(fund_id, provider_id, reason="Beleid", actor_id=None)
    monkeypatch.setattr(services, "exclusion_of", lambda *_args: None)  # the other's view
    with pytest.raises(Conflict):
        services.exclude_provider(fund_id, provider_id, reason="Beleid", actor_id=None)
    monkeypatch.undo()
    assert services_excluded(session, market) == 1
