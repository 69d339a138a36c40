"""Changing a worker's own profile.

The facts registration collects can be changed here, by the worker, with the same rules.
Name, date of birth and postcode together are how one person behind two accounts is
found (wallet.verification.signals): a change of any of them is audited with before and
after, and the same-person check runs again in the same transaction. The e-mail address is
changed elsewhere (it needs a new verification).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import visible_name
from wallet.accounts.services import POSTCODE, WorkerDetails
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import NotFound, ValidationFailed
from wallet.reference import EMPLOYMENT_STATUSES, SECTORS, municipality

# The facts the duplicate check compares; changing one re-runs it.
IDENTITY_FIELDS = ("name", "date_of_birth", "postcode")


def profile_of(user_id: int) -> WorkerDetails:
    """The worker's details as they are now, in the shape of a change."""
    user = _worker(user_id)
    profile = user.profile
    postcode = profile.postcode or ""
    return WorkerDetails(
        name=user.name,
        date_of_birth=profile.date_of_birth,
        municipality_code=profile.municipality_code,
        employment_status=profile.employment_status,
        sector=profile.sector,
        occupation=profile.occupation,
        education_level=profile.education_level,
        target_occupation=profile.target_occupation,
        postcode=f"{postcode[:4]} {postcode[4:]}" if postcode else "",
        house_number=profile.house_number or "",
    )


def _worker(user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != Role.WORKER or user.profile is None:
        raise NotFound(_("There is no worker profile here."))
    return user


def _cleaned(data: WorkerDetails) -> tuple[dict, dict[str, str]]:
    """The values to store, and every problem by field."""
    errors: dict[str, str] = {}
    name = visible_name(data.name)
    if not name or len(name) > 200:
        errors["name"] = _("Enter your name.")
    if municipality(data.municipality_code) is None:
        errors["municipality_code"] = _("Choose a municipality in Overijssel or Gelderland.")
    if data.employment_status not in EMPLOYMENT_STATUSES:
        errors["employment_status"] = _("Choose your employment status.")
    if data.sector not in SECTORS:
        errors["sector"] = _("Choose the sector you work in now.")
    for field_name in ("occupation", "target_occupation"):
        value = getattr(data, field_name).strip()
        if not value or len(value) > 200:
            errors[field_name] = _("Fill this in, in at most 200 characters.")
    if not 1 <= data.education_level <= 8:
        errors["education_level"] = _("Choose an education level from NLQF 1 to 8.")
    today = clock.today()
    age = (today - data.date_of_birth).days // 365
    if data.date_of_birth >= today or not 15 <= age <= 100:
        errors["date_of_birth"] = _("Enter your real date of birth.")
    postcode = data.postcode.replace(" ", "").upper()
    if postcode and not POSTCODE.match(postcode):
        errors["postcode"] = _("Enter a Dutch postcode, like 7511 AB.")
    house_number = data.house_number.strip().lower()
    if postcode and not 1 <= len(house_number) <= 10:
        errors["house_number"] = _("Enter the house number that goes with the postcode.")
    values = {
        "name": name,
        "date_of_birth": data.date_of_birth,
        "municipality_code": data.municipality_code,
        "employment_status": data.employment_status,
        "sector": data.sector,
        "occupation": data.occupation.strip(),
        "education_level": data.education_level,
        "target_occupation": data.target_occupation.strip(),
        "postcode": postcode or None,
        "house_number": (house_number or None) if postcode else None,
    }
    return values, errors


def _shown(value) -> str | int | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def update_profile(user_id: int, data: WorkerDetails, *, actor_id: int) -> list[str]:
    """Change the worker's profile; returns the names of the fields that changed.

    Raises ValidationFailed listing every problem, writing nothing. The change is audited
    (before and after of the changed fields); a change of name, date of birth or postcode
    runs the same-person check again.
    """
    from wallet.verification.signals import recheck_same_person

    values, errors = _cleaned(data)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work():
        user = _worker(user_id)
        targets = {"name": user}
        old = {
            name: getattr(targets.get(name, user.profile), name)
            for name in (f.name for f in fields(WorkerDetails))
        }
        changed = [name for name, value in values.items() if old[name] != value]
        if not changed:
            return []
        for name in changed:
            setattr(targets.get(name, user.profile), name, values[name])
        record(
            "user",
            user.id,
            "profile_changed",
            actor_id=actor_id,
            before={name: _shown(old[name]) for name in changed},
            after={name: _shown(values[name]) for name in changed},
        )
        if set(changed) & set(IDENTITY_FIELDS):
            session.flush()
            recheck_same_person(user)
    return changed
