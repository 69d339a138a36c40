"""Claim pages: providers invoice and correct, administrators review, both follow."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.applications import services as applications
from wallet.audit.services import history
from wallet.claims import files, services
from wallet.claims.labels import EVENT_LABELS, KIND_LABELS, STATUS_LABELS
from wallet.claims.models import TRANSITIONS, ClaimKind
from wallet.claims.queue import QueueFilter, review_queue
from wallet.core import clock
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.db import session
from wallet.core.errors import Conflict, DomainError, ValidationFailed
from wallet.core.forms import MoneyField, page_arg, replayed, show_errors, submit_once
from wallet.core.money import Money, MoneyError
from wallet.core.templating import money
from wallet.fraud.services import flags_of
from wallet.placements.reimbursements import waiting as reimbursements_waiting
from wallet.placements.review import waiting_count
from wallet.twofactor.services import require_fresh_second_factor

bp = Blueprint("claims", __name__)
REQUIRED = _l("This field is required.")


class ClaimForm(FlaskForm):
    """The invoice, its files and the proof of participation."""

    kind = SelectField(_l("Kind of claim"), choices=[])
    invoice_number = StringField(
        _l("Invoice number"), validators=[DataRequired(REQUIRED), Length(max=50)]
    )
    invoice_date = DateField(_l("Invoice date"), validators=[InputRequired(REQUIRED)])
    amount = MoneyField(
        _l("Amount to be paid from the budgets (euros, VAT included)"),
        validators=[DataRequired(REQUIRED)],
    )
    vat = StringField(
        _l("Of which VAT (euros)"),
        default="0,00",
        description=_l("0,00 when the course is exempt from VAT (CRKBO)."),
    )
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(REQUIRED), Length(max=500)]
    )
    attendance_pct = IntegerField(
        _l("Attendance (%)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l(
            "Proof of participation: the share of the lessons the participant "
            "attended. Or attach a certificate."
        ),
    )
    invoice_pdf = FileField(_l("Invoice (PDF, at most 10 MB)"))
    certificate_pdf = FileField(_l("Certificate or diploma (PDF, optional)"))
    ubl_xml = FileField(
        _l("E-invoice (UBL 2.1 XML, optional)"),
        description=_l("When attached, its number, amount and VAT are compared with this form."),
    )

    def vat_cents(self) -> int | None:
        """The VAT as cents, or None with an error on the field."""
        try:
            cents = Money.parse((self.vat.data or "0").strip() or "0").cents
        except MoneyError:
            self.vat.errors = [*self.vat.errors, _("Write an amount in euros, like 21,00.")]
            return None
        return cents

    def to_input(self) -> services.ClaimInput | None:
        """The service's input, or None when a field cannot be read."""
        vat = self.vat_cents()
        if vat is None:
            return None

        def content(field) -> bytes | None:
            upload = field.data
            return upload.read() if upload and getattr(upload, "filename", "") else None

        return services.ClaimInput(
            kind=ClaimKind(self.kind.data),
            invoice_number=self.invoice_number.data or "",
            invoice_date=self.invoice_date.data,
            amount_cents=self.amount.cents or 0,
            vat_cents=vat,
            description=self.description.data or "",
            attendance_pct=self.attendance_pct.data,
            invoice_pdf=content(self.invoice_pdf) or b"",
            certificate_pdf=content(self.certificate_pdf),
            ubl_xml=content(self.ubl_xml),
        )


