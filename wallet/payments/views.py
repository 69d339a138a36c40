"""The fund administrator's payout pages: batches, their SEPA files, bank statements."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.db import session
from wallet.core.errors import DomainError
from wallet.core.forms import replayed, submit_once
from wallet.core.templating import money
from wallet.funds.models import Fund
from wallet.payments import batches, gateway
from wallet.payments.labels import BATCH_LABELS, ITEM_LABELS, PAYEE_LABELS
from wallet.payments.models import PayoutMethod
from wallet.payments.payees import iban_problem
from wallet.twofactor.services import require_fresh_second_factor
from wallet.twofactor.stepup import fresh_second_factor_required

bp = Blueprint("payments", __name__, url_prefix="/fund/payouts")
PAYEES_PER_PAGE = 50  # a national batch pays hundreds of providers and employers


class NewBatchForm(FlaskForm):
    """How the batch is paid."""

    method = SelectField(
        _l("Pay by"),
        choices=[
            ("sepa", _l("SEPA file for the fund's bank")),
            ("stripe", _l("Stripe Connect transfers")),
        ],
    )


class ReasonForm(FlaskForm):
    """Why a payment failed."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class StatementForm(FlaskForm):
    """A camt.053 bank statement."""

    statement = FileField(_l("Bank statement (camt.053 XML)"))


def _page_context(**extra) -> dict:
    fund = session.get(Fund, current_user.fund_id)
    new_form = NewBatchForm()
    if not gateway.enabled():  # offline: the fund pays by SEPA file only
        new_form.method.choices = new_form.method.choices[:1]
    return {
        "fund": fund,
        "batches": batches.batches_of_fund(fund.id),
        "labels": BATCH_LABELS,
        "new_form": new_form,
        "statement_form": StatementForm(),
        "outcome": None,
        **extra,
    }


@bp.get("")
@role_required(Role.FUND_ADMIN)
def index():
    """The fund's batches, making a new one, importing a statement, the fund's IBAN (changed
    on the bank details page)."""
    return render_template("payments/index.html", **_page_context())


@bp.post("")
@role_required(Role.FUND_ADMIN)
def create():
    """Make a draft batch of every approved claim."""
    form = NewBatchForm()
    method = form.method.data if form.method.data in {m.value for m in PayoutMethod} else "sepa"
    try:  # the service refuses Stripe where it is not set up
        done = submit_once(
            lambda: batches.create_batch(
                current_user.fund_id, actor=current_user, method=PayoutMethod(method)
            )
        )
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("payments.index"))
    if replayed(done):
        return redirect(url_for("payments.index"))
    outcome = done.value
    for name, problem in outcome.left_out:
        flash(_("Left out: %(name)s: %(problem)s", name=name, problem=problem), "error")
    return redirect(url_for("payments.show", batch_id=outcome.batch.id))


@bp.post("/statements")
@role_required(Role.FUND_ADMIN)
def statement():
    """Import a camt.053 statement: what it paid, and every line it could not place."""
    from wallet.payments.statements import import_statement

    form = StatementForm()
    form.validate()
    upload = form.statement.data
    data = upload.read() if upload and getattr(upload, "filename", "") else b""
    try:
        done = submit_once(lambda: import_statement(current_user.fund_id, data, actor=current_user))
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("payments.index"))
    if replayed(done):
        return redirect(url_for("payments.index"))
    return render_template("payments/index.html", **_page_context(outcome=done.value))


