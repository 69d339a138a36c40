"""Use cases of the second factor: enrol, verify (code or recovery code), replace, remove,
and the freshness that step-up asks for."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Callable

import pyotp
import sqlalchemy as sa
from flask import current_app, has_request_context, session
from flask_babel import gettext as _

from wallet.accounts.models import LoginFailure, Role, User
from wallet.accounts.services import LoginThrottled, throttled
from wallet.accounts.signals import second_factor_changed, second_factor_given
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session as db_session
from wallet.core.db import unit_of_work
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.twofactor import recovery, vault
from wallet.twofactor.models import TRANSITIONS, FactorState, RecoveryCode, TotpFactor
from wallet.twofactor.notices import notify

ISSUER = "Leerwallet"
STEP_SECONDS = 30
# Everyone who decides on money, claims it or keeps bank details must have a second factor.
MUST_ENROL = frozenset(role for role in Role if role != Role.WORKER)
# The ways a person can answer a challenge; another method (passkeys) adds itself here and
# a template `twofactor/methods/<name>.html` that the challenge pages include.
CHALLENGE_METHODS: list[str] = ["totp"]
# Other factors a person can step up with besides the app, each a test of whether `user` has
# one (passkeys add theirs): a worker whose only factor is a passkey steps up with it.
STEP_UP_FACTORS: list[Callable[[User], bool]] = []


class StepUpRequired(Exception):
    """The action needs a second factor given within STEP_UP_MINUTES. Not a DomainError on
    purpose: no view may catch it as a refusal; the app's handler sends the person to the
    step-up page and nothing was changed."""


class CodeRefused(ValidationFailed):
    """A wrong, replayed or used-up code."""


# --- reading -----------------------------------------------------------------------------


def factor_of(user_id: int) -> TotpFactor | None:
    """The user's TOTP factor row, if any."""
    return db_session.scalar(sa.select(TotpFactor).where(TotpFactor.user_id == user_id))


def state_of(user_id: int) -> FactorState:
    """Where the user stands with their factor."""
    factor = factor_of(user_id)
    return factor.state if factor is not None else FactorState.NONE


def is_enrolled(user_id: int) -> bool:
    """True when sign-in and step-up ask this user for a code."""
    return state_of(user_id) in (FactorState.ACTIVE, FactorState.REPLACING)


def must_enrol(user: User) -> bool:
    """True for staff: they may not use Leerwallet without a second factor."""
    return user.role in MUST_ENROL


def asks_password_to_enrol(user: User) -> bool:
    """True for a worker without an authenticator app: adding an app or a passkey then asks
    their password again, as there is no factor to step up with, so a borrowed session cannot
    add a factor of its own (ASVS 7.5.1). Staff enrol right after their password anyway."""
    return user.role == Role.WORKER and not is_enrolled(user.id)


def recovery_codes_left(user_id: int) -> int:
    """How many unused recovery codes the user has."""
    query = sa.select(sa.func.count()).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    )
    return db_session.scalar(query) or 0


def _move(factor: TotpFactor | None, action: str) -> FactorState:
    state = factor.state if factor is not None else FactorState.NONE
    after = TRANSITIONS.get((state, action))
    if after is None:
        raise Conflict(_("This cannot be done with your second factor now."))
    return after


# --- enrolment ---------------------------------------------------------------------------


