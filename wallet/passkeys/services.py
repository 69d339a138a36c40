"""Use cases of passkeys: add and remove them, sign in with one, check one as second factor.

Every ceremony starts with options from the server (`registration_options`,
`sign_in_options`, `assertion_options`): JSON for the browser's navigator.credentials, whose
challenge is kept in the session (ceremony.py). The browser's answer comes back as the JSON
of the PublicKeyCredential and is verified with the `webauthn` package: challenge, origin,
relying party id, signature, user presence and the signature counter. An answer is accepted
once; a counter that did not grow means a copied or replayed passkey and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_user_handle,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from wallet.accounts.models import Role, User
from wallet.accounts.signals import second_factor_changed
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import DomainError, NotFound, ValidationFailed
from wallet.passkeys import notices
from wallet.passkeys.ceremony import (
    lifetime,
    mark_answered,
    new_challenge,
    relying_party,
    take_challenge,
)
from wallet.passkeys.models import Passkey

REGISTER, SIGN_IN, SECOND_FACTOR = "register", "sign_in", "second_factor"
MAX_PASSKEYS = 20  # per user: plenty for every phone, laptop and key a person has
MAX_ANSWER_LENGTH = 20_000  # characters of a browser's answer; real ones are a few hundred
NAME_LENGTH = 100
# What a malformed answer can raise inside the `webauthn` package besides its own errors (a
# COSE key without its curve is a KeyError there): all of it is a refusal, never a 500.
MALFORMED = (WebAuthnException, KeyError, TypeError, ValueError)
# Sign-in without a password: workers only. Staff decide on money and sign in with their
# password plus a second factor, for which a passkey serves through `verify_assertion`.
PASSWORDLESS_ROLES = (Role.WORKER,)


@dataclass(frozen=True)
class _CheckedAnswer:
    """A verified answer, not yet accepted: its passkey, challenge and new counter."""

    passkey: Passkey
    challenge: bytes
    sign_count: int


class PasskeyRefused(DomainError):
    """The browser's answer did not prove the passkey, or the ceremony expired."""

    status = 400
    title = "Passkey refused"
    code = "passkey-refused"


def _refused() -> PasskeyRefused:
    return PasskeyRefused(
        _(
            "The passkey could not be checked. Try again; if it keeps failing, "
            "sign in with your password."
        )
    )


def _timeout_ms() -> int:
    return int(lifetime().total_seconds() * 1000)


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    known = {transport.value for transport in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(t) for t in passkey.transports if t in known],
        )
        for passkey in passkeys
    ]


def passkeys_of(user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    query = sa.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)
    return list(session.scalars(query))


def has_passkeys(user: User) -> bool:
    """True when the user has at least one passkey (to offer it as second factor)."""
    query = sa.select(sa.func.count()).where(Passkey.user_id == user.id)
    return bool(session.scalar(query))


# --- adding and removing -------------------------------------------------------------------


def registration_options(user: User) -> dict:
    """Options for navigator.credentials.create(): a discoverable passkey for `user`, none of
    the passkeys they already have. The challenge and user handle wait in the session."""
    rp, existing = relying_party(), passkeys_of(user)
    handle = existing[0].user_handle if existing else bytes_to_base64url(generate_user_handle())
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_id=base64url_to_bytes(handle),
        user_display_name=user.name,
        challenge=new_challenge(REGISTER, user_handle=handle, user_id=str(user.id)),
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
    )
    return options_to_json_dict(options)


def add_passkey(user: User, name: str, answer: str) -> Passkey:
    """Verify the browser's answer to `registration_options` and keep the new passkey under
    `name`; audited, and the owner gets an e-mail. ValidationFailed for a wrong name (the
    ceremony can then be sent again), PasskeyRefused when the answer proves nothing."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_LENGTH:
        message = _("Give the passkey a name of at most 100 characters, like 'Phone'.")
        raise ValidationFailed(message, errors={"name": message})
    taken = take_challenge(REGISTER)
    if taken is None or taken[1].get("user_id") != str(user.id):
        raise PasskeyRefused(_("Adding the passkey took too long. Try again."))
    challenge, kept = taken
    if len(passkeys_of(user)) >= MAX_PASSKEYS:
        raise PasskeyRefused(
            _(
                "You have %(count)d passkeys already; remove one you no longer use first.",
                count=MAX_PASSKEYS,
            )
        )
    rp = relying_party()
    try:
        credential = parse_registration_credential_json((answer or "")[:MAX_ANSWER_LENGTH])
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except MALFORMED as error:
        current_app.logger.info("passkey registration refused: %s", error)
        raise _refused() from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyRefused(_("This passkey is added already."))
    transports = [t.value for t in credential.response.transports or []]
    with unit_of_work() as db:
        if not mark_answered(challenge):
            raise _refused()
        passkey = Passkey(
            user_id=user.id,
            name=name,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=transports,
            user_handle=kept["user_handle"],
            created_at=clock.now(),
        )
        db.add(passkey)
        db.flush()
        record(
            "user",
            user.id,
            "passkey_added",
            actor_id=user.id,
            after={"passkey": passkey.id, "name": name},
        )
        notices.tell_owner(user, "passkey_added", name=name)
        second_factor_changed.send(user)
    return passkey


def remove_passkey(user: User, passkey_id: int) -> Passkey:
    """Remove one of the user's own passkeys at once; audited, and the owner gets an e-mail."""
    passkey = session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound(_("There is no such passkey."))
    with unit_of_work() as db:
        record(
            "user",
            user.id,
            "passkey_removed",
            actor_id=user.id,
            before={"passkey": passkey.id, "name": passkey.name},
        )
        notices.tell_owner(user, "passkey_removed", name=passkey.name)
        db.delete(passkey)
        second_factor_changed.send(user)
    return passkey


