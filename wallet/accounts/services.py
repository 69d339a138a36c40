"""Use cases of accounts: registration, login with throttling, language, API tokens."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from wallet.accounts.models import ApiToken, LoginFailure, Role, User, WorkerProfile
from wallet.accounts.names import normalise_email, visible_name
from wallet.accounts.passwords import (
    NO_PASSWORD,
    hash_password,
    password_problem,
    verify_password,
)
from wallet.accounts.scopes import ROLE_SCOPES, Scope, format_scopes, parse_scopes
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError, NotFound, ValidationFailed
from wallet.core.tokens import digest, new_token
from wallet.reference import EMPLOYMENT_STATUSES, LANGUAGES, SECTORS, municipality

TOKEN_PREFIX = "lw_"  # noqa: S105 - a prefix, not a secret
# Whose systems may hold an API token: providers', employers' (HR systems), funds' and the
# fund's brokers'. Workers and platform administrators use the screens.
TOKEN_ROLES = (Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.FUND_ADMIN, Role.BROKER)


class LoginRefused(DomainError):
    """Wrong e-mail or password, or an inactive account."""

    status = 401
    title = "Login refused"
    code = "login-refused"


class AccountBlocked(DomainError):
    """The right password, for an account a platform administrator blocked."""

    status = 403
    title = "Account blocked"
    code = "account-blocked"


class LoginThrottled(DomainError):
    """Too many failed logins for this e-mail address or IP address."""

    status = 429
    title = "Too many attempts"
    code = "login-throttled"


POSTCODE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")


@dataclass(frozen=True, kw_only=True)
class WorkerDetails:
    """The facts a worker gives about themselves: at sign-up, and later on their profile."""

    name: str
    date_of_birth: dt.date
    municipality_code: str
    employment_status: str
    sector: str
    occupation: str
    education_level: int
    target_occupation: str
    postcode: str = ""  # optional: "7511 AB"
    house_number: str = ""


@dataclass(frozen=True, kw_only=True)
class WorkerRegistration(WorkerDetails):
    """What a worker fills in to sign up: their details, an e-mail address and a password."""

    email: str
    password: str
    preferred_language: str = "nl"


def _check_new_user(
    email: str, password: str | None, errors: dict[str, str], name: str = ""
) -> str:
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = _("Enter a valid e-mail address, like naam@voorbeeld.nl.")
    else:
        taken = session.scalar(sa.select(sa.func.count()).where(User.email == email))
        if taken:
            errors["email"] = _("An account with this e-mail address already exists.")
    problem = (
        password_problem(password, email, visible_name(name)) if password is not None else None
    )
    if problem:
        errors["password"] = problem
    return email


def check_new_user(email: str, password: str, errors: dict[str, str], name: str = "") -> str:
    """The normalised e-mail of a new user; problems with it or the password go in `errors`."""
    return _check_new_user(email, password, errors, name)


def _check_language(language: str, errors: dict[str, str]) -> None:
    if language not in LANGUAGES:
        errors["preferred_language"] = _("Choose Dutch, English or German.")


def note_self_registration(user: User, ip_address: str | None, device_id: str | None) -> None:
    """Who registered themselves leaves a signal and gets a verification link (caller's unit
    of work): see wallet.verification."""
    from wallet.verification.links import send_link
    from wallet.verification.signals import record_registration

    record_registration(user, ip_address, device_id)
    send_link(user)


def register_worker(
    data: WorkerRegistration, *, ip_address: str | None = None, device_id: str | None = None
) -> User:
    """Create a worker with their profile, or raise ValidationFailed listing every problem.

    `ip_address` counts against the registration limit (RegistrationThrottled, 429) and,
    with the browser's `device_id`, is kept as a signal of one person behind several accounts.
    """
    from wallet.verification.signals import check_registration_rate

    check_registration_rate(ip_address)
    errors: dict[str, str] = {}
    email = _check_new_user(data.email, data.password, errors, data.name)
    name = visible_name(data.name)
    if not name:
        errors["name"] = _("Enter your name.")
    if municipality(data.municipality_code) is None:
        errors["municipality_code"] = _("Choose a municipality in Overijssel or Gelderland.")
    if data.employment_status not in EMPLOYMENT_STATUSES:
        errors["employment_status"] = _("Choose your employment status.")
    if data.sector not in SECTORS:
        errors["sector"] = _("Choose the sector you work in now.")
    if not 1 <= data.education_level <= 8:
        errors["education_level"] = _("Choose an education level from NLQF 1 to 8.")
    today = clock.today()
    age = (today - data.date_of_birth).days // 365
    if data.date_of_birth >= today or not 15 <= age <= 100:
        errors["date_of_birth"] = _("Enter your real date of birth.")
    _check_language(data.preferred_language, errors)
    postcode = data.postcode.replace(" ", "").upper()
    if postcode and not POSTCODE.match(postcode):
        errors["postcode"] = _("Enter a Dutch postcode, like 7511 AB.")
    house_number = data.house_number.strip().lower()
    if postcode and not 1 <= len(house_number) <= 10:
        errors["house_number"] = _("Enter the house number that goes with the postcode.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        user = User(
            email=email,
            password_hash=hash_password(data.password),
            name=name,
            role=Role.WORKER,
            preferred_language=data.preferred_language,
        )
        user.profile = WorkerProfile(
            date_of_birth=data.date_of_birth,
            municipality_code=data.municipality_code,
            employment_status=data.employment_status,
            sector=data.sector,
            occupation=data.occupation.strip(),
            education_level=data.education_level,
            target_occupation=data.target_occupation.strip(),
            postcode=postcode or None,
            house_number=(house_number or None) if postcode else None,
        )
        db.add(user)
        note_self_registration(user, ip_address, device_id)
    return user


def _recent_failures(*conditions) -> int:
    window = dt.timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])
    since = clock.now() - window
    query = sa.select(sa.func.count()).where(*conditions, LoginFailure.failed_at >= since)
    return session.scalar(query) or 0


# How long an address's failures on one account are remembered for its growing wait.
PAIR_MEMORY = dt.timedelta(hours=24)


def _pair_wait(email: str, ip_address: str) -> tuple[int, dt.timedelta | None]:
    """This address's failures on this account in the last day, and how long it must still
    wait: every LOGIN_THROTTLE_ATTEMPTS failures double the wait after the latest one (5
    failures wait LOGIN_THROTTLE_MINUTES, 10 twice that, 15 four times, at most a day)."""
    config, now = current_app.config, clock.now()
    limit, window = config["LOGIN_THROTTLE_ATTEMPTS"], config["LOGIN_THROTTLE_MINUTES"]
    count, last = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.failed_at)).where(
            LoginFailure.email == email,
            LoginFailure.ip_address == ip_address,
            LoginFailure.failed_at >= now - PAIR_MEMORY,
        )
    ).one()
    if count < limit:
        return count, None
    wait = min(PAIR_MEMORY, dt.timedelta(minutes=window) * 2 ** (count // limit - 1))
    remaining = last + wait - now
    return count, remaining if remaining > dt.timedelta(0) else None


def throttled(email: str, ip_address: str) -> dt.timedelta | None:
    """How long this address must wait before it may try a password for this account, or
    None when it may try now."""
    limit = current_app.config["LOGIN_THROTTLE_ATTEMPTS"]
    window = dt.timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])
    if _recent_failures(LoginFailure.ip_address == ip_address) >= limit * 10:
        return window
    pair, wait = _pair_wait(email, ip_address)
    if wait is not None:
        return wait
    # Guessed at from many addresses: each address that already failed on it stops at once.
    if pair > 0 and _recent_failures(LoginFailure.email == email) >= limit * 10:
        return window
    return None


def authenticate(email: str, password: str, ip_address: str) -> User:
    """The user these credentials belong to; LoginRefused or LoginThrottled otherwise.

    Throttling slows guessing without letting a guesser lock others out: an address with
    LOGIN_THROTTLE_ATTEMPTS failures on one account waits LOGIN_THROTTLE_MINUTES for that
    account, and each further LOGIN_THROTTLE_ATTEMPTS failures within a day double the wait
    (at most a day), so one address gets fewer guesses the longer it guesses. In the last
    LOGIN_THROTTLE_MINUTES, an address with 10 x the limit failures is stopped for every
    account, and an account with 10 x the limit failures from all addresses together stops
    every address that failed on it at its first failure. An address with no failures of its
    own is never stopped, so the owner's right password works from their own address while
    someone else guesses, and a password reset forgives the account's failures. Failures are
    recorded (and committed) before the refusal, so throttling holds across processes.
    """
    email, ip_address = normalise_email(email)[:254], ip_address[:45]
    wait = throttled(email, ip_address)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise LoginThrottled(
            _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
        )
    user = session.scalar(sa.select(User).where(User.email == email))
    correct = verify_password(user.password_hash if user else None, password)
    if correct and user.blocked:
        # Told only to whoever knows the password, so it reveals nothing to a guesser.
        raise AccountBlocked(blocked_message())
    if correct and user.active:
        with unit_of_work() as db:
            user.last_login_at = clock.now()
            # Only this address's slips are forgiven: a guesser elsewhere keeps their count.
            db.execute(
                sa.delete(LoginFailure).where(
                    LoginFailure.email == email, LoginFailure.ip_address == ip_address
                )
            )
        return user
    with unit_of_work() as db:
        db.add(LoginFailure(email=email, ip_address=ip_address))
    raise LoginRefused(_("The e-mail address or password is not correct."))


def support_contact() -> str:
    """The address people write to about their account (SUPPORT_EMAIL)."""
    return current_app.config.get("SUPPORT_EMAIL", "helpdesk@leerwallet.nl")


def blocked_message() -> str:
    """What a blocked person is told when they sign in, and whom to ask."""
    contact = support_contact()
    return _(
        "Your account is blocked, so you cannot sign in. Ask the Leerwallet helpdesk "
        "(%(contact)s) or your fund why, and to unblock it.",
        contact=contact,
    )


def set_language(user: User | None, language: str) -> None:
    """Remember `language` for a logged-in user (anonymous visitors keep it in their session)."""
    if language not in LANGUAGES:
        raise ValidationFailed(_("Choose Dutch, English or German."))
    if user is None:
        return
    with unit_of_work():
        user.preferred_language = language


def _check_token_terms(user: User, name: str, scopes, valid_days: int | None):
    """The cleaned name, scopes and lifetime of a new token; every problem in one error."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = _("Give the token a name of at most 100 characters.")
    allowed = {scope.value for scope in ROLE_SCOPES.get(user.role, frozenset())}
    wanted = set(allowed) if scopes is None else {str(scope) for scope in scopes}
    if not wanted:
        errors["scopes"] = _("Choose at least one scope.")
    elif not wanted <= allowed:
        errors["scopes"] = _(
            "Your role cannot give a token these scopes: %(scopes)s.",
            scopes=", ".join(sorted(wanted - allowed)),
        )
    config = current_app.config
    days = config["API_TOKEN_DAYS"] if valid_days is None else valid_days
    if not 1 <= days <= config["API_TOKEN_MAX_DAYS"]:
        errors["valid_days"] = _(
            "A token is valid for 1 to %(days)d days.", days=config["API_TOKEN_MAX_DAYS"]
        )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return name, format_scopes(wanted), dt.timedelta(days=days)


