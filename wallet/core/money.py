"""Money in integer cents. Never a float: amounts are parsed from text with Decimal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _

CURRENCIES = frozenset({"EUR"})
# Ten million euro: larger than any single budget, course or batch line Leerwallet handles.
MAX_CENTS = 10_000_000_00

_AMOUNT = re.compile(r"^\s*(€\s*)?(?P<number>-?[0-9][0-9.,\s]*)\s*$")


class MoneyError(ValueError):
    """An amount or currency that Leerwallet does not accept."""


def _not_an_amount(text: str | None) -> str:
    # Said to a person (a form, a CSV row): in their language, with an example that passes.
    return _(
        "“%(text)s” is not an amount in euros. Write it like 1250 or 1.250,00.",
        text=(text or "").strip(),
    )


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount of money as whole cents in one currency."""

    cents: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise MoneyError("amounts are whole cents")
        if self.currency not in CURRENCIES:
            raise MoneyError(f"unknown currency {self.currency!r}; Leerwallet pays in EUR")

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        """Nothing, in `currency`."""
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str = "EUR") -> Money:
        """Read an amount as people write it: "1250", "12,50", "1.250,00", "€ 12.50"."""
        match = _AMOUNT.match(text or "")
        if not match:
            raise MoneyError(_not_an_amount(text))
        number = match["number"].replace(" ", "")
        if "," in number and "." in number:
            # Both marks: the last one is the decimal mark, the other groups thousands
            # ("1.250,00" and "1,250.00"), and only in groups of three.
            mark = "," if number.rfind(",") > number.rfind(".") else "."
            group = "." if mark == "," else ","
            whole, _mark, fraction = number.rpartition(mark)
            if not re.fullmatch(rf"-?\d{{1,3}}(\{group}\d{{3}})*", whole):
                raise MoneyError(_not_an_amount(text))
            number = f"{whole.replace(group, '')}.{fraction}"
        elif "," in number:
            # Dutch notation: the comma is the decimal mark.
            if number.count(",") > 1:
                raise MoneyError(_not_an_amount(text))
            number = number.replace(",", ".")
        elif number.count(".") > 1 or re.search(r"\.\d{3}$", number):
            number = number.replace(".", "")
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise MoneyError(_not_an_amount(text)) from None
        if value != value.quantize(Decimal("0.01")):
            raise MoneyError(_("An amount has at most two digits after the comma, e.g. 12,50."))
        return cls(int(value * 100), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("money only adds to money")
        if other.currency != self.currency:
            raise MoneyError("cannot mix currencies")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    def __bool__(self) -> bool:
        return self.cents != 0

    @property
    def is_negative(self) -> bool:
        """Below zero."""
        return self.cents < 0

    def split_bps(self, basis_points: int) -> Money:
        """The share of this amount at `basis_points` (1/100 of a percent), rounded down."""
        if not 0 <= basis_points <= 10_000:
            raise MoneyError("a share is between 0 and 10000 basis points")
        return Money(self.cents * basis_points // 10_000, self.currency)

    def to_decimal(self) -> Decimal:
        """The amount in euros as an exact Decimal (for display and files, never arithmetic)."""
        return Decimal(self.cents).scaleb(-2)

    def format(self, locale: str = "nl") -> str:
        """The amount as people of `locale` read it, e.g. "€ 1.250,00" (as babel writes it; a
        page of a thousand amounts would spend a second in babel, so its layout is learnt once
        per locale and filled in here)."""
        layout = _layout(locale, self.currency)
        if layout is None:
            from babel.numbers import format_currency

            return format_currency(self.to_decimal(), self.currency, locale=locale)
        positive, negative, group, decimal = layout
        whole, part = divmod(abs(self.cents), 100)
        number = f"{whole:,}".replace(",", group) + f"{decimal}{part:02d}"
        return (negative if self.cents < 0 else positive).replace(_NUMBER, number)

    def digits(self, locale: str = "nl") -> str:
        """The amount without the currency sign, as a form field shows it: "1.250,00" (read
        back by Money.parse)."""
        layout = _layout(locale, self.currency)
        if layout is None:
            from babel.numbers import format_decimal

            return format_decimal(self.to_decimal(), "#,##0.00", locale=locale)
        _positive, _negative, group, decimal = layout
        whole, part = divmod(abs(self.cents), 100)
        sign = "-" if self.cents < 0 else ""
        return sign + f"{whole:,}".replace(",", group) + f"{decimal}{part:02d}"

    def __str__(self) -> str:
        return f"{self.currency} {self.to_decimal():.2f}"


_NUMBER = "\x00"  # where the number goes in a learnt layout


@cache
def _layout(locale: str, currency: str) -> tuple[str, str, str, str] | None:
    """How babel writes `currency` in `locale`: (positive, negative, group symbol, decimal
    symbol), the number marked by _NUMBER; None unless it groups by threes with two decimals
    (then every amount goes through babel itself)."""
    from babel.numbers import format_currency, get_decimal_symbol, get_group_symbol

    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    one = f"1{decimal}00"
    positive = format_currency(Decimal("1.00"), currency, locale=locale)
    negative = format_currency(Decimal("-1.00"), currency, locale=locale)
    if positive.count(one) != 1 or negative.count(one) != 1:
        return None
    big = format_currency(Decimal("1234567.89"), currency, locale=locale)
    if big != positive.replace(one, f"1{group}234{group}567{decimal}89"):
        return None
    return positive.replace(one, _NUMBER), negative.replace(one, _NUMBER), group, decimal


def check_amount(cents: int, *, allow_zero: bool = False) -> int:
    """`cents` if it is a sane positive amount, else a MoneyError saying why."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError("amounts are whole cents")
    if cents < 0 or (cents == 0 and not allow_zero):
        raise MoneyError(_("The amount must be more than zero."))
    if cents > MAX_CENTS:
        raise MoneyError(_("The amount is more than Leerwallet accepts (€ 10.000.000)."))
    return cents
