"""One person in an employer application, as submitted: checked field by field, against the
scheme's rules and against everyone already listed. Every problem is named at once, so a
form or an API caller can fix them together; nothing is written while one remains."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.catalogue.models import CourseRun
from wallet.core.db import session
from wallet.placements.models import LIVE, ContractType, Placement
from wallet.providers.models import Provider, ProviderStatus
from wallet.reference import sbi_divisions
from wallet.schemes.employer_rules import (
    MAX_CENTS,
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    EmployerRules,
)

NEEDS_PROVIDER = ("bespoke", "work_and_learn")  # a quote from an accredited provider
OLDEST, YOUNGEST = 70, 15  # years of age on the start date


@dataclass(frozen=True)
class PersonInput:
    """What an employer (or a broker) says of one person."""

    full_name: str
    date_of_birth: dt.date | None
    starting_situation: str
    from_sbi_code: str | None
    occupation: str
    contract_type: str
    hours_per_week: int | None
    start_date: dt.date | None
    training_kind: str
    quote_cents: int | None
    run_id: int | None = None
    provider_id: int | None = None
    training_description: str = ""
    worker_email: str | None = None


def person_key(full_name: str, date_of_birth: dt.date) -> str:
    """Name and date of birth as one comparable key: case, accents and spaces do not count."""
    folded = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    return f"{' '.join(folded.lower().split())}|{date_of_birth.isoformat()}"


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _field_errors(data: PersonInput, rules: EmployerRules, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 2 <= len(data.full_name.strip()) <= 200:
        errors["full_name"] = _("Give the person's full name.")
    if data.date_of_birth is None:
        errors["date_of_birth"] = _("Give the person's date of birth.")
    if data.starting_situation not in STARTING_SITUATIONS:
        errors["starting_situation"] = _("Choose the person's starting situation.")
    elif data.starting_situation not in rules.starting_situations:
        errors["starting_situation"] = _(
            "This scheme is not for people in this starting situation."
        )
    if data.from_sbi_code and data.from_sbi_code not in sbi_divisions():
        errors["from_sbi_code"] = _("Choose the sector the person comes from from the list.")
    if data.occupation not in rules.target_occupations:
        errors["occupation"] = _("The new job is not one of the occupations this scheme is for.")
    if data.contract_type not in {c.value for c in ContractType}:
        errors["contract_type"] = _("Choose the kind of contract.")
    if data.hours_per_week is None or not 1 <= data.hours_per_week <= 60:
        errors["hours_per_week"] = _("Give the hours per week, from 1 to 60.")
    if data.start_date is None:
        errors["start_date"] = _("Give the day the person starts.")
    elif data.start_date < today:
        errors["start_date"] = _("The job cannot start before the application is made.")
    elif data.start_date > today + dt.timedelta(days=366):
        errors["start_date"] = _("The job must start within a year of the application.")
    if (
        data.date_of_birth
        and data.start_date
        and not (YOUNGEST <= _age_on(data.date_of_birth, data.start_date) <= OLDEST)
    ):
        errors["date_of_birth"] = _(
            "Check the date of birth: the person would be %(age)d.",
            age=_age_on(data.date_of_birth, data.start_date),
        )
    if data.training_kind not in TRAINING_KINDS:
        errors["training_kind"] = _("Choose the kind of training.")
    elif data.training_kind not in rules.training_kinds:
        errors["training_kind"] = _("This scheme does not pay for this kind of training.")
    if data.quote_cents is None or not 1 <= data.quote_cents <= MAX_CENTS:
        errors["quote_cents"] = _("Give the price of the training, more than nothing.")
    return errors


def _training_errors(data: PersonInput, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.training_kind == "catalogue_run":
        run = session.get(CourseRun, data.run_id) if data.run_id else None
        if run is None:
            errors["run_id"] = _("Choose the course run from the catalogue.")
        elif run.starts_on < today:
            errors["run_id"] = _("This course run has started already.")
        elif data.quote_cents and data.quote_cents > run.course.price_cents:
            errors["quote_cents"] = _("The price is above the course's price in the catalogue.")
        return errors
    if len(data.training_description.strip()) < 5:
        errors["training_description"] = _("Describe the training in a few words.")
    if data.training_kind in NEEDS_PROVIDER:
        provider = session.get(Provider, data.provider_id) if data.provider_id else None
        if provider is None or provider.status != ProviderStatus.ACCREDITED:
            errors["provider_id"] = _(
                "Choose the accredited training provider that made the quote."
            )
    return errors


def check_person(
    data: PersonInput,
    rules: EmployerRules,
    *,
    today: dt.date,
    listed: list[str],
    placement_id: int | None = None,
) -> dict[str, str]:
    """Every problem with one person; `listed` holds the person keys already in the same
    application (the person themself left out when they are being edited)."""
    errors = {**_field_errors(data, rules, today), **_training_errors(data, today)}
    if data.date_of_birth is None or "full_name" in errors:
        return errors
    key = person_key(data.full_name, data.date_of_birth)
    if key in listed:
        errors["full_name"] = _("This person is listed twice in this application.")
        return errors
    elsewhere = sa.select(Placement.id).where(
        Placement.person_key == key, Placement.status.in_(LIVE)
    )
    if placement_id is not None:
        elsewhere = elsewhere.where(Placement.id != placement_id)
    if session.scalar(elsewhere.limit(1)) is not None:
        errors["full_name"] = _(
            "This person is already in another application that is open; "
            "a person is funded once at a time."
        )
    return errors
