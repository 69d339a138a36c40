"""Form helpers shared by features: choices, money fields, showing service errors on forms."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from wallet.core.errors import ValidationFailed
from wallet.core.money import MAX_CENTS, Money, MoneyError


def choices(pairs, prompt=None) -> list[SelectChoice]:
    """SelectChoices from (value, label) pairs, with an empty first option when `prompt`."""
    options = [SelectChoice("", prompt)] if prompt is not None else []
    return options + [SelectChoice(str(value), label) for value, label in pairs]


class MoneyField(StringField):
    """An amount in euros as people write it ("1.250,00"); `.cents` holds the parsed value."""

    cents: int | None = None

    def pre_validate(self, form) -> None:
        self.cents = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            cents = Money.parse(text).cents
        except MoneyError:
            raise ValidationError(_l("Write an amount in euros, like 1.250,00.")) from None
        if cents <= 0 or cents > MAX_CENTS:
            raise ValidationError(_l("The amount must be more than € 0 and at most € 10.000.000."))
        self.cents = cents


def show_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Put a service's field errors on the form's fields; flash what fits no field."""
    leftover = []
    for field, message in error.errors.items():
        if field in form:
            messages = message if isinstance(message, list) else [str(message)]
            form[field].errors = [*form[field].errors, *messages]
        else:
            leftover.append(f"{message}")
    if leftover or not error.errors:
        flash(" ".join([error.detail, *leftover]), "error")


MAX_PAGE = 100_000


def page_arg() -> int:
    """?page=N from the request, kept between 1 and MAX_PAGE (a huge number is no error)."""
    from flask import request

    return min(MAX_PAGE, max(1, request.args.get("page", 1, type=int) or 1))