class DecisionForm(FlaskForm):
    """An administrator's decision, with a reason where one is needed."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    flags_seen = BooleanField(_l("I have looked at the flags of this claim"))


def _submit_form(form: ClaimForm, perform):
    """Validate, call the service once per form key, say what went wrong; Submitted or None."""
    if not form.validate_on_submit():
        return None, 422 if form.errors else 200
    data = form.to_input()
    if data is None:
        return None, 422
    try:
        return submit_once(lambda: perform(data)), 200
    except ValidationFailed as error:
        show_errors(form, error)
        return None, 422
    except DomainError as error:
        flash(error.detail, "error")
        return None, error.status


@bp.route("/provider/applications/<int:application_id>/claim", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def new(application_id: int):
    """Invoice an application: the amount, the PDF and the proof of participation."""
    application = applications.get_application(application_id)
    if application.provider_id != current_user.provider_id:
        abort(404)
    kinds = services.claim_kinds([application]).get(application.id, [])
    if not kinds:
        flash(_("This application cannot be invoiced now."), "error")
        return redirect(url_for("applications.queue"))
    terms = services.terms_of(application)
    form = ClaimForm()
    form.kind.choices = [(kind.value, str(KIND_LABELS[kind.value])) for kind in kinds]
    if request.method == "GET":
        form.invoice_date.data = clock.today()
    done, status = _submit_form(
        form, lambda data: services.submit(current_user, application.id, data)
    )
    if done is not None and replayed(done):
        if done.result_id is None:
            return redirect(url_for("applications.queue"))
        return redirect(url_for("claims.show", claim_id=done.result_id))
    if done is not None:
        claim = done.value
        flash(_("Claim %(reference)s is sent for review.", reference=claim.reference), "success")
        return redirect(url_for("claims.show", claim_id=claim.id))
    most = {
        kind: services.claimable_cents(application, ClaimKind(kind), terms)
        for kind, _label in form.kind.choices
    }
    return render_template(
        "claims/form.html", form=form, application=application, most=most, terms=terms, claim=None
    ), status


@bp.route("/claims/<int:claim_id>/resubmit", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def resubmit(claim_id: int):
    """Correct a rejected claim: a new version, the earlier ones kept."""
    claim = services.visible_claim(claim_id, current_user)
    form = ClaimForm()
    form.kind.choices = [(claim.kind.value, str(KIND_LABELS[claim.kind.value]))]
    if request.method == "GET":
        form.invoice_number.data = claim.invoice_number
        form.invoice_date.data = claim.invoice_date
        form.amount.data = claim.amount_cents
        form.vat.data = Money(claim.vat_cents).digits()
        form.description.data = claim.description
        form.attendance_pct.data = claim.attendance_pct
    done, status = _submit_form(form, lambda data: services.resubmit(current_user, claim.id, data))
    if done is not None and replayed(done):
        return redirect(url_for("claims.show", claim_id=claim.id))
    if done is not None:
        result = done.value
        flash(
            _(
                "Version %(version)d of %(reference)s is sent for review.",
                version=result.version,
                reference=result.reference,
            ),
            "success",
        )
        return redirect(url_for("claims.show", claim_id=claim.id))
    terms = services.terms_of(claim.application)
    most = {claim.kind.value: services.claimable_cents(claim.application, claim.kind, terms)}
    return render_template(
        "claims/form.html",
        form=form,
        application=claim.application,
        most=most,
        terms=terms,
        claim=claim,
    ), status


@bp.get("/provider/claims")
@role_required(Role.PROVIDER_STAFF)
def provider_claims():
    """The provider's claims, newest first."""
    claims = services.claims_of_provider(current_user.provider_id)
    return render_template("claims/provider_list.html", labels=STATUS_LABELS, claims=claims)


@bp.get("/review")
@role_required(Role.FUND_ADMIN)
def queue():
    """Claims waiting on the fund's administrators, with filters and sorting."""
    wanted = QueueFilter(
        status=request.args.get("status", "waiting"),
        flagged_only=request.args.get("flagged") == "1",
        sort=request.args.get("sort", "age"),
        page=page_arg(),
    )
    rows, total = review_queue(current_user.fund_id, wanted)
    pages = max(1, math.ceil(total / wanted.per_page))
    return render_template(
        "claims/queue.html",
        rows=rows,
        total=total,
        wanted=wanted,
        pages=pages,
        labels=STATUS_LABELS,
        now=clock.now(),
        persons_waiting=waiting_count(current_user.fund_id),
        reimbursements_waiting=len(reimbursements_waiting(current_user.fund_id)),
    )


