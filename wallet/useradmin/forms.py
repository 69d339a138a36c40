"""Web forms of user administration and opening a fund. Shape only; the rules live in
services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wallet.accounts.models import Role
from wallet.core.forms import MoneyField, choices

REQUIRED = _l("This field is required.")

ROLE_LABELS = {
    Role.WORKER: _l("Worker"),
    Role.PROVIDER_STAFF: _l("Staff member of a training provider"),
    Role.EMPLOYER_STAFF: _l("Staff member of an employer"),
    Role.FUND_ADMIN: _l("Fund administrator"),
    Role.BROKER: _l("Labour broker"),
    Role.PLATFORM_ADMIN: _l("Platform administrator"),
}


class SearchForm(FlaskForm):
    """Find a user by (part of) their name or e-mail address; a GET form."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail address"), validators=[Optional(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        validators=[Optional()],
        choices=choices(((r.value, label) for r, label in ROLE_LABELS.items()), _l("All roles")),
    )


class ReasonForm(FlaskForm):
    """Why an account is blocked or its second factor reset; kept in the audit trail."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept in the audit trail and sent to the person by e-mail."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


class CloseForm(FlaskForm):
    """Why an account is closed for good (the owner's request, a decision of the fund)."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept in the audit trail, e.g. the date of the owner's request."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


class OptionalReasonForm(FlaskForm):
    """A reason that may be left out (lifting a block)."""

    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Kept in the audit trail."),
    )


class InviteForm(FlaskForm):
    """A new platform or fund administrator, invited by e-mail to choose a password."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        description=_l("We send an invitation to this address to choose a password."),
        validators=[DataRequired(REQUIRED), Length(max=254)],
    )
    role = SelectField(
        _l("Kind of administrator"),
        validators=[DataRequired(REQUIRED)],
        choices=choices(
            [
                (Role.FUND_ADMIN.value, ROLE_LABELS[Role.FUND_ADMIN]),
                (Role.PLATFORM_ADMIN.value, ROLE_LABELS[Role.PLATFORM_ADMIN]),
            ]
        ),
    )
    fund = SelectField(
        _l("Fund"),
        validators=[Optional()],
        description=_l("Only for a fund administrator: the fund they work for."),
    )

    def with_funds(self, funds) -> InviteForm:
        """Offer `funds` to choose from."""
        self.fund.choices = choices(((f.id, f.name) for f in funds), _l("Choose a fund"))
        return self


class FundForm(FlaskForm):
    """A new fund: name, region, its bank account and an optional first deposit."""

    name = StringField(_l("Name of the fund"), validators=[DataRequired(REQUIRED), Length(max=200)])
    region = SelectField(_l("Region"), validators=[DataRequired(REQUIRED)])
    iban = StringField(
        _l("IBAN of the fund"),
        validators=[DataRequired(REQUIRED), Length(max=42)],
        description=_l("The account payouts are paid from, for example NL91 ABNA 0417 1643 00."),
    )
    bic = StringField(
        _l("BIC (optional)"),
        validators=[Optional(), Length(max=11)],
        description=_l("Left empty, the BIC of the IBAN's bank is used."),
    )
    opening = MoneyField(
        _l("Opening deposit (optional)"),
        validators=[Optional()],
        description=_l("In euros, for example 250.000,00."),
    )
    reference = StringField(
        _l("Reference of the deposit"),
        validators=[Optional(), Length(max=100)],
        description=_l("Such as the bank statement line; needed with a deposit."),
    )

    def with_regions(self, regions) -> FundForm:
        """Offer `regions` to choose from."""
        self.region.choices = choices(((r, r) for r in regions), _l("Choose a region"))
        return self
