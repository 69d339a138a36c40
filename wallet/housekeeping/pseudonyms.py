"""Pseudonymising closed accounts once the retention of their personal data has passed.

PERSONAL_DATA_RETENTION_YEARS after an account was closed, what names or reaches the person
is replaced or removed, while everything that explains money stays whole: grants,
applications, claims, payouts, ledger rows and audit events keep their ids and amounts, so
`flask ledger verify` is as clean as before and the fund's figures do not change.

Replaced: the name ("gebruiker-<id>"), the e-mail address (`removed-<id>@invalid`, which
no mail server accepts), the password (a hash nothing verifies against), the date of birth
(kept as 1 January of its year, which the reports' age groups need), the home address;
the same in placements of the person, and in the audit snapshots of their own account.
Removed: sign-in means (authenticator app, recovery codes, passkeys, linked identities, API
keys), links, sign-in signals and failed logins, sessions, their e-mails in the outbox, and
the certificates of participation of their claims (files and references).
Kept on purpose: municipality, employment status, sector, occupation and education level
(the public figures are built from them and never show small numbers); audit reasons,
which staff wrote about a decision and are part of it.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app

from wallet.accounts.models import (
    ApiToken,
    EmailChange,
    LoginFailure,
    PasswordReset,
    User,
    WorkerProfile,
)
from wallet.applications.models import Application
from wallet.audit.models import AuditEvent
from wallet.audit.services import record
from wallet.claims import files
from wallet.claims.models import Claim, ClaimVersion
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.notifications.models import OutboxMessage
from wallet.oidc.models import OidcIdentity
from wallet.passkeys.models import Passkey
from wallet.placements.models import Placement
from wallet.sessions import services as sessions
from wallet.twofactor.models import RecoveryCode, TotpFactor
from wallet.verification.models import AccountSignal, EmailVerification

log = logging.getLogger("wallet.housekeeping")

# No argon2 hash looks like this, so no password ever matches it.
UNUSABLE_PASSWORD = "!pseudonymised"  # noqa: S105 - a marker, not a secret
REMOVED = "[verwijderd]"
# Keys of audit snapshots that hold a person's data (wallet.profiles, wallet.accounts).
PERSONAL_KEYS = frozenset(
    {
        "name",
        "email",
        "date_of_birth",
        "postcode",
        "house_number",
        "full_name",
        "worker_email",
        "phone",
        "address",
    }
)


def pseudonym(user_id: int) -> str:
    """The name a pseudonymised account goes by."""
    return f"gebruiker-{user_id}"


def removed_email(user_id: int) -> str:
    """An address that is unique and reaches nobody (.invalid is reserved, RFC 2606)."""
    return f"removed-{user_id}@invalid"


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Accounts closed before this moment are due: now minus the retention in years."""
    now = now or clock.now()
    years = int(current_app.config["PERSONAL_DATA_RETENTION_YEARS"])
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year without one
        return now.replace(year=now.year - years, day=28)


def due_accounts() -> list[int]:
    """Ids of the closed accounts past their retention and not pseudonymised yet."""
    return list(
        session.scalars(
            sa.select(User.id)
            .where(User.closed_at < retention_cutoff(), User.pseudonymised_at.is_(None))
            .order_by(User.id)
        )
    )


def pseudonymise_closed_accounts(*, dry_run: bool = False) -> int:
    """Pseudonymise every closed account past its retention, each in its own transaction;
    how many were (or, in a dry run, would be)."""
    due = due_accounts()
    if dry_run:
        return len(due)
    for user_id in due:
        pseudonymise_account(user_id)
    return len(due)


def _delete(db, model, *conditions) -> int:
    statement = sa.delete(model).where(*conditions)
    return db.execute(statement.execution_options(synchronize_session=False)).rowcount


def _cleaned(snapshot: dict | None, user_id: int) -> dict | None:
    if not snapshot or not PERSONAL_KEYS & snapshot.keys():
        return snapshot
    replaced = {"name": pseudonym(user_id), "email": removed_email(user_id)}
    return {
        key: (replaced.get(key, REMOVED) if key in PERSONAL_KEYS and value else value)
        for key, value in snapshot.items()
    }