@bp.get("/claims/<int:claim_id>")
@role_required(Role.PROVIDER_STAFF, Role.FUND_ADMIN, Role.PLATFORM_ADMIN)
def show(claim_id: int):
    """The claim with its application, funding, versions, flags and history."""
    claim = services.visible_claim(claim_id, current_user)
    application = claim.application
    events = sorted(
        history("application", application.id) + history("claim", claim.id),
        key=lambda event: (event.at, event.id),
    )
    approved_by_me = any(
        a.approver_id == current_user.id and a.version == claim.version for a in claim.approvals
    )
    # The fraud rules' reasons are for reviewers: a provider who read them could learn to
    # stay under them. The provider only hears that the claim is under extra review.
    flags = flags_of(application.id, claim.id)
    reviewer = current_user.role != Role.PROVIDER_STAFF
    return render_template(
        "claims/show.html",
        claim=claim,
        application=application,
        flags=flags if reviewer else [],
        under_extra_review=bool(flags) and not reviewer,
        events=events,
        event_labels=EVENT_LABELS,
        budget_names=_budget_names([part.grant_id for part in application.parts]),
        approved_by_me=approved_by_me,
        labels=STATUS_LABELS,
        kinds=KIND_LABELS,
        form=DecisionForm(),
        is_admin=current_user.role == Role.FUND_ADMIN,
        is_provider=current_user.role == Role.PROVIDER_STAFF,
    )


@bp.post("/claims/<int:claim_id>/<action>")
@role_required(Role.PROVIDER_STAFF, Role.FUND_ADMIN)
def decide(claim_id: int, action: str):
    """approve, reject, close, claw_back."""
    if action not in {"approve", "reject", "close", "claw_back"}:
        abort(404)
    if action in {"approve", "reject"}:
        require_fresh_second_factor(current_user)  # before anything is decided
    form = DecisionForm()
    form.validate()
    reason = (form.reason.data or "").strip()
    # Only a fund administrator decides; a rejection without a reason is refused below.
    asks = current_user.role == Role.FUND_ADMIN and (action == "approve" or reason)
    # A clawback without a reason is refused below too; closing asks whoever may close.
    asks_too = (action == "claw_back" and reason and current_user.role == Role.FUND_ADMIN) or (
        action == "close"
    )
    if ((action in {"approve", "reject"} and asks) or asks_too) and not confirmed():
        try:
            if action in {"claw_back", "close"}:
                return _confirm_ending(claim_id, action, reason)
            return _confirm_decision(claim_id, action, reason)
        except DomainError as error:
            flash(error.detail, "error")
            return redirect(url_for("claims.show", claim_id=claim_id))
    try:
        done = submit_once(
            lambda: services.review(
                claim_id,
                action,
                actor=current_user,
                reason=form.reason.data or "",
                flags_seen=bool(form.flags_seen.data),
            )
        )
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if replayed(done):
            return redirect(url_for("claims.show", claim_id=claim_id))
        claim = done.value
        flash(
            _(
                "Done: %(reference)s is now: %(status)s.",
                reference=claim.reference,
                status=STATUS_LABELS[claim.status.value],
            ),
            "success",
        )
    return redirect(url_for("claims.show", claim_id=claim_id))


def _budget_names(grant_ids: list[int]) -> dict[int, str]:
    """Each budget by its scheme's name, as the worker knows it (never "Budget 3")."""
    from wallet.grants.models import Grant
    from wallet.schemes.models import Scheme

    query = (
        sa.select(Grant.id, Scheme.name)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .where(Grant.id.in_(grant_ids))
    )
    return {row.id: row.name for row in session.execute(query)}


