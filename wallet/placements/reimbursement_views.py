"""Pages of employers' reimbursement claims: the employer claims a part of a placement's
reimbursement with the invoice and the proofs (after seeing what the scheme pays), the fund's
administrators decide (after a confirmation; four eyes where asked). The rules are
wallet/placements/reimbursements.py's."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import Length, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.claims import files
from wallet.core.errors import Conflict, DomainError, ValidationFailed
from wallet.core.forms import MoneyField, replayed, show_errors, submit_once
from wallet.core.storage import DocumentMissing
from wallet.core.templating import money
from wallet.placements import reimbursements, services
from wallet.placements.labels import CLAIM_STATUS_LABELS, FLAG_LABELS, PART_LABELS
from wallet.placements.models import ReimbursementPart, ReimbursementStatus
from wallet.placements.review import names_of
from wallet.twofactor.stepup import fresh_second_factor_required

bp = Blueprint("reimbursements", __name__)

# The service's names of the amounts; the form asks for them in euros.
FIELD_OF_ERROR = {"invoice_cents": "invoice_amount", "eligible_cents": "eligible_amount"}
FILES = (
    "invoice_pdf",
    "payment_proof_pdf",
    "employment_proof_pdf",
    "participation_proof_pdf",
    "ubl_xml",
)
DOWNLOADS = {
    "invoice": "invoice_file",
    "payment": "payment_proof_file",
    "employment": "employment_proof_file",
    "participation": "participation_proof_file",
    "ubl": "ubl_file",
}
WAITING = (ReimbursementStatus.SUBMITTED, ReimbursementStatus.APPROVED_ONCE)


class ReimbursementForm(FlaskForm):
    """The invoice and the proofs; sent twice: to see what the scheme pays, then confirmed
    (the files of the first sending are carried over, signed, in `attached`)."""

    invoice_number = StringField(_l("Invoice number"), validators=[Optional(), Length(max=50)])
    invoice_date = DateField(_l("Invoice date"), validators=[Optional()])
    invoice_amount = MoneyField(_l("Invoice amount in euros (VAT included)"))
    eligible_amount = MoneyField(
        _l("Eligible part of the invoice in euros"),
        description=_l("Leave empty when the whole invoice is eligible."),
    )
    invoice_pdf = FileField(_l("The provider's invoice (PDF, at most 10 MB)"))
    payment_proof_pdf = FileField(
        _l("Proof that you paid the invoice (PDF)"),
        description=_l("A bank statement or a receipt."),
    )
    employment_proof_pdf = FileField(
        _l("Proof of employment (PDF)"),
        description=_l("The employment contract or a payslip."),
    )
    participation_proof_pdf = FileField(
        _l("Proof of participation (PDF, optional)"),
        description=_l("An attendance list or a certificate from the provider."),
    )
    ubl_xml = FileField(
        _l("E-invoice (UBL 2.1 XML, optional)"),
        description=_l("When attached, its number and amount are compared with this form."),
    )
    attached = HiddenField()
    confirmed = HiddenField()

    def to_input(self, part: str, contents: dict[str, bytes | None]):
        """The service's input with these file contents."""
        invoice = self.invoice_amount.cents
        return reimbursements.ReimbursementInput(
            part=part,
            invoice_number=self.invoice_number.data or "",
            invoice_date=self.invoice_date.data,
            invoice_cents=invoice,
            eligible_cents=self.eligible_amount.cents or invoice,
            invoice_pdf=contents.get("invoice_pdf") or b"",
            payment_proof_pdf=contents.get("payment_proof_pdf") or b"",
            employment_proof_pdf=contents.get("employment_proof_pdf") or b"",
            participation_proof_pdf=contents.get("participation_proof_pdf"),
            ubl_xml=contents.get("ubl_xml"),
        )


class DecisionForm(FlaskForm):
    """An administrator's decision: approve (confirmed first) or reject with a reason."""

    reason = StringField(
        _l("Reason for the rejection"),
        description=_l("The employer sees it."),
        validators=[Optional(), Length(max=500)],
    )
    confirmed = HiddenField()


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="reimbursement-files")


def _uploaded(form: ReimbursementForm) -> dict[str, bytes | None]:
    contents = {}
    for name in FILES:
        upload = form[name].data
        contents[name] = upload.read() if upload and getattr(upload, "filename", "") else None
    return contents


def _carried(form: ReimbursementForm) -> dict[str, bytes | None] | None:
    """The files stored at the first sending, or None when the signature is not ours."""
    try:
        names = _signer().loads(form.attached.data or "")
    except BadSignature:
        return None
    try:
        return {k: files.load(v) if v else None for k, v in names.items() if k in FILES}
    except DocumentMissing:
        return None


def section(placement) -> dict:
    """What the placement page shows of the reimbursement: the claims, the parts open now
    and, for the employer's staff, the form of the first open one."""
    claims = reimbursements.claims_of_placement(placement.id)
    is_employer = current_user.role == Role.EMPLOYER_STAFF
    parts = reimbursements.open_parts(placement) if is_employer else []
    return {
        "reimbursement_claims": claims,
        "open_parts": parts,
        "reimbursement_form": ReimbursementForm() if parts else None,
        "may_download": is_employer,
    }


@bp.app_context_processor
def _labels():
    return {
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "part_labels": PART_LABELS,
        "flag_labels": FLAG_LABELS,
    }


# --- the employer claims -------------------------------------------------------------------


def _placement(placement_id: int):
    placement = services.visible_placement(placement_id, current_user)
    if placement.employer_id != current_user.employer_id:
        abort(404)
    return placement


