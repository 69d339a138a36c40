"""Money: integer cents, parsing as people write amounts, no float anywhere."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallet.core.money import MAX_CENTS, Money, MoneyError, check_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1250", 125000),
        ("12,50", 1250),
        ("12.50", 1250),
        ("1.250,00", 125000),
        ("€ 1.250,00", 125000),
        ("1.250", 125000),
        ("0,01", 1),
        ("-3,00", -300),
        ("2,400.00", 240000),  # English grouping: never read as € 2,40
        ("1,250,000.00", 125000000),
        ("1.250.000,00", 125000000),
    ],
)
def test_parse_reads_dutch_and_english_notation(text, cents):
    assert Money.parse(text) == Money(cents)


@pytest.mark.parametrize(
    "text", ["", "abc", "12,345", "1,2,3", "€", "12.5.0,1x", "12.34,5", "1,25.00", "12,3456.00"]
)
def test_parse_refuses_what_is_not_an_amount_in_cents(text):
    with pytest.raises(MoneyError):
        Money.parse(text)


def test_floats_and_other_currencies_are_refused():
    with pytest.raises(MoneyError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(100, "USD")
    with pytest.raises(MoneyError):
        Money(100) + Money(100, "GBP")  # unknown currency fails at construction


def test_arithmetic_stays_in_cents():
    assert Money(1050) + Money(25) == Money(1075)
    assert Money(1050) - Money(2000) == Money(-950)
    assert (Money(1050) - Money(2000)).is_negative
    assert -Money(5) == Money(-5)
    assert not Money.zero()


def test_split_bps_rounds_down_and_checks_range():
    assert Money(999).split_bps(5000) == Money(499)
    assert Money(100_00).split_bps(10_000) == Money(100_00)
    with pytest.raises(MoneyError):
        Money(100).split_bps(10_001)


def test_format_follows_the_locale():
    assert Money(125000).format("nl") == "€\xa01.250,00"
    assert Money(125000).format("en") == "€1,250.00"


@pytest.mark.parametrize("cents", [0, -1, MAX_CENTS + 1, True, 1.5])
def test_check_amount_refuses_zero_negative_absurd_and_non_integers(cents):
    with pytest.raises(MoneyError):
        check_amount(cents)


def test_check_amount_accepts_the_range():
    assert check_amount(1) == 1
    assert check_amount(MAX_CENTS) == MAX_CENTS
    assert check_amount(0, allow_zero=True) == 0


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
def test_parse_reads_back_what_it_formats(cents):
    assert Money.parse(Money(cents).format("nl").replace("\xa0", " ")) == Money(cents)


@given(st.integers(0, MAX_CENTS), st.integers(0, 10_000))
def test_a_share_and_its_rest_add_up_to_the_whole(cents, bps):
    whole = Money(cents)
    share = whole.split_bps(bps)
    rest = whole - share
    assert share + rest == whole
    assert not share.is_negative
    assert not rest.is_negative


@given(st.integers(min_value=-(10**13), max_value=10**13), st.sampled_from(["nl", "de", "en"]))
def test_formatting_writes_what_babel_writes(cents, locale):
    from babel.numbers import format_currency

    expected = format_currency(Money(cents).to_decimal(), "EUR", locale=locale)
    assert Money(cents).format(locale) == expected


def test_a_locale_not_grouping_by_threes_goes_through_babel():
    from babel.numbers import format_currency

    amount = Money(1_234_567_89)
    assert amount.format("hi") == format_currency(amount.to_decimal(), "EUR", locale="hi")
    assert amount.format("nl") == "€\xa01.234.567,89"
