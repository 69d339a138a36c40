"""Use cases of identity-provider sign-in: who a subject is, linking it once, registering."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from wallet.accounts import services as accounts
from wallet.accounts.models import User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict
from wallet.oidc.client import ProviderIdentity
from wallet.oidc.models import OidcIdentity


class IdentityAlreadyLinked(Conflict):
    """The account already has an identity of this issuer, or the subject has an account."""

    code = "oidc-identity-already-linked"


def known_user(identity: ProviderIdentity) -> User | None:
    """The active account this issuer's subject is linked to, noting the sign-in; or None."""
    linked = session.scalar(
        sa.select(OidcIdentity).where(
            OidcIdentity.issuer == identity.issuer, OidcIdentity.subject == identity.subject
        )
    )
    if linked is None or not linked.user.active:
        return None
    with unit_of_work():
        linked.last_used_at = clock.now()
        linked.user.last_login_at = linked.last_used_at
    return linked.user


def link_with_password(identity: ProviderIdentity, email: str, password: str, ip: str) -> User:
    """Link the subject to the account whose password the person just gave.

    The password check is the login's own (throttled, failures recorded), so linking is no
    way around it. LoginRefused, LoginThrottled or IdentityAlreadyLinked otherwise.
    """
    user = accounts.authenticate(email, password, ip)
    with unit_of_work():
        _link(user, identity)
    return user


def register_worker(
    identity: ProviderIdentity,
    data: accounts.WorkerRegistration,
    *,
    ip_address: str | None = None,
    device_id: str | None = None,
) -> User:
    """A new worker account with the subject linked to it, both or neither; counted against
    the registration limit of the address like any other registration."""
    with unit_of_work():
        user = accounts.register_worker(data, ip_address=ip_address, device_id=device_id)
        session.flush()
        _link(user, identity)
    return user


def _link(user: User, identity: ProviderIdentity) -> None:
    from wallet.notifications.services import notify

    _refuse_a_second_link(user, identity)
    linked = OidcIdentity(issuer=identity.issuer, subject=identity.subject, user_id=user.id)
    session.add(linked)
    try:
        session.flush()
    except IntegrityError as error:
        # Linked by a request that ran at the same moment: the unique keys decide.
        raise IdentityAlreadyLinked(_already_linked()) from error
    # The subject stays in its table; the trail and the e-mail name the issuer only.
    record(
        "user",
        user.id,
        "oidc_identity_linked",
        actor_id=user.id,
        after={"identity": linked.id, "issuer": identity.issuer},
    )
    notify(user, "oidc_identity_linked", provider=current_app.config["OIDC_LABEL"])


def _refuse_a_second_link(user: User, identity: ProviderIdentity) -> None:
    taken = session.scalar(
        sa.select(sa.func.count()).where(
            OidcIdentity.issuer == identity.issuer,
            sa.or_(OidcIdentity.user_id == user.id, OidcIdentity.subject == identity.subject),
        )
    )
    if taken:
        raise IdentityAlreadyLinked(_already_linked())


def _already_linked() -> str:
    return _(
        "This account is already linked to a %(label)s identity, or this identity to "
        "another account. An account can be linked once; your fund or the platform "
        "administrators can change it.",
        label=current_app.config["OIDC_LABEL"],
    )