def _clean_audit_snapshots(user_id: int) -> int:
    """Replace personal values in the snapshots of the account's own audit events. The one
    change audit events ever get: the right to erasure outweighs a verbatim snapshot, and
    what was decided, by whom, when and why stays."""
    changed = 0
    events = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.subject_type == "user", AuditEvent.subject_id == user_id
        )
    )
    for event in events:
        before, after = _cleaned(event.before, user_id), _cleaned(event.after, user_id)
        if before != event.before or after != event.after:
            event.before, event.after = before, after
            changed += 1
    return changed


def _remove_certificates(db, user_id: int) -> set[str]:
    """Unlink the certificates of participation from the person's claims (and their earlier
    versions); the names of the files no claim refers to any more."""
    claims = list(
        db.scalars(
            sa.select(Claim)
            .join(Application, Application.id == Claim.application_id)
            .where(Application.user_id == user_id, Claim.certificate_file.is_not(None))
        )
    )
    names = {claim.certificate_file for claim in claims}
    for claim in claims:
        claim.certificate_file = None
        for version in claim.versions:
            if version.data.get("certificate_file"):
                names.add(version.data["certificate_file"])
                version.data = {**version.data, "certificate_file": None}
    db.flush()
    if not names:
        return set()
    # The same content is stored once (a group certificate may serve several claims): keep
    # what another claim, or an earlier version of one, still names. The name is a SHA-256,
    # so finding it in a version's JSON text is exact.
    still_used = set(
        db.scalars(sa.select(Claim.certificate_file).where(Claim.certificate_file.in_(names)))
    )
    as_text = sa.cast(ClaimVersion.data, sa.Text)
    still_used |= {
        name
        for name in names - still_used
        if db.scalar(sa.select(sa.exists().where(as_text.contains(name, autoescape=True))))
    }
    return names - still_used


def pseudonymise_account(user_id: int) -> dict[str, int]:
    """Replace the closed account's personal data by a pseudonym (see the module); audited.
    What was removed or replaced, per kind."""
    with unit_of_work() as db:
        user = db.get(User, user_id)
        if user is None or user.closed_at is None or user.pseudonymised_at is not None:
            return {}
        old_email = user.email
        done = {
            "sessions": sessions.end_sessions_of(user.id),
            "totp": _delete(db, TotpFactor, TotpFactor.user_id == user.id),
            "recovery_codes": _delete(db, RecoveryCode, RecoveryCode.user_id == user.id),
            "passkeys": _delete(db, Passkey, Passkey.user_id == user.id),
            "identities": _delete(db, OidcIdentity, OidcIdentity.user_id == user.id),
            "api_tokens": _delete(db, ApiToken, ApiToken.user_id == user.id),
            "links": _delete(db, EmailVerification, EmailVerification.user_id == user.id)
            + _delete(db, PasswordReset, PasswordReset.user_id == user.id)
            + _delete(db, EmailChange, EmailChange.user_id == user.id),
            "signals": _delete(db, AccountSignal, AccountSignal.user_id == user.id),
            "login_failures": _delete(db, LoginFailure, LoginFailure.email == old_email),
            "emails": _delete(db, OutboxMessage, OutboxMessage.user_id == user.id),
        }
        user.name, user.email = pseudonym(user.id), removed_email(user.id)
        user.password_hash = UNUSABLE_PASSWORD
        user.pseudonymised_at = clock.now()
        profile = db.get(WorkerProfile, user.id)
        if profile is not None:
            profile.date_of_birth = profile.date_of_birth.replace(month=1, day=1)
            profile.postcode = profile.house_number = None
        placements = list(db.scalars(sa.select(Placement).where(Placement.worker_id == user.id)))
        for placement in placements:
            placement.full_name = placement.person_key = pseudonym(user.id)
            placement.worker_email = None
            placement.date_of_birth = placement.date_of_birth.replace(month=1, day=1)
        done["placements"] = len(placements)
        unused_files = _remove_certificates(db, user.id)
        done["certificates"] = len(unused_files)
        done["audit_snapshots"] = _clean_audit_snapshots(user.id)
        record("user", user.id, "account_pseudonymised", actor_id=None, after=done)
    # Files go only once the rows that named them are committed; a crash in between leaves
    # an unreferenced file (harmless, as with uploads) that the next run cannot see.
    for name in unused_files:
        try:
            files.remove(name)
        except files.DocumentMissing:
            log.warning("certificate %s has an unexpected name; not removed", name)
    log.info("account %s pseudonymised", user_id, extra={"removed": done})
    return done
