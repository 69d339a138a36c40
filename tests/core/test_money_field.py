"""MoneyField shows stored cents as people write them and reads them back to the same cents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form

from wallet.core.forms import MoneyField
from wallet.core.money import MAX_CENTS


class AmountForm(Form):
    amount = MoneyField("Amount")


@pytest.mark.parametrize(
    ("cents", "shown"),
    [(1, "0,01"), (100, "1,00"), (125_000, "1.250,00"), (MAX_CENTS, "10.000.000,00")],
)
def test_stored_cents_render_in_dutch_notation(app_ctx, cents, shown):
    assert AmountForm(data={"amount": cents}).amount._value() == shown


def test_cents_assigned_to_data_render_too(app_ctx):
    form = AmountForm()
    form.amount.data = 400_000
    assert 'value="4.000,00"' in form.amount()


def test_what_a_person_wrote_is_shown_as_written(app_ctx):
    form = AmountForm(MultiDict({"amount": "12,5 euro"}))
    assert not form.validate()
    assert form.amount._value() == "12,5 euro"
    assert form.amount.cents is None


def test_an_empty_field_is_no_amount(app_ctx):
    form = AmountForm(MultiDict({"amount": ""}))
    assert form.validate()
    assert form.amount.cents is None
    assert form.amount._value() == ""


@given(st.integers(min_value=1, max_value=MAX_CENTS))
def test_any_amount_renders_and_parses_back_to_the_same_cents(app, cents):
    with app.app_context():
        shown = AmountForm(data={"amount": cents}).amount._value()
        sent = AmountForm(MultiDict({"amount": shown}))
        assert sent.validate(), sent.errors
    assert sent.amount.cents == cents


@given(st.integers(min_value=1, max_value=MAX_CENTS))
def test_a_form_filled_from_cents_validates_to_them(app, cents):
    with app.app_context():
        form = AmountForm(data={"amount": cents})
        assert form.validate()
    assert form.amount.cents == cents


@pytest.mark.parametrize("cents", [0, -100, MAX_CENTS + 1])
def test_stored_cents_out_of_range_are_refused(app_ctx, cents):
    form = AmountForm(data={"amount": cents})
    assert not form.validate()
    assert form.amount.cents is None
