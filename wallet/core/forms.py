"""Form helpers shared by features: choices, money fields, showing service errors on forms."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from wallet.core.errors import ValidationFailed
from wallet.core.idempotency import IdempotencyConflict, Outcome, run_once
from wallet.core.money import MAX_CENTS, Money, MoneyError

T = TypeVar("T")


def choices(pairs, prompt=None) -> list[SelectChoice]:
    """SelectChoices from (value, label) pairs, with an empty first option when `prompt`."""
    options = [SelectChoice("", prompt)] if prompt is not None else []
    return options + [SelectChoice(str(value), label) for value, label in pairs]


class MoneyField(StringField):
    """An amount in euros as people write it ("1.250,00"); `.cents` holds the parsed value.

    Filled from an object, `data=` or by assigning `.data`, the field takes stored cents (an
    int) and shows them as "1.250,00"; what a person sent stays the text they wrote.
    """

    cents: int | None = None

    def _value(self) -> str:
        if _is_cents(self.data):
            return Money(self.data).digits()
        return super()._value()

    def pre_validate(self, form) -> None:
        self.cents = None
        if _is_cents(self.data):
            cents = self.data
        else:
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


def _is_cents(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


def add_colleague(form: FlaskForm, add_staff_member: Callable, organisation_id: int, back: str):
    """The colleague form of an organisation page: a redirect to `back` once the colleague
    was added, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    try:
        add_staff_member(
            organisation_id, name=form.name.data, email=form.email.data, actor_id=current_user.id
        )
    except ValidationFailed as error:
        show_errors(form, error)
        return None
    flash(_("We sent your colleague an e-mail with a link to choose a password."), "success")
    return redirect(back)


def page_arg() -> int:
    """?page=N from the request, kept between 1 and MAX_PAGE (a huge number is no error)."""
    return min(MAX_PAGE, max(1, request.args.get("page", 1, type=int) or 1))


# --- one-time keys: a form that moves money has one effect, however often it is sent ---

ONCE_FIELD = "once_key"
_NOT_HASHED = {"csrf_token", ONCE_FIELD}


def once_key_input() -> Markup:
    """A hidden field with a fresh one-time key; every form that moves money renders one."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (
        ONCE_FIELD,
        secrets.token_urlsafe(24),
    )


def once_key() -> str | None:
    """The one-time key the submitted form carries.

    A form without one is refused where CSRF protection is on (every real browser form
    renders its key); tests that switch CSRF off may leave it out and get a plain run.
    """
    key = request.form.get(ONCE_FIELD) or None
    if key is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        raise ValidationFailed(_("The form had expired. Please send it again."))
    return key


def _form_request() -> dict:
    # What the form asked for: the page it was sent to and its fields (files by name), so
    # the same key sent with something else is told apart from a double click.
    # Never a password (the apply form asks for one): the hash is fast and unsalted, so a
    # copy of the database would let anyone test passwords with it, around argon2.
    fields = {
        name: request.form.getlist(name)
        for name in request.form
        if name not in _NOT_HASHED and "password" not in name.lower()
    }
    files = {name: [f.filename for f in request.files.getlist(name)] for name in request.files}
    return {"endpoint": request.endpoint, "args": request.view_args, "form": fields, "files": files}


ALREADY_DONE = _l("This form was already sent; what it asked for was done once.")


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """What a money form's service returned; on a replay nothing ran and value is None."""

    value: T | None
    replayed: bool
    result_id: int | None = None


def _id_of(value) -> int | None:
    return value if isinstance(value, int) else getattr(value, "id", None)


def submit_once(perform: Callable[[], T]) -> Submitted[T]:
    """Run a money form's service once per one-time key, in one unit of work with the key.

    A second submission with the key (a double click, a reload, a race) has no effect: it
    replays (result_id is the first run's id where it had one). The key sent again with other
    fields is a replay without a result, never a second effect.
    """
    key = once_key()
    values: list[T] = []

    def run() -> int | None:
        values.append(perform())
        return _id_of(values[0])

    try:
        outcome = run_once(f"form:{current_user.id}", key, _form_request(), run)
    except IdempotencyConflict:
        return Submitted(None, replayed=True)
    return Submitted(values[0] if values else None, outcome.replayed, outcome.result_id)


def submit_keyed(call: Callable[[str | None], Outcome]) -> Submitted[Outcome]:
    """Like submit_once, for a service that runs once per key itself (deposit, grant by hand)."""
    try:
        outcome = call(once_key())
    except IdempotencyConflict:
        return Submitted(None, replayed=True)
    return Submitted(outcome, outcome.replayed, outcome.result_id)


def replayed(done: Submitted) -> bool:
    """True, with ALREADY_DONE shown, when the form was a replay of an earlier submission."""
    if done.replayed:
        flash(str(ALREADY_DONE), "info")
    return done.replayed
