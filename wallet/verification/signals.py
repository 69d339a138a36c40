"""What registration and sign-in leave behind: the address, its network, the device cookie.

From them come the registration limit (per address and per /24 or /64 network) and the
signals of one person behind several accounts: the same name, date of birth and postcode,
or the same browser. Such a signal puts the newer account's grants on hold (holds.py).
Workers have no IBAN of their own in Leerwallet (a co-payment is refunded through Stripe),
so the same refund IBAN is not a signal here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from wallet.accounts.models import Role, User, WorkerProfile
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import DomainError
from wallet.verification.models import AccountSignal, IdentityMatch, MatchKind, SignalKind


class RegistrationThrottled(DomainError):
    """Too many accounts registered from one address or network lately."""

    status = 429
    title = "Too many registrations"
    code = "registration-throttled"


def network_of(ip_address: str) -> str:
    """The /24 of an IPv4 address or the /64 of an IPv6 one; the text itself if neither."""
    try:
        address = ipaddress.ip_address(ip_address)
    except ValueError:
        return ip_address[:50]
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _registrations_since(since: dt.datetime, *conditions) -> int:
    query = sa.select(sa.func.count()).where(
        AccountSignal.kind == SignalKind.REGISTRATION,
        AccountSignal.created_at >= since,
        *conditions,
    )
    return int(session.scalar(query) or 0)


def check_registration_rate(ip_address: str | None) -> None:
    """RegistrationThrottled when this address, or its network, registered its share lately.

    REGISTRATION_LIMIT_PER_ADDRESS and REGISTRATION_LIMIT_PER_NETWORK accounts may be made in
    REGISTRATION_LIMIT_MINUTES; a network gets more than an address, for offices and schools.
    """
    if not ip_address:
        return
    config = current_app.config
    minutes = config["REGISTRATION_LIMIT_MINUTES"]
    since = clock.now() - dt.timedelta(minutes=minutes)
    by_address = _registrations_since(since, AccountSignal.ip_address == ip_address[:45])
    by_network = _registrations_since(since, AccountSignal.network == network_of(ip_address))
    if (
        by_address >= config["REGISTRATION_LIMIT_PER_ADDRESS"]
        or by_network >= config["REGISTRATION_LIMIT_PER_NETWORK"]
    ):
        raise RegistrationThrottled(
            _(
                "Too many accounts were made from your internet connection lately. Try again "
                "in %(minutes)d minutes, or ask your fund for help.",
                minutes=minutes,
            )
        )


def _leave(user: User, kind: SignalKind, ip_address: str | None, device_id: str | None) -> None:
    ip_address = (ip_address or "unknown")[:45]
    device_id = device_id[:64] if device_id else None
    session.add(
        AccountSignal(
            user_id=user.id,
            kind=kind,
            ip_address=ip_address,
            network=network_of(ip_address),
            device_id=device_id,
            created_at=clock.now(),
        )
    )


def _match(user_id: int, other_ids: list[int], kind: MatchKind) -> list[int]:
    """Record `user_id` as matching each of `other_ids` (once per pair and kind)."""
    known = set(
        session.scalars(
            sa.select(IdentityMatch.other_user_id).where(
                IdentityMatch.user_id == user_id, IdentityMatch.kind == kind
            )
        )
    )
    new = [other for other in other_ids if other not in known and other != user_id]
    for other in new:
        session.add(
            IdentityMatch(user_id=user_id, other_user_id=other, kind=kind, found_at=clock.now())
        )
    session.flush()
    return new


def _same_person(user: User) -> list[int]:
    """Older workers with the same name, date of birth and postcode."""
    profile = user.profile
    if profile is None or not profile.postcode:
        return []
    query = (
        sa.select(User.id)
        .join(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(
            User.id != user.id,
            User.role == Role.WORKER,
            sa.func.lower(User.name) == user.name.lower(),
            WorkerProfile.date_of_birth == profile.date_of_birth,
            WorkerProfile.postcode == profile.postcode,
        )
    )
    return list(session.scalars(query))


def _same_device(user: User, device_id: str | None) -> list[int]:
    """Other workers who registered or signed in with this browser."""
    if not device_id:
        return []
    query = (
        sa.select(AccountSignal.user_id)
        .join(User, User.id == AccountSignal.user_id)
        .where(
            AccountSignal.device_id == device_id[:64],
            AccountSignal.user_id != user.id,
            User.role == Role.WORKER,
        )
        .distinct()
    )
    return list(session.scalars(query))


def record_registration(user: User, ip_address: str | None, device_id: str | None) -> None:
    """A self-registration's signal and the matches it shows (caller's unit of work)."""
    session.flush()
    _leave(user, SignalKind.REGISTRATION, ip_address, device_id)
    if user.role != Role.WORKER:
        return
    _match(user.id, _same_person(user), MatchKind.PERSON)
    _match(user.id, _same_device(user, device_id), MatchKind.DEVICE)


def record_sign_in(user: User, ip_address: str | None, device_id: str | None) -> None:
    """A sign-in's signal; a browser shared with another worker holds the newer account's
    grants (caller's unit of work)."""
    from wallet.verification.holds import hold_grants_of

    _leave(user, SignalKind.SIGN_IN, ip_address, device_id)
    if user.role != Role.WORKER:
        return
    for other in _same_device(user, device_id):
        newer, older = (user.id, other) if user.id > other else (other, user.id)
        if _match(newer, [older], MatchKind.DEVICE):
            hold_grants_of(newer)


def recheck_same_person(user: User) -> None:
    """After a worker changed their name, date of birth or postcode: match them with any
    other worker who now has the same three, and hold the newer account's grants, as a
    browser shared at sign-in does (caller's unit of work)."""
    from wallet.verification.holds import hold_grants_of

    if user.role != Role.WORKER:
        return
    for other in _same_person(user):
        newer, older = (user.id, other) if user.id > other else (other, user.id)
        if _match(newer, [older], MatchKind.PERSON):
            hold_grants_of(newer)


def under_review(user_id_column) -> sa.ColumnElement[bool]:
    """SQL: the account has a match no administrator cleared yet."""
    return sa.exists().where(
        IdentityMatch.user_id == user_id_column, IdentityMatch.cleared_at.is_(None)
    )


def matches_of(user_ids: list[int]) -> dict[int, list[tuple[MatchKind, User]]]:
    """Each account's open matches: the kind and the older account it matched."""
    other = aliased(User)
    rows = session.execute(
        sa.select(IdentityMatch.user_id, IdentityMatch.kind, other)
        .join(other, other.id == IdentityMatch.other_user_id)
        .where(IdentityMatch.user_id.in_(user_ids))
        .order_by(IdentityMatch.id)
    ).all()
    found: dict[int, list[tuple[MatchKind, User]]] = {}
    for user_id, kind, user in rows:
        found.setdefault(user_id, []).append((kind, user))
    return found
