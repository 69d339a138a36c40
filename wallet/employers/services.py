"""Use cases of employers: sign-up, details, colleagues and verification, with an audit trail.

Who decides what: verifying, suspending and rejecting an employer are platform decisions
(platform administrators only; the system when no actor is given, as in the CLI), the same
rule as for providers. An employer's own staff keep its details and add colleagues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import normalise_email, visible_name
from wallet.accounts.passwords import hash_password
from wallet.accounts.services import check_new_user, create_staff_user, note_self_registration
from wallet.audit.services import masked_iban, record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.employers.models import Employer, EmployerStatus
from wallet.providers import validation
from wallet.reference import LANGUAGES, municipality, sbi_divisions

# The verification workflow: (status, action) -> new status. Every move needs a reason.
TRANSITIONS: dict[tuple[EmployerStatus, str], EmployerStatus] = {
    (EmployerStatus.PENDING, "verify"): EmployerStatus.VERIFIED,
    (EmployerStatus.PENDING, "reject"): EmployerStatus.REJECTED,
    (EmployerStatus.VERIFIED, "suspend"): EmployerStatus.SUSPENDED,
    (EmployerStatus.VERIFIED, "reject"): EmployerStatus.REJECTED,
    (EmployerStatus.SUSPENDED, "verify"): EmployerStatus.VERIFIED,
    (EmployerStatus.SUSPENDED, "reject"): EmployerStatus.REJECTED,
    # A rejection can be reconsidered (new papers, a mistake): back to the queue, not verified.
    (EmployerStatus.REJECTED, "reopen"): EmployerStatus.PENDING,
}
ACTIONS = ("verify", "suspend", "reject", "reopen")
POSTCODE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")


@dataclass(frozen=True)
class EmployerDetails:
    """What an employer keeps up to date about itself. The IBAN is given at sign-up (the
    platform's verification is the second look); a later one waits for a second person
    (wallet.bankdetails) and is not changed with the details."""

    name: str
    sbi_code: str
    street: str
    postcode: str
    city: str
    municipality_code: str
    contact_email: str
    contact_phone: str = ""
    iban: str = ""


@dataclass(frozen=True)
class EmployerRegistration:
    """What an employer fills in to sign up its organisation and first staff user."""

    details: EmployerDetails
    kvk_number: str
    name: str
    email: str
    password: str
    preferred_language: str = "nl"


def get_employer(employer_id: int) -> Employer:
    """The employer, or NotFound."""
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(_("There is no such employer."))
    return employer


def employers_by_status(
    status: EmployerStatus | None = None, limit: int | None = None
) -> list[Employer]:
    """Employers, optionally of one status, oldest first (the queue order)."""
    query = sa.select(Employer).order_by(Employer.created_at, Employer.id).limit(limit)
    if status is not None:
        query = query.where(Employer.status == status)
    return list(session.scalars(query))


def _checked(details: EmployerDetails, errors: dict[str, str], *, with_iban: bool) -> dict:
    """The details in stored form (the IBAN and BIC `with_iban`); every problem goes in
    `errors`."""
    values: dict = {"name": visible_name(details.name)}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = _("Enter the name of the organisation.")
    if details.sbi_code not in sbi_divisions():
        errors["sbi_code"] = _("Choose the sector of the organisation.")
    values["sbi_code"] = details.sbi_code
    try:
        if with_iban:
            values["iban"], values["bic"] = validation.iban(details.iban)
    except ValueError as error:
        errors["iban"] = str(error)
    for field, limit in (("street", 200), ("city", 100)):
        value = visible_name(getattr(details, field))
        if not value or len(value) > limit:
            errors[field] = _("This field is required.")
        values[field] = value
    postcode = (details.postcode or "").replace(" ", "").upper()
    if not POSTCODE.match(postcode):
        errors["postcode"] = _("Enter a Dutch postcode, like 7511 AB.")
    values["postcode"] = f"{postcode[:4]} {postcode[4:]}"
    if municipality(details.municipality_code) is None:
        errors["municipality_code"] = _("Choose a municipality in Overijssel or Gelderland.")
    values["municipality_code"] = details.municipality_code
    email = normalise_email(details.contact_email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        errors["contact_email"] = _("Enter a valid e-mail address, like naam@voorbeeld.nl.")
    values["contact_email"] = email
    phone = (details.contact_phone or "").strip()
    if len(phone) > 30:
        errors["contact_phone"] = _("A phone number has at most 30 characters.")
    values["contact_phone"] = phone or None
    return values


def _snapshot(employer: Employer) -> dict:
    return {
        "name": employer.name,
        "sbi_code": employer.sbi_code,
        "iban": masked_iban(employer.iban),
        "municipality_code": employer.municipality_code,
        "status": employer.status.value,
    }


def register_employer(
    data: EmployerRegistration, *, ip_address: str | None = None, device_id: str | None = None
) -> User:
    """Create an employer, pending verification, and its first staff user (audited); the
    registration limit and e-mail verification as for workers (wallet.verification)."""
    from wallet.verification.signals import check_registration_rate

    check_registration_rate(ip_address)
    errors: dict[str, str] = {}
    values = _checked(data.details, errors, with_iban=True)
    # On the sign-up form "name" is the person's; the organisation's is organisation_name.
    if "name" in errors:
        errors["organisation_name"] = errors.pop("name")
    email = check_new_user(data.email, data.password, errors, data.name)
    try:
        kvk = validation.kvk_number(data.kvk_number)
    except ValueError as error:
        errors["kvk_number"] = str(error)
    else:
        if session.scalar(sa.select(sa.func.count()).where(Employer.kvk_number == kvk)):
            errors["kvk_number"] = _("This KvK number is already registered.")
    name = visible_name(data.name)
    if not name:
        errors["name"] = _("Enter your name.")
    if data.preferred_language not in LANGUAGES:
        errors["preferred_language"] = _("Choose Dutch, English or German.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        employer = Employer(kvk_number=kvk, status=EmployerStatus.PENDING, **values)
        user = User(
            email=email,
            password_hash=hash_password(data.password),
            name=name,
            role=Role.EMPLOYER_STAFF,
            employer=employer,
            preferred_language=data.preferred_language,
        )
        db.add(user)
        db.flush()
        record(
            "employer",
            employer.id,
            "registered",
            actor_id=user.id,
            after={**_snapshot(employer), "kvk_number": kvk, "user": user.id},
        )
        note_self_registration(user, ip_address, device_id)
    return user


def update_details(employer_id: int, details: EmployerDetails, *, actor_id: int) -> Employer:
    """Change an employer's details (not its IBAN: wallet.bankdetails), audited."""
    employer = get_employer(employer_id)
    errors: dict[str, str] = {}
    values = _checked(details, errors, with_iban=False)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work():
        before = _snapshot(employer)
        for key, value in values.items():
            setattr(employer, key, value)
        record(
            "employer",
            employer.id,
            "details_changed",
            actor_id=actor_id,
            before=before,
            after=_snapshot(employer),
        )
    return employer


def require_platform_decision(actor_id: int | None) -> None:
    """Forbidden unless the actor is a platform administrator (None: the system itself)."""
    if actor_id is None:
        return
    actor = session.get(User, actor_id)
    if actor is None or actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden(_("Only platform administrators verify, suspend or reject employers."))


def change_status(employer_id: int, action: str, *, reason: str, actor_id: int | None) -> Employer:
    """Verify, suspend, reject or reopen an employer (a platform decision), with a reason."""
    require_platform_decision(actor_id)
    employer = get_employer(employer_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; the employer sees it."), errors={"reason": _("Give a reason.")}
        )
    target = TRANSITIONS.get((employer.status, action))
    if target is None:
        raise Conflict(_("This decision is not possible for the employer as it stands now."))
    with unit_of_work():
        before = employer.status.value
        employer.status, employer.status_reason = target, reason[:500]
        if target == EmployerStatus.VERIFIED:
            employer.verified_at = clock.now()
        record(
            "employer",
            employer.id,
            action,
            actor_id=actor_id,
            before={"status": before},
            after={"status": target.value},
            reason=reason,
        )
    return employer


def staff_of(employer_id: int) -> list[User]:
    """The employer's staff users, by name."""
    query = sa.select(User).where(User.employer_id == employer_id, User.role == Role.EMPLOYER_STAFF)
    return list(session.scalars(query.order_by(User.name, User.id)))


def add_staff_member(employer_id: int, *, name: str, email: str, actor_id: int):
    """A colleague joins the employer's account, invited by e-mail to choose a password."""
    employer = get_employer(employer_id)
    if not visible_name(name):
        raise ValidationFailed(
            _("Enter the name of your colleague."),
            errors={"name": _("Enter the name of your colleague.")},
        )
    with unit_of_work():
        user = create_staff_user(
            email=email, name=name, role=Role.EMPLOYER_STAFF, employer=employer, actor_id=actor_id
        )
        record(
            "employer",
            employer.id,
            "staff_added",
            actor_id=actor_id,
            after={"user": user.id, "email": user.email},
        )
    return user
