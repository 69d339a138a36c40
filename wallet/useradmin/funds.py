"""Opening a fund from the platform administrator's pages: its name, region and bank account,
and an optional first deposit, in one unit of work through the funds' own services (so the
pot is made as `flask funds create` and the demo make it)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from wallet.accounts.models import Role, User
from wallet.audit.services import masked_iban, record
from wallet.core.db import session, unit_of_work
from wallet.core.errors import ValidationFailed
from wallet.funds import services as funds
from wallet.funds.models import Fund
from wallet.providers import validation
from wallet.reference import municipalities
from wallet.twofactor.services import require_fresh_second_factor
from wallet.useradmin.services import require_platform_admin


@dataclass(frozen=True)
class NewFund:
    """What a platform administrator fills in to open a fund."""

    name: str
    region: str
    iban: str
    bic: str = ""
    opening_cents: int | None = None
    reference: str = ""


def regions() -> list[str]:
    """The regions of the shipped municipalities list, by name."""
    return sorted({m.region for m in municipalities().values() if m.region})


def checked(details: NewFund) -> tuple[str, str]:
    """The IBAN and BIC to store; every problem of `details` in one ValidationFailed."""
    errors: dict[str, str] = {}
    if details.region not in regions():
        errors["region"] = _("Choose the region the fund serves.")
    number = bic = ""
    try:
        number, bic = validation.iban(details.iban)
    except ValueError as error:
        errors["iban"] = str(error)
    typed = "".join(details.bic.split()).upper()
    if typed and not errors.get("iban"):
        try:
            given = BIC(typed)
        except SchwiftyException:
            errors["bic"] = _("This BIC is not correct; it has 8 or 11 letters and digits.")
        else:
            if given.compact[:8] != bic[:8]:
                errors["bic"] = _("This BIC is not the bank of this IBAN (%(bic)s).", bic=bic)
            else:
                bic = given.compact
    if details.opening_cents and not details.reference.strip():
        errors["reference"] = _("Give the deposit a reference, such as the bank statement line.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    return number, bic


def open_fund(actor: User, details: NewFund) -> Fund:
    """Open a fund with its pot, region and bank account, and deposit the opening amount if
    one is given; audited, committed once."""
    require_platform_admin(actor)
    require_fresh_second_factor(actor)
    iban, bic = checked(details)
    with unit_of_work():
        fund = funds.create_fund(details.name, actor_id=actor.id)
        fund.region, fund.iban, fund.bic = details.region, iban, bic
        record(
            "fund",
            fund.id,
            "fund_details_set",
            actor_id=actor.id,
            after={"region": details.region, "iban": masked_iban(iban), "bic": bic},
        )
        if details.opening_cents:
            reference = details.reference.strip()[:100]
            funds.post_deposit(fund, details.opening_cents, reference=reference, actor_id=actor.id)
    return fund


def funds_page(page: int, per_page: int = 50) -> tuple[list[tuple[Fund, int]], int]:
    """One page of funds by name, each with its number of administrators; and the total."""
    admins = (
        sa.select(sa.func.count())
        .where(User.fund_id == Fund.id, User.role == Role.FUND_ADMIN)
        .scalar_subquery()
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(Fund)) or 0
    rows = session.execute(
        sa.select(Fund, admins).order_by(Fund.name).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [(fund, count) for fund, count in rows], total


def all_funds() -> list[Fund]:
    """Every fund by name (the invitation form's choice)."""
    return list(session.scalars(sa.select(Fund).order_by(Fund.name)))