def provisioning_uri(secret: str, user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def start_enrolment(user: User) -> str:
    """A new secret waiting for its first code; returned to be shown this once. Replacing
    an active factor keeps the old one working until the new one is confirmed."""
    factor = factor_of(user.id)
    _move(factor, "start")
    secret = pyotp.random_base32()
    with unit_of_work() as db:
        if factor is None:
            factor = TotpFactor(user_id=user.id)
            db.add(factor)
        factor.pending_encrypted = vault.seal(secret)
    return secret


def pending_secret(user: User) -> str | None:
    """The secret waiting for its first code (shown again until it is confirmed)."""
    factor = factor_of(user.id)
    if factor is None or factor.pending_encrypted is None:
        return None
    return vault.unseal(factor.pending_encrypted)


def _step(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str) -> int | None:
    """The 30-second step whose code this is (now, or one step either side for a clock
    that runs a little off), or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp, now = pyotp.TOTP(secret), clock.now()
    for drift in (0, -1, 1):
        step = _step(now) + drift
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Confirm the waiting secret with a first code; returns ten recovery codes, shown once.
    The user is told by e-mail and the change is audited."""
    factor = factor_of(user.id)
    _move(factor, "confirm")
    secret = vault.unseal(factor.pending_encrypted)
    step = _matching_step(secret, code)
    if step is None:
        message = _("This code is not correct. Type the 6 digits your app shows now.")
        raise CodeRefused(message, errors={"code": message})
    replaced = factor.state == FactorState.REPLACING
    with unit_of_work():
        factor.secret_encrypted, factor.pending_encrypted = factor.pending_encrypted, None
        factor.confirmed_at, factor.last_step = clock.now(), step
        codes = recovery.new_codes(user.id)
        action = "second_factor_replaced" if replaced else "second_factor_added"
        record("user", user.id, action, actor_id=user.id, after={"method": "totp"})
        notify(user, action)
        second_factor_changed.send(user)
    return codes


def cancel_replacement(user: User) -> None:
    """Drop a new secret that was never confirmed; the active factor stays."""
    factor = factor_of(user.id)
    _move(factor, "cancel")
    with unit_of_work():
        factor.pending_encrypted = None


def remove_factor(user: User) -> None:
    """A worker switches the second factor off (staff cannot: they must keep one)."""
    if must_enrol(user):
        raise Forbidden(_("Your role needs a second factor; you can replace it, not remove it."))
    factor = factor_of(user.id)
    _move(factor, "remove")
    with unit_of_work() as db:
        db.delete(factor)
        db.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        record(
            "user", user.id, "second_factor_removed", actor_id=user.id, before={"method": "totp"}
        )
        notify(user, "second_factor_removed")
        second_factor_changed.send(user)


def set_known_secret(user: User, secret: str) -> None:
    """Give `user` an active factor with a secret the operator chose (the demo's printed
    secrets). Audited; no e-mail, as no person changed anything."""
    factor = factor_of(user.id)
    with unit_of_work() as db:
        if factor is None:
            factor = TotpFactor(user_id=user.id)
            db.add(factor)
        factor.secret_encrypted, factor.pending_encrypted = vault.seal(secret), None
        factor.confirmed_at, factor.last_step = clock.now(), None
        record("user", user.id, "second_factor_set", actor_id=None, after={"method": "totp"})


def current_code(user: User) -> str | None:
    """The code the user's app shows now (the demo's `flask demo totp EMAIL`)."""
    factor = factor_of(user.id)
    if factor is None or factor.secret_encrypted is None:
        return None
    return pyotp.TOTP(vault.unseal(factor.secret_encrypted)).at(clock.now())


# --- verification ------------------------------------------------------------------------


def verify_second_factor(user: User, code: str, ip_address: str) -> str:
    """Accept a current code (once) or an unused recovery code; returns which ("totp" or
    "recovery"). A wrong code counts as a failed sign-in of the account from this address,
    with the same throttle as passwords (accounts.services.throttled): an address that
    guesses waits longer and longer, the owner's own address is not stopped."""
    ip_address = ip_address[:45]
    wait = throttled(user.email, ip_address)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise LoginThrottled(
            _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
        )
    factor = factor_of(user.id)
    if factor is None or factor.secret_encrypted is None:
        raise Conflict(_("You have no second factor yet."))
    typed = "".join(code.split())
    step = _matching_step(vault.unseal(factor.secret_encrypted), typed)
    if step is not None and (factor.last_step is None or step > factor.last_step):
        # The conditional UPDATE accepts one of two requests racing with the same code.
        with unit_of_work() as db:
            done = db.execute(
                sa.update(TotpFactor)
                .where(
                    TotpFactor.id == factor.id,
                    sa.or_(TotpFactor.last_step.is_(None), TotpFactor.last_step < step),
                )
                .values(last_step=step)
            )
        if done.rowcount == 1:
            return "totp"
    elif step is None and len(typed) > 6 and _use_recovery_code(user, typed):
        return "recovery"
    with unit_of_work() as db:
        db.add(LoginFailure(email=user.email, ip_address=ip_address))
    if step is not None:
        message = _("This code was used already. Wait for the next code in your app.")
    else:
        message = _("This code is not correct. Type the 6 digits your app shows now.")
    raise CodeRefused(message, errors={"code": message})


def _use_recovery_code(user: User, typed: str) -> bool:
    with unit_of_work():
        if not recovery.use_code(user.id, typed):
            return False
        record("user", user.id, "recovery_code_used", actor_id=user.id)
        notify(user, "recovery_code_used", left=recovery_codes_left(user.id))
    return True


# --- step-up -----------------------------------------------------------------------------


def stepped_up(user: User) -> None:
    """Remember in the session that `user` just gave a second factor. Every successful
    second factor, at sign-in and at step-up, passes through here; the session gets a new id
    (wallet.sessions hears second_factor_given)."""
    session["second_factor_at"] = clock.now().isoformat()
    second_factor_given.send(user)


def is_fresh() -> bool:
    """True when the session gave a second factor within STEP_UP_MINUTES."""
    given = session.get("second_factor_at")
    if not given:
        return False
    window = dt.timedelta(minutes=current_app.config["STEP_UP_MINUTES"])
    return clock.now() - dt.datetime.fromisoformat(given) <= window


def require_fresh_second_factor(user: User) -> None:
    """Raise StepUpRequired unless `user` has no factor, or gave it within
    STEP_UP_MINUTES. Token (API) requests are never asked: tokens are a separate grant."""
    from wallet.core.errors import wants_problem_json

    if not has_request_context() or wants_problem_json():
        return
    if not has_fresh_second_factor(user):
        raise StepUpRequired


def has_fresh_second_factor(user: User) -> bool:
    """True when `user` has no factor, or gave it in this session within STEP_UP_MINUTES."""
    return not can_step_up(user) or is_fresh()


def can_step_up(user: User) -> bool:
    """True when `user` has a factor to step up with: the app, or another (a passkey)."""
    return is_enrolled(user.id) or any(has_factor(user) for has_factor in STEP_UP_FACTORS)
