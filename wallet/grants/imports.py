"""Granting budgets from a CSV file an administrator uploads.

All or nothing: when any row is wrong, nothing is granted and every wrong row is reported
with its line number, so the administrator fixes the file and uploads it again without
having to work out which half already went through.

The file: UTF-8 (a BOM is fine), comma or semicolon separated, a header row with `email`
and optionally `amount` (euros as people write them: 250 or 250,00); without an amount
the scheme's amount is granted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.names import normalise_email
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.money import Money, MoneyError, check_amount
from wallet.grants.eligibility import require_granted_by_hand
from wallet.grants.granting import create_grant
from wallet.grants.models import Grant, GrantSource
from wallet.schemes.rules import eligibility_problems, load_rules
from wallet.schemes.services import get_scheme

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = {"email", "amount"}


@dataclass
class ImportReport:
    """What an upload did: how many grants, or every problem by line."""

    granted: int = 0
    total_cents: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class ImportRefused(ValidationFailed):
    """The file has wrong rows; nothing was granted."""

    title = "File refused"
    code = "import-refused"


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 5 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")
        ) from None
    if "\x00" in text:
        raise ValidationFailed(_("This is not a CSV file."))
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "email" not in header or not set(header) <= COLUMNS:
        raise ValidationFailed(
            _(
                "The first row must name the columns: email, and optionally amount. "
                "Found: %(found)s.",
                found=", ".join(header) or "-",
            )
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(_("A file holds at most 50,000 rows."))
        if None in row:
            rows.append((reader.line_num, {"__extra__": True}))
            continue
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    if not rows:
        raise ValidationFailed(_("The file has no rows below the header."))
    return header, rows


def import_grants(scheme_id: int, data: bytes, *, actor_id: int) -> ImportReport:
    """Grant budgets to the workers listed in a CSV file, all or nothing."""
    scheme = get_scheme(scheme_id)
    require_granted_by_hand(scheme)
    _header, rows = _read(data)
    rules = load_rules(scheme.rules)
    today, period = clock.today(), str(clock.today().year)
    emails = {normalise_email(row.get("email")) for _line, row in rows}
    users = {
        user.email: user for user in session.scalars(sa.select(User).where(User.email.in_(emails)))
    }
    granted_before = set(
        session.scalars(
            sa.select(Grant.user_id).where(Grant.scheme_id == scheme_id, Grant.period == period)
        )
    )
    report, seen, plan = ImportReport(), set(), []
    for line, row in rows:
        if row.get("__extra__"):
            report.errors.append((line, _("This row has more fields than the header.")))
            continue
        email = normalise_email(row["email"])
        user = users.get(email)
        problem = None
        if not email:
            problem = _("The e-mail address is empty.")
        elif email in seen:
            problem = _("This e-mail address is listed twice.")
        elif user is None or user.role != Role.WORKER:
            problem = _("No worker has the e-mail address %(email)s.", email=email)
        elif user.id in granted_before:
            problem = _("%(email)s already has a budget under this scheme.", email=email)
        seen.add(email)
        cents = scheme.amount_cents
        if problem is None and row.get("amount"):
            try:
                cents = check_amount(Money.parse(row["amount"]).cents)
            except MoneyError as error:
                problem = _("The amount is wrong: %(error)s", error=str(error))
        if problem is None:
            from wallet.grants.eligibility import worker_facts

            reasons = eligibility_problems(rules, worker_facts(user), today)
            if reasons:
                problem = " ".join(reasons)
        if problem:
            report.errors.append((line, problem))
        else:
            plan.append((user.id, cents))
    if report.errors:
        raise ImportRefused(
            _("Nothing was granted: %(count)d rows are wrong.", count=len(report.errors)),
            errors={str(line): message for line, message in report.errors},
        )
    try:
        with unit_of_work():
            for user_id, cents in plan:
                create_grant(
                    scheme, user_id, cents, period=period, source=GrantSource.CSV, actor_id=actor_id
                )
                report.granted += 1
                report.total_cents += cents
    except DomainError as error:
        raise ImportRefused(
            _("Nothing was granted: %(reason)s", reason=error.detail), errors={}
        ) from None
    return report
