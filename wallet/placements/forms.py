"""Forms of the employer's and the broker's application and placement pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from wallet.core.forms import MoneyField, choices
from wallet.core.inputs import MAX_ID
from wallet.placements.labels import CONTRACT_LABELS
from wallet.placements.persons import PersonInput
from wallet.reference import sbi_divisions
from wallet.schemes.employer_rules import STARTING_SITUATIONS, TRAINING_KINDS, EmployerRules

CHOOSE = _l("Choose")
# A service names the price "quote_cents"; the form asks for it in euros as "quote".
FIELD_OF_ERROR = {"quote_cents": "quote"}


def _id_field(label, **kwargs) -> IntegerField:
    range_ = NumberRange(1, MAX_ID, message=_l("Give a number from the catalogue."))
    return IntegerField(label, validators=[Optional(), range_], **kwargs)


class PersonForm(FlaskForm):
    """One person for an application: the person, where they come from, the job, the
    training. The service checks what is required; the form only reads the values."""

    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    starting_situation = SelectField(_l("Starting situation"), validate_choice=False)
    from_sbi_code = SelectField(
        _l("Sector the person comes from (SBI)"),
        description=_l("Leave empty when the person does not come from a job."),
        validate_choice=False,
    )
    occupation = SelectField(_l("New job (occupation)"), validate_choice=False)
    contract_type = SelectField(_l("Contract"), validate_choice=False)
    hours_per_week = IntegerField(_l("Hours per week"), validators=[Optional()])
    start_date = DateField(_l("Start date of the new job"), validators=[Optional()])
    training_kind = SelectField(_l("Kind of training"), validate_choice=False)
    quote = MoneyField(
        _l("Price of the training in euros"),
        description=_l("The provider's quote, or the course's price in the catalogue."),
    )
    run_id = _id_field(
        _l("Course run number"),
        description=_l("For a course run from the catalogue: the number in its web address."),
    )
    provider_id = SelectField(
        _l("Training provider"),
        description=_l("For a bespoke course or a work-and-learn route."),
        validate_choice=False,
    )
    training_description = StringField(
        _l("Description of the training"), validators=[Optional(), Length(max=500)]
    )
    worker_email = EmailField(
        _l("E-mail address of the person's Leerwallet account (optional)"),
        description=_l("The person then sees their trajectory in Leerwallet."),
        validators=[Optional(), Length(max=254)],
    )

    def offer(self, rules: EmployerRules, providers) -> None:
        """The choices the scheme allows; a select never offers what the scheme refuses."""
        self.starting_situation.choices = choices(
            ((k, STARTING_SITUATIONS[k]) for k in rules.starting_situations), CHOOSE
        )
        self.from_sbi_code.choices = choices(
            ((code, f"{code} {entry.name}") for code, entry in sbi_divisions().items()),
            _l("Not from a job"),
        )
        self.occupation.choices = choices(((o, o) for o in rules.target_occupations), CHOOSE)
        self.contract_type.choices = choices(CONTRACT_LABELS.items(), CHOOSE)
        self.training_kind.choices = choices(
            ((k, TRAINING_KINDS[k]) for k in rules.training_kinds), CHOOSE
        )
        self.provider_id.choices = choices(((p.id, p.name) for p in providers), _l("None"))

    def person(self) -> PersonInput:
        """What the form says, as the service takes it."""
        provider = self.provider_id.data or ""
        return PersonInput(
            full_name=self.full_name.data or "",
            date_of_birth=self.date_of_birth.data,
            starting_situation=self.starting_situation.data or "",
            from_sbi_code=self.from_sbi_code.data or None,
            occupation=self.occupation.data or "",
            contract_type=self.contract_type.data or "",
            hours_per_week=self.hours_per_week.data,
            start_date=self.start_date.data,
            training_kind=self.training_kind.data or "",
            quote_cents=self.quote.cents,
            run_id=self.run_id.data,
            provider_id=int(provider) if provider.isdigit() and int(provider) <= MAX_ID else None,
            training_description=self.training_description.data or "",
            worker_email=self.worker_email.data or None,
        )


class StartForm(FlaskForm):
    """Start a draft under one scheme (for an employer, when a broker prepares it)."""

    scheme_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    employer_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])


class ReasonForm(FlaskForm):
    """A reason, where one is asked (withdrawing, closing a placement)."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class FollowUpForm(FlaskForm):
    """Is the person still employed?"""

    still_employed = RadioField(
        _l("Is the person still employed with you?"),
        choices=[("yes", _l("Yes, still employed")), ("no", _l("No, the employment ended"))],
        validate_choice=True,
    )
    note = StringField(
        _l("Note"),
        description=_l("Required when the employment ended: say why."),
        validators=[Optional(), Length(max=500)],
    )