def _confirm_decision(claim_id: int, action: str, reason: str) -> str:
    """The second step before approving or rejecting: what the decision does, in money."""
    from wallet.providers.models import Provider

    claim = services.visible_claim(claim_id, current_user)
    provider = session.get(Provider, claim.provider_id)
    amount = money(claim.amount_cents)
    facts = [
        (_("Claim"), claim.reference),
        (_("Training provider"), provider.name),
        (_("Course"), claim.application.run.course.title(str(get_locale()))),
        (_("Participant"), claim.application.user.name),
        (_("Amount"), amount),
    ]
    if action == "approve":
        given = sum(1 for a in claim.approvals if a.version == claim.version)
        if given + 1 >= claim.approvals_needed:
            consequences = [
                _(
                    "The claim is approved: %(amount)s from the worker's budgets will "
                    "be paid to %(provider)s in the next payout batch.",
                    amount=amount,
                    provider=provider.name,
                )
            ]
        else:
            consequences = [
                _(
                    "Your approval is the first of two: a second administrator must "
                    "approve the claim before %(amount)s is paid.",
                    amount=amount,
                )
            ]
        title = _("Approve the claim %(reference)s?", reference=claim.reference)
        button = _("Yes, approve %(reference)s", reference=claim.reference)
    else:
        facts.append((_("Reason for the rejection"), reason))
        consequences = [
            _(
                "%(provider)s is not paid for this claim; they see your reason and "
                "can correct the claim and send it again.",
                provider=provider.name,
            )
        ]
        title = _("Reject the claim %(reference)s?", reference=claim.reference)
        button = _("Yes, reject %(reference)s", reference=claim.reference)
    return confirmation_page(
        title=title,
        facts=facts,
        consequences=consequences,
        button=button,
        back_url=url_for("claims.show", claim_id=claim_id),
        back_text=_("No, back to the claim"),
    )


def _confirm_ending(claim_id: int, action: str, reason: str) -> str:
    """The second step before a claim is clawed back or closed unpaid."""
    from wallet.providers.models import Provider

    claim = services.visible_claim(claim_id, current_user)
    if (claim.status, action) not in TRANSITIONS:
        raise Conflict(
            _(
                "This is not possible for a claim that is %(status)s.",
                status=STATUS_LABELS[claim.status.value],
            )
        )
    provider = session.get(Provider, claim.provider_id)
    amount = money(claim.amount_cents)
    facts = [
        (_("Claim"), claim.reference),
        (_("Training provider"), provider.name),
        (_("Course"), claim.application.run.course.title(str(get_locale()))),
        (_("Amount"), amount),
    ]
    if action == "claw_back":
        facts.append((_("Reason for the clawback"), reason))
        consequences = [
            _(
                "%(amount)s goes back to the fund; when it was paid already, %(provider)s owes "
                "it to the fund and later payouts to them are lowered by it.",
                amount=amount,
                provider=provider.name,
            ),
            _("%(provider)s sees your reason.", provider=provider.name),
        ]
        title = _("Claw back the claim %(reference)s?", reference=claim.reference)
        button = _("Yes, claw back %(reference)s", reference=claim.reference)
    else:
        consequences = [
            _("The claim is closed without payment and cannot be corrected or sent again."),
        ]
        if claim.kind == ClaimKind.FINAL:
            consequences.append(
                _(
                    "What was reserved for the course and not paid goes back to "
                    "the worker's budgets."
                )
            )
        title = _("Close the claim %(reference)s unpaid?", reference=claim.reference)
        button = _("Yes, close %(reference)s unpaid", reference=claim.reference)
    return confirmation_page(
        title=title,
        facts=facts,
        consequences=consequences,
        button=button,
        back_url=url_for("claims.show", claim_id=claim_id),
        back_text=_("No, back to the claim"),
        danger=True,
    )


@bp.get("/claims/<int:claim_id>/files/<kind>")
@role_required(Role.PROVIDER_STAFF, Role.FUND_ADMIN, Role.PLATFORM_ADMIN)
def download(claim_id: int, kind: str):
    """The invoice, certificate or e-invoice of a claim, for those who may see the claim."""
    claim = services.visible_claim(claim_id, current_user)
    name = {
        "invoice": claim.invoice_file,
        "certificate": claim.certificate_file,
        "ubl": claim.ubl_file,
    }.get(kind)
    if not name:
        abort(404)
    return files.download(name, f"{claim.reference}-{kind}")
