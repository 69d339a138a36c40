"""The daily reminders job: one reminder per follow-up that fell due, never a second one, and
the messages of employer applications read in Dutch, English and German."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from tests.placements.conftest import person
from wallet.core import clock
from wallet.notifications.models import OutboxMessage
from wallet.scheduler.jobs import JOBS, run_job


def _approved(scene) -> int:
    """A person of DTAB approved by the fund (below four eyes): the placement's id."""
    from wallet.accounts.models import User
    from wallet.core.db import session
    from wallet.placements import review, services

    employer = session.get(User, scene.dtab.id)
    application = services.start_application(employer, employer.employer_id, scene.scheme.id)
    data = replace(person(quote_cents=400_000), provider_id=scene.provider.provider_id)
    placement = services.add_person(employer, application.id, data)
    services.submit_application(employer, application.id)
    review.review(placement.id, "approve", actor=session.get(User, scene.admin.id))
    return placement.id


def _reminders(session) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.topic == "follow_up_due")
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)


def test_the_job_is_scheduled_daily():
    job = JOBS["follow-up-reminders"]
    assert set(job.cron) == {"hour", "minute"}  # every day at one time


def test_one_reminder_per_due_follow_up_and_never_twice(app, scene):
    from wallet.accounts.models import User
    from wallet.core.db import session, unit_of_work
    from wallet.placements.models import Placement

    with app.app_context():
        placement_id = _approved(scene)
        with unit_of_work():
            session.get(User, scene.dtab.id).preferred_language = "de"
            session.get(User, scene.broker.id).preferred_language = "en"
        start = session.get(Placement, placement_id).start_date
        session.rollback()
        assert run_job("follow-up-reminders") == "0 follow-up reminders sent"  # none due yet

        with clock.frozen_at(_at(start + dt.timedelta(days=190))):  # the 6 months are due
            assert run_job("follow-up-reminders") == "1 follow-up reminders sent"
            first = _reminders(session)
            assert sorted(m.to_address for m in first) == sorted(
                [scene.dtab.email, scene.broker.email]
            )
            assert run_job("follow-up-reminders") == "0 follow-up reminders sent"
            assert len(_reminders(session)) == 2

        by_address = {m.to_address: m for m in first}
        german = by_address[scene.dtab.email]
        assert german.language == "de"
        assert german.subject == "Nachverfolgung fällig für Sanne de Vries (Antrag " + (
            session.get(Placement, placement_id).application.reference + ")"
        )
        assert "vor 6 Monaten angefangen" in german.body
        english = by_address[scene.broker.email]
        assert "It is 6 months since Sanne de Vries started" in english.body

        with clock.frozen_at(_at(start + dt.timedelta(days=370))):  # and the 12 months
            assert run_job("follow-up-reminders") == "1 follow-up reminders sent"
            assert run_job("follow-up-reminders") == "0 follow-up reminders sent"
        assert len(_reminders(session)) == 4


EXPECTED = {
    "nl": ("Opvolging aan de beurt", "Werkgeversaanvraag", "Besluit over aanvraag", "goedgekeurd"),
    "en": ("Follow-up due for", "Employer application", "Decision on application", "approved"),
    "de": ("Nachverfolgung fällig", "Arbeitgeberantrag", "Entscheidung über Antrag", "genehmigt"),
}


@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_the_messages_of_employer_applications_read_in_each_language(
    app, make_employer_user, language
):
    from wallet.accounts.models import User
    from wallet.core.db import session, unit_of_work
    from wallet.notifications.services import notify

    made = make_employer_user()
    follow_up, sent, decided, approved = EXPECTED[language]
    with app.app_context(), unit_of_work():
        user = session.get(User, made.id)
        user.preferred_language = language
        due = notify(
            user, "follow_up_due", reference="WA-2026-000001", person="Sanne de Vries", months="6"
        )
        waiting = notify(
            user, "employer_application_sent", reference="WA-2026-000001", employer="DTAB Twente"
        )
        decision = notify(
            user,
            "placement_decided",
            reference="WA-2026-000001",
            person="Sanne de Vries",
            decision="approved",
            amount_cents=200_000,
        )
        assert due.subject.startswith(follow_up)
        assert "Sanne de Vries" in due.body
        assert "6" in due.body
        assert waiting.subject.startswith(sent)
        assert "DTAB Twente" in waiting.body
        assert decision.subject.startswith(decided)
        assert approved in decision.body
        assert "2.000,00" in decision.body or "2,000.00" in decision.body