def create_api_token(
    user: User, name: str, scopes=None, valid_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for `user` with `scopes` (default: all its role allows) for
    `valid_days` (default API_TOKEN_DAYS, at most API_TOKEN_MAX_DAYS); the plain token is
    returned this once and never stored."""
    if not user.has_role(*TOKEN_ROLES):
        raise ValidationFailed(
            _("API tokens are for the systems of providers, employers and funds.")
        )
    name, scope_list, lifetime = _check_token_terms(user, name, scopes, valid_days)
    plain = TOKEN_PREFIX + new_token()
    now = clock.now()
    with unit_of_work() as db:
        token = ApiToken(
            user=user,
            name=name,
            prefix=plain[:10],
            token_hash=digest(plain),
            scopes=scope_list,
            created_at=now,
            expires_at=now + lifetime,
        )
        db.add(token)
        db.flush()
        # A token acts for its user (approve, grant, claim): who gave a system that power is
        # kept, with the prefix that identifies it, never the token itself.
        after = {
            "token": token.id,
            "name": name,
            "prefix": token.prefix,
            "scopes": scope_list,
            "expires_at": token.expires_at.isoformat(),
        }
        record("user", user.id, "api_token_created", actor_id=user.id, after=after)
    return token, plain


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id)
    return list(session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("There is no such token."))
    with unit_of_work():
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            before = {"token": token.id, "name": token.name, "prefix": token.prefix}
            record("user", user.id, "api_token_revoked", actor_id=user.id, before=before)
    return token


def token_for(plain: str) -> ApiToken | None:
    """The live token (not revoked, not expired, of an active user) `plain` is, or None.
    Its last use is noted, at most once every API_TOKEN_USE_SECONDS."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    if token is None or token.is_revoked or token.is_expired or not token.user.active:
        return None
    _note_use(token)
    return token


def _note_use(token: ApiToken) -> None:
    # One conditional UPDATE a minute at most, not a write per request: a busy integration
    # would otherwise write (and on SQLite lock) on every call. The condition makes parallel
    # requests in several processes write once between them.
    now = clock.now()
    since = now - dt.timedelta(seconds=current_app.config["API_TOKEN_USE_SECONDS"])
    if token.last_used_at is not None and token.last_used_at > since:
        return
    with unit_of_work() as db:
        db.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token.id)
            .where(sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= since))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )


