"""The fund administrator's pages: the fund's figures, deposits and the ledger explorer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.errors import ValidationFailed
from wallet.core.forms import page_arg, replayed, show_errors, submit_keyed
from wallet.core.money import Money
from wallet.funds import services
from wallet.funds.accounts import account_name, shown_reference, transaction_kind
from wallet.funds.forms import DepositForm
from wallet.ledger import services as ledger
from wallet.ledger.api import fund_owning_account
from wallet.schemes.services import schemes_of

bp = Blueprint("funds", __name__, url_prefix="/fund")
PER_PAGE = 50


def overview_context(form: DepositForm | None = None) -> dict:
    """What the fund page shows."""
    from wallet.home.work import fund_work

    fund = current_user.fund
    return {
        "work": fund_work(fund.id),
        "fund": fund,
        "figures": services.fund_figures(fund.id),
        "schemes": schemes_of(fund.id),
        "deposit_form": form or DepositForm(),
    }


@bp.post("/deposits")
@role_required(Role.FUND_ADMIN)
def deposit():
    """Deposit money into the fund's pot."""
    form = DepositForm()
    if form.validate_on_submit():
        try:
            done = submit_keyed(
                lambda key: services.deposit(
                    current_user.fund_id,
                    form.amount.cents,
                    reference=form.reference.data,
                    actor_id=current_user.id,
                    idempotency_key=key,
                )
            )
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            if not replayed(done):
                amount = Money(form.amount.cents).format()
                flash(_("%(amount)s deposited.", amount=amount), "success")
            return redirect(url_for("home.index"))
    return render_template("home/fund_admin.html", **overview_context(form)), 422


@bp.get("/accounts/<int:account_id>")
@role_required(Role.FUND_ADMIN)
def account(account_id: int):
    """The ledger explorer: an account of this fund and every movement on it."""
    if fund_owning_account(account_id) != current_user.fund_id:
        from werkzeug.exceptions import NotFound

        raise NotFound
    found = ledger.get_account(account_id)
    page = page_arg()
    shown, total = ledger.statement_page(
        account_id, page=page, per_page=PER_PAGE, newest_first=True
    )
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "funds/account.html",
        account=found,
        name=account_name(found),
        lines=shown,
        page=page,
        pages=pages,
        total=total,
        transaction_kind=transaction_kind,
        shown_reference=shown_reference,
    )