@bp.get("/<int:batch_id>")
@role_required(Role.FUND_ADMIN)
def show(batch_id: int):
    """A batch: its payees (providers, employers), their claims, and what can be done now."""
    batch = batches.get_batch(batch_id, current_user.fund_id)
    fund = session.get(Fund, current_user.fund_id)
    problem = iban_problem(fund.iban)
    pages = max(1, -(-len(batch.items) // PAYEES_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = batch.items[(page - 1) * PAYEES_PER_PAGE : page * PAYEES_PER_PAGE]
    lines = batches.lines_by_item(batch, [item.id for item in shown])
    return render_template(
        "payments/show.html",
        batch=batch,
        labels=BATCH_LABELS,
        item_labels=ITEM_LABELS,
        payee_labels=PAYEE_LABELS,
        lines=lines,
        items=shown,
        page=page,
        pages=pages,
        per_page=PAYEES_PER_PAGE,
        has_transfers=batches.has_transfers(batch),
        form=ReasonForm(),
        fund_iban_problem=problem,
    )


@bp.post("/<int:batch_id>/<action>")
@role_required(Role.FUND_ADMIN)
def act(batch_id: int, action: str):
    """submit or discard the batch."""
    perform = {"submit": batches.submit_batch, "discard": batches.discard_batch}.get(action)
    if perform is None:
        return redirect(url_for("payments.show", batch_id=batch_id))
    if action == "submit":
        require_fresh_second_factor(current_user)
        if not confirmed():
            return _confirm_submit(batch_id)
    elif not confirmed():
        return _confirm_discard(batch_id)
    try:
        done = submit_once(lambda: perform(batch_id, current_user.fund_id, actor=current_user))
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if not replayed(done):
            flash(_("Done."), "success")
    return redirect(url_for("payments.show", batch_id=batch_id))


def _confirm_submit(batch_id: int) -> str:
    """The second step before a batch is submitted: how much goes to how many, and how."""
    batch = batches.get_batch(batch_id, current_user.fund_id)
    total = money(batch.amount_cents)
    payees = len(batch.items)
    facts = [
        (_("Payout batch"), batch.reference or ""),
        (_("To pay"), total),
        (_("Payees"), str(payees)),
        (_("Claims"), str(batch.claim_count)),
    ]
    if batch.method == PayoutMethod.STRIPE:
        how = ngettext(
            "%(amount)s is transferred to the Stripe account of %(num)d payee.",
            "%(amount)s is transferred to the Stripe accounts of %(num)d payees.",
            payees,
            amount=total,
        )
    else:
        how = ngettext(
            "%(amount)s for %(num)d payee goes in transit: you get a payment file "
            "(pain.001) for your bank.",
            "%(amount)s for %(num)d payees go in transit: you get a payment file "
            "(pain.001) for your bank.",
            payees,
            amount=total,
        )
    consequences = [
        how,
        _("The claims in it can no longer be taken out; a failed transfer comes back as a return."),
    ]
    return confirmation_page(
        title=_("Submit the payout batch %(reference)s?", reference=batch.reference or ""),
        facts=facts,
        consequences=consequences,
        button=_("Yes, submit %(reference)s", reference=batch.reference or ""),
        back_url=url_for("payments.show", batch_id=batch_id),
        back_text=_("No, back to the batch"),
    )


def _confirm_discard(batch_id: int) -> str:
    """The second step before a draft batch is given up: its claims wait for a later one."""
    batch = batches.get_batch(batch_id, current_user.fund_id)
    reference = batch.reference or ""
    facts = [
        (_("Payout batch"), reference),
        (_("To pay"), money(batch.amount_cents)),
        (_("Claims"), str(batch.claim_count)),
    ]
    consequences = [
        _("The batch is discarded and cannot be submitted any more."),
        _("Its claims stay approved and wait for a later payout batch; nothing is paid now."),
    ]
    return confirmation_page(
        title=_("Discard the payout batch %(reference)s?", reference=reference),
        facts=facts,
        consequences=consequences,
        button=_("Yes, discard %(reference)s", reference=reference),
        back_url=url_for("payments.show", batch_id=batch_id),
        back_text=_("No, back to the batch"),
        danger=True,
    )


def _confirm_item(item, action: str, reason: str) -> str:
    """The second step before one payee's payment is marked paid or failed."""
    amount = money(item.amount_cents)
    facts = [(_("Payee"), item.account_holder), (_("Amount"), amount)]
    if action == "paid":
        title = _("Mark the payment to %(name)s as paid?", name=item.account_holder)
        consequences = [
            _(
                "%(amount)s is booked as paid out to %(name)s; their claims in this batch "
                "become paid.",
                amount=amount,
                name=item.account_holder,
            )
        ]
        button = _("Yes, %(name)s was paid", name=item.account_holder)
    else:
        facts.append((_("Why did the payment fail?"), reason))
        title = _("Mark the payment to %(name)s as failed?", name=item.account_holder)
        consequences = [
            _(
                "%(amount)s comes back from transit; the claims stay approved and "
                "wait for a later payout batch.",
                amount=amount,
            )
        ]
        button = _("Yes, the payment to %(name)s failed", name=item.account_holder)
    return confirmation_page(
        title=title,
        facts=facts,
        consequences=consequences,
        button=button,
        back_url=url_for("payments.show", batch_id=item.batch_id),
        back_text=_("No, back to the batch"),
    )


@bp.post("/<int:batch_id>/pay-stripe")
@role_required(Role.FUND_ADMIN)
@fresh_second_factor_required
def pay_stripe(batch_id: int):
    """Send the Stripe transfers of a submitted Stripe batch."""
    from wallet.payments.connect import pay_stripe_batch

    FlaskForm().validate()
    try:
        problems = pay_stripe_batch(batch_id, current_user.fund_id, actor=current_user)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        for problem in problems:
            flash(problem, "error")
        if not problems:
            flash(_("The transfers are sent."), "success")
    return redirect(url_for("payments.show", batch_id=batch_id))


@bp.post("/items/<int:item_id>/<action>")
@role_required(Role.FUND_ADMIN)
def item(item_id: int, action: str):
    """Mark one payee's payment paid, or failed with a reason."""
    if action not in {"paid", "failed"}:
        abort(404)
    form = ReasonForm()
    form.validate()
    payment = batches.get_item(item_id, current_user.fund_id)
    fund_id, reason = current_user.fund_id, form.reason.data or ""
    # A failure without a reason is refused by the service; no need to ask first.
    if (action == "paid" or reason.strip()) and not confirmed():
        return _confirm_item(payment, action, reason)
    perform = {
        "paid": lambda: batches.mark_paid(item_id, fund_id, actor=current_user),
        "failed": lambda: batches.mark_failed(item_id, fund_id, actor=current_user, reason=reason),
    }[action]
    try:
        done = submit_once(perform)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if not replayed(done):
            flash(_("Done."), "success")
    return redirect(url_for("payments.show", batch_id=payment.batch_id))


@bp.get("/<int:batch_id>/sepa.xml")
@role_required(Role.FUND_ADMIN)
def sepa(batch_id: int):
    """The batch's pain.001 file (?schema=pain.001.001.03 for banks that need it)."""
    from wallet.payments.sepa import sepa_file

    schema = request.args.get("schema", "pain.001.001.09")
    try:
        document = sepa_file(batch_id, current_user.fund_id, schema)
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("payments.show", batch_id=batch_id))
    batch = batches.get_batch(batch_id, current_user.fund_id)
    return Response(
        document,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{batch.reference}-{schema}.xml"'},
    )
