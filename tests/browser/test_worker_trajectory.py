"""A worker whose employer listed them sees the placement on their start page; the page
passes axe and never scrolls sideways at 375 and 1280 px."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_placement_pages import _log_in
from tests.placements.conftest import (
    person,
    scene,  # noqa: F401 - a fixture
)
from tests.schemes.conftest import make_employer_scheme  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_the_worker_sees_their_new_job_and_training(
    page: Page,
    live_server: str,
    check_page,
    scene,  # noqa: F811 - the fixture imported above
    app,
    make_worker,
    make_scheme,
    make_grant,
):
    from wallet.accounts.models import User
    from wallet.core.db import session
    from wallet.placements import review, services

    worker = make_worker()
    make_grant(make_scheme(scene.fund, amount_cents=100_000), worker)  # the headline shows
    with app.app_context():
        dtab = session.get(User, scene.dtab.id)
        one = person(
            provider_id=scene.provider.provider_id,
            worker_email=worker.email,
            training_description="Procesoperator B (mbo-4), maatwerk bij het "
            "opleidingsbedrijf in Hengelo, met praktijkdagen in de fabriek",
        )
        application = services.compose_application(dtab, dtab.employer_id, scene.scheme.id, [one])
        services.submit_application(dtab, application.id)
        review.review(
            application.placements[0].id, "approve", actor=session.get(User, scene.admin.id)
        )
    _log_in(page, live_server, worker.email)
    expect(page.locator("#trajectory-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("DTAB Twente")
    expect(page.locator(".lw-headline")).to_contain_text("Te besteden")
    check_page(page, "worker-trajectory")
