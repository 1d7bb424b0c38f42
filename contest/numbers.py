"""How every score is rounded and written: pages, PDF, CSV and XLSX share these functions.

One rule, so a council member sees the same digits on the ranking page, in the award list PDF and in
the spreadsheet: the exact stored value is rounded once, half-up at the displayed precision (72.125
→ 72.13, the engine's own tie rule), never first to some intermediate precision.  A value that
rounds to zero is written without a sign ("0,00", not "-0,00").  Pages and PDFs follow the reader's
language (Vietnamese: decimal comma, dot between thousands); CSV and XLSX carry the same rounded
decimal as a plain number with a decimal point, which every spreadsheet program reads.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_decimal

SCORE_DIGITS = 2


def score_decimal(value: float | Decimal | str | None, digits: int = SCORE_DIGITS) -> Decimal | None:
    """``value`` rounded half-up to ``digits`` places, as a decimal without a negative zero.

    Floats go through their shortest repr, as ``judging.rank.round_half_up`` does, so a stored 12.345
    is 12.35 as people expect; decimals and strings are taken digit for digit.
    """
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)) if isinstance(value, float)
                                                               else str(value))
    if not exact.is_finite():
        return None
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded.is_zero() else rounded


def format_score(value: float | Decimal | str | None, digits: int = SCORE_DIGITS) -> str:
    """A score for a page or a PDF, in the reader's language: 72.125 → "72,13" in Vietnamese."""
    rounded = score_decimal(value, digits)
    if rounded is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    # Already rounded to ``digits`` places, so Babel's own (half-even) rounding has nothing to do.
    return format_decimal(rounded, format=pattern)


def format_signed_score(value: float | Decimal | str | None, digits: int = SCORE_DIGITS) -> str:
    """A correction or a difference with its sign: "+5,97", "-0,40"; zero has none ("0,00")."""
    rounded = score_decimal(value, digits)
    if rounded is None:
        return "—"
    text = format_score(rounded, digits)
    if rounded > 0:
        return "+" + text
    return text


def decimal_places(value: Decimal) -> int:
    """How many places a rounded decimal carries (72.13 → 2), to write it back with as many."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def decimal_number_format(value: Decimal) -> str:
    """The XLSX number format that shows a rounded decimal with its own places: 72.13 → "0.00"."""
    places = decimal_places(value)
    return "0." + "0" * places if places else "0"