def user_for_token(plain: str) -> User | None:
    """The active user a presented, live API token belongs to, or None."""
    token = token_for(plain)
    return token.user if token is not None else None


def token_scopes(token: ApiToken) -> frozenset[Scope]:
    """What the token may do now: its scopes that its user's role allows."""
    return parse_scopes(token.scopes) & ROLE_SCOPES.get(token.user.role, frozenset())


def create_staff_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    provider=None,
    fund=None,
    employer=None,
    actor_id: int | None = None,
) -> User:
    """Create a fund or platform administrator, or a provider's or employer's staff member.

    Without a password (every page that adds colleagues) the new user is invited: an e-mail
    with a link to choose their own password, and no sign-in until they did. A password is
    given only by the operator's own commands and the demo, never typed for someone else.
    """
    from wallet.accounts.resets import invite

    errors: dict[str, str] = {}
    email = _check_new_user(email, password, errors, name)
    name = visible_name(name)
    if not name:
        errors["name"] = _("Enter a name.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    with unit_of_work() as db:
        user = User(
            email=email,
            password_hash=hash_password(password) if password is not None else NO_PASSWORD,
            name=name,
            role=role,
            provider=provider,
            fund=fund,
            employer=employer,
        )
        db.add(user)
        db.flush()
        # Staff decide on money (approve, pay) or claim it: who gave them access is recorded.
        record(
            "user",
            user.id,
            "staff_added",
            actor_id=actor_id,
            after={
                "role": role.value,
                "provider": provider and provider.id,
                "fund": fund and fund.id,
                "employer": employer and employer.id,
                "invited": password is None,
            },
        )
        if password is not None:
            # Only the operator's commands and the demo give a password: they vouch for the
            # address. An invited colleague proves it by opening the invitation.
            from wallet.verification.links import mark_verified

            mark_verified(user, how="operator")
        if password is None:
            organisation = provider or fund or employer
            invite(user, organisation=organisation.name if organisation else "Leerwallet")
    return user


def count_users_by_role() -> dict[Role, int]:
    """How many users hold each role (all roles present, zero where none)."""
    rows = session.execute(sa.select(User.role, sa.func.count()).group_by(User.role))
    counts = dict.fromkeys(Role, 0)
    counts.update(dict(rows.all()))
    return counts


def find_worker_id(email: str) -> int | None:
    """The id of the worker with this e-mail address, or None."""
    query = sa.select(User.id).where(User.email == normalise_email(email), User.role == Role.WORKER)
    return session.scalar(query)
