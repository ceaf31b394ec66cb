"""Amounts in złoty as the acts and residents write them: reading, rounding and showing them.

Everything is `Decimal`: a benefit is paid in grosze and binary floats would lose them. The acts
that set these benefits say nothing about rounding the working, so an amount is rounded to the
grosz half up, except a bound the act sets: a floor ("not less than 50 % of the difference") is
rounded up and a ceiling ("not more than 70 % of the expenses") down, so the bound holds.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

GROSZ = Decimal("0.01")
MAX_AMOUNT = Decimal(10_000_000)  # no household's monthly income or costs: a typo, not a case
MAX_AREA = Decimal(10_000)

_MONTHS = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
# "3 600,50 zł netto", "3600.5", "1 200 zł/mies.", "1.200,00 zł": spaces (also non-breaking) or a
# dot group thousands; a comma or a dot marks grosze.
_CURRENCY = re.compile(r"(zł|zl|pln)\b\.?", re.IGNORECASE)
_PERIOD = re.compile(r"(/\s*mies(iąc|iac)?\.?|miesięcznie|miesiecznie|netto)", re.IGNORECASE)
_NOT_AN_AMOUNT = "Podaj kwotę w złotych, np. 1200 albo 1 200,50."
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d{1,2})?$")


class AmountError(ValueError):
    """A value that is not an amount this module can read, with the Polish reason."""


def parse_amount(value: object, *, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount in złoty from a number or from text as residents write it.

    Accepts 3600, 3600.5, "3 600,50 zł", "3600 netto", "1.200,00 zł/mies.". Refuses "brutto":
    the acts count net income, and gross cannot be turned into net without the tax details.

    Raises:
        AmountError: not an amount, negative, more than two decimal places, or above `maximum`.
    """
    if isinstance(value, bool):
        raise AmountError(_NOT_AN_AMOUNT)
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        amount = _read_text(value)
    else:
        raise AmountError(_NOT_AN_AMOUNT)
    if not amount.is_finite():
        raise AmountError(_NOT_AN_AMOUNT)
    if amount < 0:
        raise AmountError("Kwota nie może być ujemna.")
    if amount > maximum:
        raise AmountError(f"Kwota jest nierealnie wysoka (ponad {zl(maximum)}) – sprawdź ją.")
    if amount != amount.quantize(GROSZ, rounding=ROUND_HALF_UP):
        raise AmountError("Kwota może mieć najwyżej dwa miejsca po przecinku (grosze).")
    return amount


def _read_text(text: str) -> Decimal:
    if "brutto" in text.lower():
        raise AmountError(
            "Podaj kwotę netto (po odjęciu podatku i składek) – kalkulator nie przelicza brutto "
            "na netto."
        )
    cleaned = _PERIOD.sub("", _CURRENCY.sub("", text)).strip()
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", cleaned)
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise AmountError(_NOT_AN_AMOUNT)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # the pattern above admits only numbers; kept for safety
        raise AmountError(_NOT_AN_AMOUNT) from exc


def to_grosze(amount: Decimal) -> Decimal:
    """Rounded to the grosz, half up."""
    return amount.quantize(GROSZ, rounding=ROUND_HALF_UP)


def to_grosze_up(amount: Decimal) -> Decimal:
    """Rounded up to the grosz: for a floor the act sets ("not less than …")."""
    return amount.quantize(GROSZ, rounding=ROUND_CEILING)


def to_grosze_down(amount: Decimal) -> Decimal:
    """Rounded down to the grosz: for a ceiling the act sets ("not more than …")."""
    return amount.quantize(GROSZ, rounding=ROUND_FLOOR)


def percent_of(percent: Decimal, amount: Decimal) -> Decimal:
    """`percent` % of `amount`, unrounded."""
    return percent * amount / 100


def monthly_from_yearly(yearly: Decimal) -> Decimal:
    """A year's income as the acts' "average monthly income": a twelfth, to the grosz."""
    return to_grosze(yearly / 12)


def _grouped(number: Decimal) -> str:
    sign = "−" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    text = " ".join([whole, *groups])
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def zl(amount: Decimal) -> str:
    """ "1 069,90 zł", "1 313 zł": whole złoty without ",00", as the knowledge base writes them."""
    rounded = to_grosze(amount)
    shown = rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded
    return f"{_grouped(shown)} zł"


def number(value: Decimal) -> str:
    """A plain number as Polish writes it: "130", "0,5", "1 010"."""
    normal = value.normalize()
    shown = normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
    return _grouped(shown)


def pct(value: Decimal) -> str:
    """ "130%", "0,5%"."""
    return f"{number(value)}%"


def m2(value: Decimal) -> str:
    """ "48 m²", "52,5 m²"."""
    return f"{number(value)} m²"


def day(value: dt.date) -> str:
    """ "1 stycznia 2025 r." """
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year} r."
