"""Grant pages: administrators grant (one, CSV, allocation, lottery); workers see and apply."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.csvfiles import csv_download, csv_lines
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import replayed, submit_keyed, submit_once
from wallet.core.money import Money
from wallet.core.templating import money
from wallet.funds.access import own_scheme
from wallet.grants import applying, balances, granting
from wallet.grants.allocation import allocate
from wallet.grants.forms import CsvForm, DrawForm, GrantForm
from wallet.grants.imports import import_grants
from wallet.grants.lottery import draw_lottery
from wallet.waitingroom.gate import waiting_room_gate

bp = Blueprint("grants", __name__)


def _back(scheme_id: int):
    return redirect(url_for("schemes.detail", scheme_id=scheme_id))


def _refused(error: DomainError) -> None:
    details = [f"{key}: {value}" for key, value in error.errors.items()] if error.errors else []
    flash(" ".join([error.detail, *details]), "error")


@bp.post("/fund/schemes/<int:scheme_id>/grants")
@role_required(Role.FUND_ADMIN)
def grant(scheme_id: int):
    """Grant a budget to one worker by e-mail address."""
    own_scheme(scheme_id)
    form = GrantForm()
    if not form.validate_on_submit():
        flash(_("Fill in the e-mail address of the worker and, if you like, an amount."), "error")
        return _back(scheme_id)
    import sqlalchemy as sa

    from wallet.accounts.models import User
    from wallet.accounts.services import normalise_email
    from wallet.core.db import session

    user_id = session.scalar(
        sa.select(User.id).where(User.email == normalise_email(form.email.data))
    )
    try:
        if user_id is None:
            raise ValidationFailed(_("No worker has this e-mail address."))
        done = submit_keyed(
            lambda key: granting.grant_to_worker(
                scheme_id,
                user_id,
                actor_id=current_user.id,
                cents=form.amount.cents,
                idempotency_key=key,
            )
        )
    except DomainError as error:
        _refused(error)
    else:
        if not replayed(done):
            flash(_("The budget is granted."), "success")
    return _back(scheme_id)


@bp.post("/fund/schemes/<int:scheme_id>/grants/csv")
@role_required(Role.FUND_ADMIN)
def upload(scheme_id: int):
    """Grant budgets from a CSV file: all rows, or none and a list of what is wrong."""
    own_scheme(scheme_id)
    form = CsvForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload."), "error")
        return _back(scheme_id)
    data = form.file.data.read()
    try:
        done = submit_once(lambda: import_grants(scheme_id, data, actor_id=current_user.id))
    except DomainError as error:
        lines = [
            _("line %(line)s: %(problem)s", line=k, problem=v) for k, v in error.errors.items()
        ]
        flash(" ".join([error.detail, *lines[:50]]), "error")
    else:
        if not replayed(done):
            report = done.value
            flash(
                _(
                    "%(count)d budgets granted, %(total)s in total.",
                    count=report.granted,
                    total=Money(report.total_cents).format(),
                ),
                "success",
            )
    return _back(scheme_id)


@bp.post("/fund/schemes/<int:scheme_id>/allocate")
@role_required(Role.FUND_ADMIN)
def run_allocation(scheme_id: int):
    """Run the allocation now instead of waiting for the scheduler."""
    own_scheme(scheme_id)
    try:
        done = submit_once(lambda: allocate(scheme_id, actor_id=current_user.id))
    except DomainError as error:
        _refused(error)
    else:
        if replayed(done):
            pass
        elif (run := done.value) is None:
            flash(_("Every eligible worker already has a budget for this period."), "info")
        else:
            flash(_("%(count)d budgets granted.", count=run.grants), "success")
    return _back(scheme_id)


@bp.post("/fund/schemes/<int:scheme_id>/draw")
@role_required(Role.FUND_ADMIN)
def draw(scheme_id: int):
    """Draw the lottery."""
    own_scheme(scheme_id)
    form = DrawForm()
    if not form.validate_on_submit():
        flash(_("Give the seed of the draw."), "error")
        return _back(scheme_id)
    try:
        done = submit_once(
            lambda: draw_lottery(scheme_id, form.seed.data, actor_id=current_user.id)
        )
    except DomainError as error:
        _refused(error)
    else:
        if replayed(done):
            return _back(scheme_id)
        result = done.value
        flash(
            _(
                "%(winners)d of %(applicants)d applicants won a budget.",
                winners=result.winners,
                applicants=result.applicants,
            ),
            "success",
        )
    return _back(scheme_id)


@bp.post("/budget/schemes/<int:scheme_id>/apply")
@role_required(Role.WORKER)
@waiting_room_gate  # while a first-come opening's waiting room is open: admitted people only
def apply(scheme_id: int):
    """A worker applies for a budget under a first-come or lottery scheme, after confirming."""
    if not confirmed():
        return _confirm_apply(scheme_id)
    try:
        facts = applying.facts_for_apply(scheme_id, current_user.id)  # sold out: no write
        done = submit_once(lambda: applying.apply_for_grant(scheme_id, current_user.id, facts))
    except DomainError as error:
        _refused(error)
    else:
        if replayed(done):
            pass
        elif done.value.grant_id:
            flash(_("You have been granted a budget."), "success")
        else:
            flash(_("You are in the draw. You will see the outcome here."), "success")
    return redirect(url_for("home.index"))


def _confirm_apply(scheme_id: int):
    """What taking the budget (or entering the draw) means, before it is done."""
    from wallet.schemes.models import AllocationMode
    from wallet.schemes.services import get_scheme

    scheme = get_scheme(scheme_id)
    if scheme.allocation_mode not in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        flash(_("Budgets under this scheme are not applied for."), "error")
        return redirect(url_for("home.index"))
    amount = money(scheme.amount_cents)
    facts = [(_("Scheme"), scheme.name), (_("Fund"), scheme.fund.name), (_("Budget"), amount)]
    if scheme.allocation_mode == AllocationMode.FIRST_COME:
        title = _("Take the budget of %(amount)s from %(name)s?", amount=amount, name=scheme.name)
        consequences = [
            _(
                "You get a budget of %(amount)s at once, to spend on courses within %(months)d "
                "months.",
                amount=amount,
                months=scheme.validity_months,
            ),
            _(
                "You can take a budget under this scheme only once; it then counts against its "
                "total, first come, first served."
            ),
        ]
        button = _("Yes, take the budget")
    else:
        title = _("Enter the draw for %(name)s?", name=scheme.name)
        consequences = [
            _(
                "You are entered in the draw for a budget of %(amount)s; after the window closes "
                "you see the outcome here.",
                amount=amount,
            ),
            _("You can enter this draw only once."),
        ]
        button = _("Yes, enter the draw")
    return confirmation_page(
        title=title,
        facts=facts,
        consequences=consequences,
        button=button,
        back_url=url_for("home.index"),
        back_text=_("No, back to my start page"),
    )


@bp.get("/budget/statement")
@role_required(Role.WORKER)
def statement():
    """Every movement on the worker's budgets."""
    lines = balances.worker_statement(current_user.id)
    return render_template("grants/statement.html", lines=list(reversed(lines)))


@bp.get("/budget/statement.csv")
@role_required(Role.WORKER)
def statement_csv():
    """The statement as a CSV file that Dutch spreadsheet programs open as it is."""
    header = [_("Date"), _("Fund"), _("Scheme"), _("Description"), _("Amount"), _("Balance")]
    rows = [
        [
            line.at.date(),
            line.fund_name,
            line.scheme_name,
            str(line.description),
            Money(line.amount_cents).to_decimal(),
            Money(line.balance_cents).to_decimal(),
        ]
        for line in balances.worker_statement(current_user.id)
    ]
    return csv_download(csv_lines(header, rows), "leerwallet-overzicht.csv")
