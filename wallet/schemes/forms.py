"""The fund administrator's form for an employer scheme (werkgeversregeling)."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wallet.core.forms import MoneyField, choices
from wallet.funds.forms import REQUIRED, CheckboxesField
from wallet.schemes.employer_rules import (
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    employer_rules_of,
    occupation_names,
)

# The rules' names for what the form calls otherwise (service errors land on the field).
FIELD_OF_RULE = {
    "share_bps": "share_percent",
    "cap_per_person_cents": "cap_per_person",
    "cap_per_employer_year_cents": "cap_per_employer_year",
    "total_budget_cents": "total_budget",
    "retention_share_bps": "retention_percent",
    "four_eyes_above_cents": "four_eyes_above",
}


class PercentField(StringField):
    """A percentage with up to two decimals ("33,33"); `.bps` holds it in basis points, so a
    share set through the API (e.g. 3333) survives a round trip through the form."""

    bps: int | None = None

    def pre_validate(self, form) -> None:
        self.bps = None
        text = (self.data or "").strip().replace(" ", "").rstrip("%").replace(",", ".")
        if not text:
            return
        try:
            hundredths = Decimal(text) * 100
        except InvalidOperation:
            raise ValidationError(_l("Write a percentage, like 50 or 33,33.")) from None
        if hundredths != hundredths.to_integral_value() or not 1 <= hundredths <= 10_000:
            raise ValidationError(_l("The share must be between 0.01 % and 100 %."))
        self.bps = int(hundredths)


def _percent(bps: int) -> str:
    whole, rest = divmod(bps, 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


class EmployerSchemeForm(FlaskForm):
    """An employer scheme's terms: share, caps, whom and what it is for, window, budget."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    share_percent = PercentField(
        _l("Share of the eligible training cost paid back to the employer (%)"),
        default="50",
        validators=[DataRequired(REQUIRED)],
    )
    cap_per_person = MoneyField(
        _l("At most per person (euros)"), validators=[DataRequired(REQUIRED)]
    )
    cap_per_employer_year = MoneyField(
        _l("At most per employer per calendar year (euros)"),
        description=_l("Leave empty for no yearly limit per employer."),
        validators=[Optional()],
    )
    total_budget = MoneyField(
        _l("Total budget of the scheme (euros)"), validators=[DataRequired(REQUIRED)]
    )
    window_opens_on = DateField(_l("Applications open on"), validators=[Optional()])
    window_closes_on = DateField(_l("Applications close on"), validators=[Optional()])
    starting_situations = CheckboxesField(
        _l("For people who come"), choices=choices(STARTING_SITUATIONS.items())
    )
    target_occupations = CheckboxesField(
        _l("Into one of these occupations (kansberoepen)"),
        choices=lambda: choices((name, name) for name in sorted(occupation_names())),
    )
    training_kinds = CheckboxesField(
        _l("With one of these kinds of training"), choices=choices(TRAINING_KINDS.items())
    )
    retention_months = IntegerField(
        _l("Last part paid only if still employed after (months)"),
        description=_l("Leave empty to pay everything at once."),
        validators=[Optional(), NumberRange(1, 36)],
    )
    retention_percent = IntegerField(
        _l("Share of the reimbursement held back until then (%)"),
        validators=[Optional(), NumberRange(1, 99)],
    )
    four_eyes_above = MoneyField(
        _l("Two administrators approve amounts above"),
        description=_l("In euros, per person."),
        default=250_000,
        validators=[Optional()],
    )

    def rules(self) -> dict:
        """The rules as the employer scheme services take them."""
        return {
            "share_bps": self.share_percent.bps,
            "cap_per_person_cents": self.cap_per_person.cents,
            "cap_per_employer_year_cents": self.cap_per_employer_year.cents,
            "total_budget_cents": self.total_budget.cents,
            "starting_situations": self.starting_situations.data or [],
            "target_occupations": self.target_occupations.data or [],
            "training_kinds": self.training_kinds.data or [],
            "retention_months": self.retention_months.data,
            "retention_share_bps": (self.retention_percent.data or 0) * 100,
            "window_opens_on": _iso(self.window_opens_on.data),
            "window_closes_on": _iso(self.window_closes_on.data),
            "four_eyes_above_cents": self.four_eyes_above.cents or 250_000,
        }

    def fill_from(self, scheme) -> None:
        """Fill the form from a stored employer scheme."""
        rules = employer_rules_of(scheme)
        self.name.data = scheme.name
        self.share_percent.data = _percent(rules.share_bps)
        self.cap_per_person.data = rules.cap_per_person_cents
        self.cap_per_employer_year.data = rules.cap_per_employer_year_cents
        self.total_budget.data = rules.total_budget_cents
        self.window_opens_on.data = rules.window_opens_on
        self.window_closes_on.data = rules.window_closes_on
        self.starting_situations.data = list(rules.starting_situations)
        self.target_occupations.data = list(rules.target_occupations)
        self.training_kinds.data = list(rules.training_kinds)
        self.retention_months.data = rules.retention_months
        self.retention_percent.data = rules.retention_share_bps // 100 or None
        self.four_eyes_above.data = rules.four_eyes_above_cents


def _iso(day) -> str | None:
    return day.isoformat() if day else None
