"""A training provider signs up its organisation and first user (as employers do theirs)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import visible_name
from wallet.accounts.passwords import hash_password
from wallet.accounts.services import check_new_user, note_self_registration
from wallet.core.db import session, unit_of_work
from wallet.core.errors import ValidationFailed
from wallet.providers.models import Provider, ProviderStatus
from wallet.reference import LANGUAGES
from wallet.verification.signals import check_registration_rate


@dataclass(frozen=True)
class ProviderRegistration:
    """What a training provider fills in to sign up its organisation and first user."""

    organisation_name: str
    kvk_number: str
    name: str
    email: str
    password: str
    preferred_language: str = "nl"


def register_provider(
    data: ProviderRegistration, *, ip_address: str | None = None, device_id: str | None = None
) -> User:
    """Create a provider organisation, pending verification, and its first staff user."""
    check_registration_rate(ip_address)
    errors: dict[str, str] = {}
    email = check_new_user(data.email, data.password, errors, data.name)
    kvk = data.kvk_number.strip().replace(" ", "")
    if not (len(kvk) == 8 and kvk.isdigit()):
        errors["kvk_number"] = _("A KvK number has 8 digits.")
    elif session.scalar(sa.select(sa.func.count()).where(Provider.kvk_number == kvk)):
        errors["kvk_number"] = _("This KvK number is already registered.")
    organisation_name, name = visible_name(data.organisation_name), visible_name(data.name)
    if not organisation_name:
        errors["organisation_name"] = _("Enter the name of the organisation.")
    if not name:
        errors["name"] = _("Enter your name.")
    if data.preferred_language not in LANGUAGES:
        errors["preferred_language"] = _("Choose Dutch, English or German.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        provider = Provider(name=organisation_name, kvk_number=kvk, status=ProviderStatus.PENDING)
        user = User(
            email=email,
            password_hash=hash_password(data.password),
            name=name,
            role=Role.PROVIDER_STAFF,
            provider=provider,
            preferred_language=data.preferred_language,
        )
        db.add(user)
        note_self_registration(user, ip_address, device_id)
    return user
