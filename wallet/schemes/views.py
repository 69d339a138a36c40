"""The fund administrator's scheme pages: define, change, activate, close; grant under one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.db import session
from wallet.core.errors import ValidationFailed
from wallet.core.forms import page_arg, show_errors
from wallet.core.templating import money
from wallet.funds.access import own_scheme
from wallet.grants.balances import grants_of_scheme
from wallet.grants.forms import CsvForm, DrawForm, GrantForm
from wallet.grants.models import LotteryDraw
from wallet.schemes import services
from wallet.schemes.employer_rules import (
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    employer_rules_of,
    share_in_words,
)
from wallet.schemes.forms import FIELD_OF_RULE, MODES, EmployerSchemeForm, SchemeForm
from wallet.schemes.models import SchemeKind

bp = Blueprint("schemes", __name__, url_prefix="/fund/schemes")
PER_PAGE = 50


def _terms(form: SchemeForm) -> services.SchemeTerms:
    return services.SchemeTerms(
        name=form.name.data,
        allocation_mode=form.allocation_mode.data,
        amount_cents=form.amount.cents,
        validity_months=form.validity_months.data,
        window_opens_on=form.window_opens_on.data,
        window_closes_on=form.window_closes_on.data,
        total_cap_cents=form.total_cap.cents,
        rules=form.rules(),
    )


def _employer_terms(form: EmployerSchemeForm) -> services.SchemeTerms:
    return services.SchemeTerms(
        name=form.name.data,
        kind=SchemeKind.EMPLOYER_REIMBURSEMENT.value,
        allocation_mode=None,
        amount_cents=None,
        validity_months=None,
        rules=form.rules(),
    )


def _save(form, scheme=None):
    employer = isinstance(form, EmployerSchemeForm)
    terms = _employer_terms(form) if employer else _terms(form)
    try:
        if scheme is None:
            return services.define_scheme(current_user.fund_id, terms, actor_id=current_user.id)
        return services.change_scheme(scheme.id, terms, actor_id=current_user.id)
    except ValidationFailed as error:
        rules = error.errors.pop("rules", None)
        if isinstance(rules, dict):
            names = FIELD_OF_RULE if employer else {}
            error.errors.update(
                {names.get(key, key): " ".join(map(str, value)) for key, value in rules.items()}
            )
        show_errors(form, error)
        return None


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.FUND_ADMIN)
def new():
    """Define a new draft scheme."""
    form = SchemeForm()
    if form.validate_on_submit() and (scheme := _save(form)):
        flash(_("The scheme is saved as a draft. Activate it when it is ready."), "success")
        return redirect(url_for("schemes.detail", scheme_id=scheme.id))
    return render_template("schemes/edit.html", form=form, scheme=None), 422 if form.errors else 200


@bp.route("/new/employer", methods=["GET", "POST"])
@role_required(Role.FUND_ADMIN)
def new_employer():
    """Define a new draft employer scheme (employers get part of a training cost back)."""
    form = EmployerSchemeForm()
    if form.validate_on_submit() and (scheme := _save(form)):
        flash(_("The scheme is saved as a draft. Activate it when it is ready."), "success")
        return redirect(url_for("schemes.detail", scheme_id=scheme.id))
    status = 422 if form.errors else 200
    return render_template("schemes/edit_employer.html", form=form, scheme=None), status


@bp.route("/<int:scheme_id>/edit", methods=["GET", "POST"])
@role_required(Role.FUND_ADMIN)
def edit(scheme_id: int):
    """Change a draft scheme."""
    scheme = own_scheme(scheme_id)
    employer = scheme.for_employers
    form = EmployerSchemeForm() if employer else SchemeForm()
    template = "schemes/edit_employer.html" if employer else "schemes/edit.html"
    if request.method == "GET":
        form.fill_from(scheme)
    elif form.validate_on_submit() and _save(form, scheme):
        flash(_("The scheme is saved."), "success")
        return redirect(url_for("schemes.detail", scheme_id=scheme.id))
    status = 422 if form.errors else 200
    return render_template(template, form=form, scheme=scheme), status


@bp.get("/<int:scheme_id>")
@role_required(Role.FUND_ADMIN)
def detail(scheme_id: int):
    """A scheme: its terms, its grants (a page at a time) and what can be done with it."""
    scheme = own_scheme(scheme_id)
    page = page_arg()
    rows, total = grants_of_scheme(scheme.id, page, PER_PAGE)
    draw = session.scalar(sa.select(LotteryDraw).where(LotteryDraw.scheme_id == scheme.id))
    return render_template(
        "schemes/detail.html",
        scheme=scheme,
        mode_label=MODES.get(scheme.allocation_mode.value),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        grant_form=GrantForm(),
        csv_form=CsvForm(),
        draw_form=DrawForm(),
        draw=draw,
        employer_rules=employer_rules_of(scheme) if scheme.for_employers else None,
        situations=STARTING_SITUATIONS,
        training_kinds=TRAINING_KINDS,
        share_in_words=share_in_words,
    )


@bp.post("/<int:scheme_id>/activate")
@role_required(Role.FUND_ADMIN)
def activate(scheme_id: int):
    """Start granting under the scheme, after a confirmation step."""
    scheme = own_scheme(scheme_id)
    if not confirmed():
        return _confirm_activation(scheme)
    services.activate_scheme(scheme_id, actor_id=current_user.id)
    flash(_("The scheme is active."), "success")
    return redirect(url_for("schemes.detail", scheme_id=scheme_id))


def _confirm_activation(scheme) -> str:
    """What activating means, in words and money, before it is done."""
    facts = [
        (_("Scheme"), scheme.name),
        (_("Budget per worker"), money(scheme.amount_cents)),
        (_("How budgets are given"), str(MODES.get(scheme.allocation_mode.value, ""))),
    ]
    if scheme.total_cap_cents:
        facts.append((_("Total cap"), money(scheme.total_cap_cents)))
    consequences = [
        _("Budgets can be granted under this scheme from now on; each is covered by the fund."),
        _("The terms of the scheme can no longer be changed; it can only be closed."),
    ]
    return confirmation_page(
        title=_("Activate the scheme %(name)s?", name=scheme.name),
        facts=facts,
        consequences=consequences,
        button=_("Yes, activate %(name)s", name=scheme.name),
        back_url=url_for("schemes.detail", scheme_id=scheme.id),
        back_text=_("No, back to the scheme"),
    )


@bp.post("/<int:scheme_id>/close")
@role_required(Role.FUND_ADMIN)
def close(scheme_id: int):
    """Grant no more under the scheme, after a confirmation step."""
    scheme = own_scheme(scheme_id)
    if not confirmed():
        return _confirm_closing(scheme)
    services.close_scheme(scheme_id, actor_id=current_user.id)
    flash(_("The scheme is closed. Budgets already granted stay spendable."), "success")
    return redirect(url_for("schemes.detail", scheme_id=scheme_id))


def _confirm_closing(scheme) -> str:
    """What closing means before it is done: no new budgets, the granted ones stay."""
    return confirmation_page(
        title=_("Close the scheme %(name)s?", name=scheme.name),
        facts=[(_("Scheme"), scheme.name), (_("Budget per worker"), money(scheme.amount_cents))],
        consequences=[
            _(
                "No more budgets are granted under this scheme, by hand, by CSV or by the "
                "yearly allocation."
            ),
            _("Budgets already granted stay spendable until they expire."),
        ],
        button=_("Yes, close %(name)s", name=scheme.name),
        back_url=url_for("schemes.detail", scheme_id=scheme.id),
        back_text=_("No, back to the scheme"),
        danger=True,
    )