def _form_page(placement, part: str, form: ReimbursementForm, status: int):
    return render_template(
        "placements/reimbursement_form.html", placement=placement, part=part, form=form
    ), status


@bp.route(
    "/placements/<int:placement_id>/reimbursement/<any(first, retention):part>",
    methods=["GET", "POST"],
)
@role_required(Role.EMPLOYER_STAFF)
def claim(placement_id: int, part: str):
    """Claim a part: the form, then what the scheme pays, then sent once confirmed."""
    placement = _placement(placement_id)
    back = url_for("placements.placement", placement_id=placement.id)
    if ReimbursementPart(part) not in reimbursements.open_parts(placement):
        flash(_("Nothing can be claimed for this part now."), "error")
        return redirect(back)
    form = ReimbursementForm()
    if request.method == "GET":
        return _form_page(placement, part, form, 200)
    if not form.validate_on_submit():
        return _form_page(placement, part, form, 422)
    confirming = form.confirmed.data == "yes"
    contents = _carried(form) if confirming else _uploaded(form)
    if contents is None:
        flash(_("The form had expired. Please send it again."), "error")
        return _form_page(placement, part, ReimbursementForm(formdata=None), 422)
    data = form.to_input(part, contents)
    try:
        if not confirming:
            whole, cents = reimbursements.preview(placement, ReimbursementPart(part), data)
            names = {
                k: files.store(v, "xml" if k == "ubl_xml" else "pdf") if v else None
                for k, v in contents.items()
            }
            return render_template(
                "placements/reimbursement_confirm.html",
                placement=placement,
                part=part,
                form=form,
                whole=whole,
                cents=cents,
                attached=_signer().dumps(names),
                attached_names=[form[k].label.text for k, v in names.items() if v],
            )
        done = submit_once(lambda: reimbursements.submit(current_user, placement.id, data))
    except ValidationFailed as error:
        errors = {FIELD_OF_ERROR.get(k, k): v for k, v in error.errors.items()}
        show_errors(form, ValidationFailed(error.detail, errors=errors))
        return _form_page(placement, part, form, 422)
    if not replayed(done):
        flash(
            _(
                "Claim %(reference)s is sent to the fund: %(amount)s.",
                reference=done.value.reference,
                amount=money(done.value.amount_cents),
            ),
            "success",
        )
    return redirect(back)


KINDS = f"any({', '.join(DOWNLOADS)})"


@bp.get(f"/reimbursements/<int:claim_id>/files/<{KINDS}:kind>")
@role_required(Role.EMPLOYER_STAFF, Role.FUND_ADMIN)
def download(claim_id: int, kind: str):
    """A file of the claim, for the employer's staff and the fund's administrators."""
    item = reimbursements.get_claim(claim_id, current_user)
    name = getattr(item, DOWNLOADS[kind])
    if not name:
        abort(404)
    return files.download(name, f"{item.reference}-{kind}")


# --- the fund decides ----------------------------------------------------------------------


@bp.get("/fund/reimbursements")
@role_required(Role.FUND_ADMIN)
def queue():
    """The fund's reimbursement claims waiting for a decision, oldest first."""
    rows = reimbursements.waiting(current_user.fund_id)
    approvers = names_of({c.first_approver_id for c in rows if c.first_approver_id})
    return render_template("placements/fund/reimbursements.html", rows=rows, approvers=approvers)


def _fund_claim(claim_id: int):
    if current_user.role != Role.FUND_ADMIN:
        abort(404)
    return reimbursements.get_claim(claim_id, current_user)


def _show(item, form: DecisionForm | None = None, status: int = 200):
    people = names_of(
        {i for i in (item.first_approver_id, item.decided_by_id, item.submitted_by_id) if i}
    )
    return render_template(
        "placements/fund/reimbursement.html",
        claim=item,
        placement=item.placement,
        form=form or DecisionForm(),
        people=people,
        waiting=item.status in WAITING,
    ), status


@bp.get("/fund/reimbursements/<int:claim_id>")
@role_required(Role.FUND_ADMIN)
def show(claim_id: int):
    """One claim: the placement and application, the flags, the files, the decision."""
    return _show(_fund_claim(claim_id))


@bp.post("/fund/reimbursements/<int:claim_id>/<any(approve, reject):action>")
@role_required(Role.FUND_ADMIN)
@fresh_second_factor_required
def decide(claim_id: int, action: str):
    """Approve after a confirmation of what is paid, or reject with a reason."""
    item = _fund_claim(claim_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _show(item, form, 422)
    if action == "approve" and form.confirmed.data != "yes":
        return render_template(
            "placements/fund/reimbursement_confirm.html",
            claim=item,
            placement=item.placement,
            form=form,
        )
    try:
        reason = form.reason.data or ""
        done = submit_once(
            lambda: reimbursements.review(item.id, action, actor=current_user, reason=reason)
        )
    except ValidationFailed as error:
        show_errors(form, error)
        return _show(item, form, 422)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if not replayed(done):
            flash(
                _(
                    "%(reference)s is now: %(status)s.",
                    reference=done.value.reference,
                    status=CLAIM_STATUS_LABELS[done.value.status.value],
                ),
                "success",
            )
    return redirect(url_for("reimbursements.show", claim_id=item.id))


@bp.errorhandler(Conflict)
def _refused(error: Conflict):
    """Not possible now (claimed meanwhile): say why on the placement's page."""
    flash(error.detail, "error")
    back = request.view_args or {}
    if "placement_id" in back:
        return redirect(url_for("placements.placement", placement_id=back["placement_id"]))
    if "claim_id" in back and current_user.role == Role.FUND_ADMIN:
        return redirect(url_for("reimbursements.show", claim_id=back["claim_id"]))
    return redirect(url_for("home.index"))