# --- signing in ----------------------------------------------------------------------------


def sign_in_options() -> dict:
    """Options for navigator.credentials.get() on the sign-in page: no user named, so the
    device offers the passkeys it holds for this site (discoverable credentials)."""
    options = generate_authentication_options(
        rp_id=relying_party().id,
        challenge=new_challenge(SIGN_IN),
        timeout=_timeout_ms(),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json_dict(options)


def sign_in_with_passkey(answer: str) -> User:
    """The worker whose passkey answered `sign_in_options`, its counter moved on; the device
    must have verified the person (fingerprint, face or PIN), so the passkey is two factors
    in one. PasskeyRefused otherwise, also for staff, who sign in with their password."""
    checked = _check_answer(SIGN_IN, answer, user=None, require_user_verification=True)
    user = session.get(User, checked.passkey.user_id)
    if user is None or not user.active:
        raise _refused()
    if user.role not in PASSWORDLESS_ROLES:
        raise PasskeyRefused(
            _(
                "Signing in with only a passkey is for workers. Log in with your "
                "e-mail address and password."
            )
        )
    with unit_of_work():
        _accept(checked)
        user.last_login_at = clock.now()
    return user


# --- second factor ---------------------------------------------------------------------------


def assertion_options(user: User) -> dict:
    """Options for navigator.credentials.get() asking for one of `user`'s own passkeys, as the
    second factor after their password (or for a step-up). Send them to the browser as JSON;
    its answer goes to `verify_assertion`. The challenge waits in the session; a new call
    replaces it. PasskeyRefused when the user has no passkey (offer it only where
    `has_passkeys(user)`)."""
    passkeys = passkeys_of(user)
    if not passkeys:
        raise PasskeyRefused(_("You have no passkey."))
    options = generate_authentication_options(
        rp_id=relying_party().id,
        challenge=new_challenge(SECOND_FACTOR, user_id=str(user.id)),
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json_dict(options)


def verify_assertion(user: User, response_json: str) -> bool:
    """True when `response_json` (the browser's PublicKeyCredential as JSON) answers the
    latest `assertion_options(user)` with one of `user`'s own passkeys: right challenge (once,
    within PASSKEY_CHALLENGE_SECONDS), origin, relying party and signature, and a counter
    that moved on. The passkey's counter and last use are committed here, so call it outside
    a unit of work. False for anything else; it never raises for a bad answer.
    """
    require_no_unit_of_work("verify_assertion")
    try:
        checked = _check_answer(
            SECOND_FACTOR, response_json, user=user, require_user_verification=False
        )
        with unit_of_work():
            _accept(checked)
    except PasskeyRefused:
        return False
    return True


# --- checking an answer ----------------------------------------------------------------------


def _check_answer(
    purpose: str, answer: str, *, user: User | None, require_user_verification: bool
) -> _CheckedAnswer:
    """The verified answer to the challenge of `purpose` by a passkey (of `user` when given);
    PasskeyRefused for anything else. Nothing is written yet: see `_accept`."""
    taken = take_challenge(purpose)
    if taken is None or (user is not None and taken[1].get("user_id") != str(user.id)):
        raise PasskeyRefused(_("Signing in with the passkey took too long. Try again."))
    challenge = taken[0]
    try:
        credential = parse_authentication_credential_json((answer or "")[:MAX_ANSWER_LENGTH])
    except MALFORMED as error:
        raise _refused() from error
    passkey = session.scalar(sa.select(Passkey).where(Passkey.credential_id == credential.id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise _refused()
    handle = credential.response.user_handle
    if handle is not None and bytes_to_base64url(handle) != passkey.user_handle:
        raise _refused()
    rp = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=require_user_verification,
        )
    except MALFORMED as error:
        current_app.logger.info("passkey %s refused: %s", passkey.id, error)
        raise _refused() from error
    return _CheckedAnswer(passkey, challenge, verified.new_sign_count)


def _accept(checked: _CheckedAnswer) -> None:
    """Inside the caller's unit of work: the challenge is answered once, and the counter
    moves from the value the answer was checked against, so of two racing answers with the
    same counter only one counts."""
    passkey = checked.passkey
    if not mark_answered(checked.challenge):
        raise _refused()
    moved = session.execute(
        sa.update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
        .values(sign_count=checked.sign_count, last_used_at=clock.now())
    ).rowcount
    if moved != 1:
        raise _refused()
