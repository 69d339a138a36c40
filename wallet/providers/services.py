"""Use cases of providers: details, accreditations and verification, with an audit trail.

Who decides what: accrediting, suspending and revoking a provider, and unpublishing its
courses, are platform decisions (platform administrators only; the system when no actor is
given, as in the CLI). A fund administrator cannot change a provider's standing for the whole
country; each fund can exclude a provider from its own schemes (exclude_provider), which only
stops that fund's grants from paying new applications at the provider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.names import visible_name
from wallet.audit.services import masked_iban, record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.providers import validation
from wallet.providers.models import (
    Accreditation,
    AccreditationKind,
    FundProviderExclusion,
    Provider,
    ProviderStatus,
)

# The verification workflow: (status, action) -> new status. Every move needs a reason.
TRANSITIONS: dict[tuple[ProviderStatus, str], ProviderStatus] = {
    (ProviderStatus.PENDING, "accredit"): ProviderStatus.ACCREDITED,
    (ProviderStatus.PENDING, "revoke"): ProviderStatus.REVOKED,
    (ProviderStatus.ACCREDITED, "suspend"): ProviderStatus.SUSPENDED,
    (ProviderStatus.ACCREDITED, "revoke"): ProviderStatus.REVOKED,
    (ProviderStatus.SUSPENDED, "accredit"): ProviderStatus.ACCREDITED,
    (ProviderStatus.SUSPENDED, "revoke"): ProviderStatus.REVOKED,
}
ACTIONS = ("accredit", "suspend", "revoke")


@dataclass(frozen=True)
class ProviderDetails:
    """What a provider keeps up to date about itself. Its IBAN is not among them: a new one
    waits for a second person (wallet.bankdetails)."""

    name: str
    vat_number: str
    street: str
    postcode: str
    city: str
    contact_email: str
    contact_phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class AccreditationClaim:
    """An accreditation a provider declares, with its evidence."""

    kind: str
    reference: str
    evidence: str
    valid_from: dt.date
    valid_until: dt.date | None = None


def get_provider(provider_id: int) -> Provider:
    """The provider, or NotFound."""
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("There is no such provider."))
    return provider


def providers_pending_verification(limit: int = 50) -> list[Provider]:
    """Providers waiting for verification, oldest first."""
    query = (
        sa.select(Provider)
        .where(Provider.status == ProviderStatus.PENDING)
        .order_by(Provider.created_at, Provider.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def providers_by_status(status: ProviderStatus | None = None) -> list[Provider]:
    """Providers, optionally of one status, by name."""
    query = sa.select(Provider).order_by(Provider.name, Provider.id)
    if status is not None:
        query = query.where(Provider.status == status)
    return list(session.scalars(query))


def _snapshot(provider: Provider) -> dict:
    return {
        "name": provider.name,
        "vat_number": provider.vat_number,
        "iban": masked_iban(provider.iban),
        "status": provider.status.value,
    }


def _website(text: str) -> str | bool | None:
    """A website address made whole (https:// added), None when empty, False when no address."""
    text = (text or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or len(text) > 200:
        return False
    if any(char.isspace() or char in "<>\"'" for char in text):
        return False
    return text


def update_details(provider_id: int, details: ProviderDetails, *, actor_id: int) -> Provider:
    """Change a provider's details; the VAT number is checked."""
    provider = get_provider(provider_id)
    errors: dict[str, str] = {}
    values: dict = {"name": visible_name(details.name)}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = _("Enter the name of the organisation.")
    try:
        values["vat_number"] = validation.vat_number(details.vat_number)
    except ValueError as error:
        errors["vat_number"] = str(error)
    for field in ("street", "postcode", "city", "contact_email"):
        value = getattr(details, field).strip()
        if not value:
            errors[field] = _("This field is required.")
        values[field] = value
    values["contact_phone"] = details.contact_phone.strip()
    values["website"] = _website(details.website)
    if values["website"] is False:
        errors["website"] = _("Enter the address of your website, like https://www.example.nl.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work():
        before = _snapshot(provider)
        for key, value in values.items():
            setattr(provider, key, value)
        record(
            "provider",
            provider.id,
            "details_changed",
            actor_id=actor_id,
            before=before,
            after=_snapshot(provider),
        )
    return provider


def add_accreditation(
    provider_id: int, claim: AccreditationClaim, *, actor_id: int
) -> Accreditation:
    """Declare an accreditation with evidence; administrators check it when verifying."""
    provider = get_provider(provider_id)
    errors: dict[str, str] = {}
    try:
        kind = AccreditationKind(claim.kind)
    except ValueError:
        errors["kind"] = _("Choose the kind of accreditation.")
    reference = (claim.reference or "").strip()
    if not reference or len(reference) > 50:
        errors["reference"] = _("Give the registration number or programme code.")
    evidence = (claim.evidence or "").strip()
    if not evidence or len(evidence) > 500:
        errors["evidence"] = _("Say where the evidence can be checked (register link or document).")
    if claim.valid_until and claim.valid_until < claim.valid_from:
        errors["valid_until"] = _("The end date cannot be before the start date.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        accreditation = Accreditation(
            provider_id=provider.id,
            kind=kind,
            reference=reference,
            evidence=evidence,
            valid_from=claim.valid_from,
            valid_until=claim.valid_until,
        )
        db.add(accreditation)
        db.flush()
        record(
            "provider",
            provider.id,
            "accreditation_added",
            actor_id=actor_id,
            after={"kind": kind.value, "reference": reference},
        )
    return accreditation


def active_accreditations(provider: Provider, day: dt.date | None = None) -> set[str]:
    """The kinds of accreditation valid on `day` (today by default)."""
    day = day or clock.today()
    return {a.kind.value for a in provider.accreditations if a.valid_on(day)}


def require_platform_decision(actor_id: int | None) -> None:
    """Forbidden unless the actor is a platform administrator (None: the system itself)."""
    from wallet.accounts.models import Role, User

    if actor_id is None:
        return
    actor = session.get(User, actor_id)
    if actor is None or actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden(
            _(
                "Only platform administrators accredit, suspend or revoke providers and "
                "unpublish their courses. A fund can exclude a provider from its own schemes."
            )
        )


def change_status(provider_id: int, action: str, *, reason: str, actor_id: int | None) -> Provider:
    """Accredit, suspend or revoke a provider (a platform decision), with a reason."""
    require_platform_decision(actor_id)
    provider = get_provider(provider_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; the provider sees it."), errors={"reason": _("Give a reason.")}
        )
    target = TRANSITIONS.get((provider.status, action))
    if target is None:
        raise Conflict(
            _(
                "A provider that is %(status)s cannot be given this decision.",
                status=provider.status.value,
            )
        )
    if target == ProviderStatus.ACCREDITED and not active_accreditations(provider):
        raise Conflict(_("A provider needs at least one valid accreditation to be accredited."))
    with unit_of_work():
        before = provider.status.value
        provider.status, provider.status_reason = target, reason[:500]
        if target == ProviderStatus.ACCREDITED:
            provider.accredited_at = clock.now()
        record(
            "provider",
            provider.id,
            action,
            actor_id=actor_id,
            before={"status": before},
            after={"status": target.value},
            reason=reason,
        )
    return provider


def staff_of(provider_id: int) -> list:
    """The provider's staff users, by name."""
    from wallet.accounts.models import Role, User

    query = sa.select(User).where(User.provider_id == provider_id, User.role == Role.PROVIDER_STAFF)
    return list(session.scalars(query.order_by(User.name)))


def add_staff_member(provider_id: int, *, name: str, email: str, actor_id: int):
    """A colleague joins the provider's account, invited by e-mail to choose a password."""
    from wallet.accounts.models import Role
    from wallet.accounts.services import create_staff_user

    provider = get_provider(provider_id)
    name = visible_name(name)
    if not name:
        raise ValidationFailed(
            _("Enter the name of your colleague."),
            errors={"name": _("Enter the name of your colleague.")},
        )
    with unit_of_work():
        user = create_staff_user(
            email=email,
            name=name.strip(),
            role=Role.PROVIDER_STAFF,
            provider=provider,
            actor_id=actor_id,
        )
        record(
            "provider",
            provider.id,
            "staff_added",
            actor_id=actor_id,
            after={"user": user.id, "email": user.email},
        )
    return user


# --- a fund's own choice: its schemes pay no new applications at a provider ---------------


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; it is kept in your fund's audit trail."),
            errors={"reason": _("Give a reason.")},
        )
    return reason[:500]


def exclusion_of(fund_id: int, provider_id: int) -> FundProviderExclusion | None:
    """The fund's exclusion of the provider, if there is one."""
    query = sa.select(FundProviderExclusion).where(
        FundProviderExclusion.fund_id == fund_id, FundProviderExclusion.provider_id == provider_id
    )
    return session.scalar(query)


def exclude_provider(
    fund_id: int, provider_id: int, *, reason: str, actor_id: int | None
) -> FundProviderExclusion:
    """The fund's schemes pay no new holds or applications at this provider (audited).

    Applications already made keep their holds; the provider's standing elsewhere and its
    courses in the catalogue do not change.
    """
    provider = get_provider(provider_id)
    reason = _reason(reason)
    already = Conflict(_("Your fund already excludes this provider."))
    if exclusion_of(fund_id, provider.id) is not None:
        raise already
    try:
        with unit_of_work() as db:
            exclusion = FundProviderExclusion(
                fund_id=fund_id,
                provider_id=provider.id,
                reason=reason,
                excluded_by_id=actor_id,
                excluded_at=clock.now(),
            )
            db.add(exclusion)
            db.flush()
            record(
                "fund",
                fund_id,
                "provider_excluded",
                actor_id=actor_id,
                after={"provider": provider.id, "name": provider.name},
                reason=reason,
            )
    except sa.exc.IntegrityError:  # a double click: the other request excluded it first
        raise already from None
    return exclusion


def readmit_provider(fund_id: int, provider_id: int, *, reason: str, actor_id: int | None) -> None:
    """Undo the fund's exclusion: its schemes pay at the provider again (audited)."""
    reason = _reason(reason)
    exclusion = exclusion_of(fund_id, provider_id)
    if exclusion is None:
        raise Conflict(_("Your fund does not exclude this provider."))
    with unit_of_work() as db:
        record(
            "fund",
            fund_id,
            "provider_readmitted",
            actor_id=actor_id,
            before={"provider": provider_id, "reason": exclusion.reason},
            reason=reason,
        )
        db.delete(exclusion)
    return


def excluded_providers(fund_ids: set[int]) -> dict[int, frozenset[int]]:
    """For each of these funds, the providers it excludes (one query)."""
    if not fund_ids:
        return {}
    rows = session.execute(
        sa.select(FundProviderExclusion.fund_id, FundProviderExclusion.provider_id).where(
            FundProviderExclusion.fund_id.in_(fund_ids)
        )
    )
    found: dict[int, set[int]] = {}
    for fund_id, provider_id in rows:
        found.setdefault(fund_id, set()).add(provider_id)
    return {fund_id: frozenset(found.get(fund_id, ())) for fund_id in fund_ids}
