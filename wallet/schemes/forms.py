"""The fund administrator's scheme forms: a scheme's terms and rules, and an employer scheme
(werkgeversregeling)."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wallet.core.forms import MoneyField, choices
from wallet.funds.forms import REQUIRED, CheckboxesField
from wallet.reference import (
    ACCREDITATIONS,
    COURSE_KINDS,
    EMPLOYMENT_STATUSES,
    NLQF_LEVELS,
    municipalities,
)
from wallet.schemes.employer_rules import (
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    employer_rules_of,
    occupation_names,
)

MODES = {
    "manual": _l("By hand or by CSV upload"),
    "entitlement": _l("Every eligible worker (scheduled allocation)"),
    "first_come": _l("First come, first served until the cap"),
    "lottery": _l("Lottery among applicants after the window"),
}


class SchemeForm(FlaskForm):
    """A scheme's terms and rules."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    allocation_mode = SelectField(_l("How budgets are granted"), choices=choices(MODES.items()))
    amount = MoneyField(_l("Budget per worker (euros)"), validators=[DataRequired(REQUIRED)])
    validity_months = IntegerField(
        _l("Valid for (months)"),
        default=12,
        validators=[InputRequired(REQUIRED), NumberRange(1, 120)],
    )
    window_opens_on = DateField(_l("Applications open on"), validators=[Optional()])
    window_closes_on = DateField(_l("Applications close on"), validators=[Optional()])
    total_cap = MoneyField(
        _l("Total cap (euros)"),
        description=_l("Needed for first-come and lottery schemes."),
        validators=[Optional()],
    )
    co_funding_percent = IntegerField(
        _l("Share of the course price the scheme pays (%)"),
        default=100,
        validators=[InputRequired(REQUIRED), NumberRange(0, 100)],
    )
    cap_per_course = MoneyField(_l("At most per course (euros)"), validators=[Optional()])
    municipalities = SelectMultipleField(
        _l("Municipalities"),
        description=_l("Leave empty for all of Overijssel and Gelderland."),
        choices=lambda: choices((m.code, m.name) for m in municipalities().values()),
        render_kw={"size": 10},
    )
    target_groups = CheckboxesField(
        _l("Target groups"), choices=choices(EMPLOYMENT_STATUSES.items())
    )
    min_age = IntegerField(_l("Minimum age"), validators=[Optional(), NumberRange(15, 100)])
    max_age = IntegerField(_l("Maximum age"), validators=[Optional(), NumberRange(15, 100)])
    max_education_level = SelectField(
        _l("Highest prior education level"),
        choices=choices(NLQF_LEVELS.items(), _l("No limit")),
        validators=[Optional()],
    )
    course_kinds = CheckboxesField(_l("Course kinds"), choices=choices(COURSE_KINDS.items()))
    accreditations = CheckboxesField(
        _l("Accreditations (one of)"), choices=choices(ACCREDITATIONS.items())
    )
    nlqf_min = SelectField(
        _l("Lowest NLQF level"),
        choices=choices(NLQF_LEVELS.items(), _l("Any")),
        validators=[Optional()],
    )
    nlqf_max = SelectField(
        _l("Highest NLQF level"),
        choices=choices(NLQF_LEVELS.items(), _l("Any")),
        validators=[Optional()],
    )
    target_occupations = TextAreaField(
        _l("Target occupations"),
        description=_l("One per line; leave empty for any occupation."),
        render_kw={"rows": 5},
    )
    max_grants_per_course = IntegerField(
        _l("At most this many budgets for one course"),
        default=3,
        validators=[InputRequired(REQUIRED), NumberRange(1, 10)],
    )
    attendance_threshold_pct = IntegerField(
        _l("Attendance needed for a claim (%)"),
        description=_l("Below this a claim needs a certificate."),
        default=80,
        validators=[Optional(), NumberRange(0, 100)],
    )
    advance_share_percent = IntegerField(
        _l("Advance at the start of the course (%)"),
        description=_l(
            "0 pays everything at completion; e.g. 60 lets providers claim 60 % at "
            "the start and the rest at completion."
        ),
        default=0,
        validators=[Optional(), NumberRange(0, 90)],
    )
    four_eyes_above = MoneyField(
        _l("Two administrators approve claims above"),
        description=_l("In euros; claims with high-risk flags always need two."),
        default=250_000,
        validators=[Optional()],
    )

    cancel_after_start = BooleanField(
        _l("Workers may cancel after the course has started"),
        description=_l(
            "The budget not yet claimed is then released; an advance already "
            "paid stays with the provider."
        ),
    )

    def rules(self) -> dict:
        """The rules part as the scheme stores it."""

        def level(field) -> int | None:
            return int(field.data) if field.data else None

        return {
            "co_funding_bps": self.co_funding_percent.data * 100,
            "cap_per_course_cents": self.cap_per_course.cents,
            "municipalities": self.municipalities.data or [],
            "target_groups": self.target_groups.data or [],
            "min_age": self.min_age.data,
            "max_age": self.max_age.data,
            "max_education_level": level(self.max_education_level),
            "course_kinds": self.course_kinds.data or [],
            "accreditations": self.accreditations.data or [],
            "nlqf_min": level(self.nlqf_min),
            "nlqf_max": level(self.nlqf_max),
            "target_occupations": [
                line.strip()
                for line in (self.target_occupations.data or "").splitlines()
                if line.strip()
            ],
            "max_grants_per_course": self.max_grants_per_course.data,
            "attendance_threshold_pct": _or(self.attendance_threshold_pct.data, 80),
            "advance_share_bps": _or(self.advance_share_percent.data, 0) * 100,
            "four_eyes_above_cents": _or(self.four_eyes_above.cents, 250_000),
            "cancel_after_start": bool(self.cancel_after_start.data),
        }

    def fill_from(self, scheme) -> None:
        """Fill the form from a stored scheme."""
        rules = scheme.rules or {}
        self.name.data = scheme.name
        self.allocation_mode.data = scheme.allocation_mode.value
        self.amount.data = scheme.amount_cents
        self.validity_months.data = scheme.validity_months
        self.window_opens_on.data = scheme.window_opens_on
        self.window_closes_on.data = scheme.window_closes_on
        if scheme.total_cap_cents:
            self.total_cap.data = scheme.total_cap_cents
        self.co_funding_percent.data = rules.get("co_funding_bps", 10_000) // 100
        if rules.get("cap_per_course_cents"):
            self.cap_per_course.data = rules["cap_per_course_cents"]
        for name in ("municipalities", "target_groups", "course_kinds", "accreditations"):
            self[name].data = rules.get(name, [])
        self.advance_share_percent.data = rules.get("advance_share_bps", 0) // 100
        self.cancel_after_start.data = bool(rules.get("cancel_after_start"))
        self.four_eyes_above.data = rules.get("four_eyes_above_cents", 250_000)
        for name in ("min_age", "max_age", "max_grants_per_course", "attendance_threshold_pct"):
            if rules.get(name) is not None:
                self[name].data = rules[name]
        for name in ("max_education_level", "nlqf_min", "nlqf_max"):
            self[name].data = str(rules[name]) if rules.get(name) else ""
        self.target_occupations.data = "\n".join(rules.get("target_occupations", []))


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


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
