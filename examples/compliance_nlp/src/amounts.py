"""Concentrations in free text: numbers, units, conversion to percent, implausible values.

Pure string handling (``re`` only), shared by text normalisation
(``modeling.normalize_text``), the data generator, the slice tagger of the
error analysis and the scoring service's input flags, so that all of them read
an amount the same way.

Units understood (case-insensitive), as a multiple of one percent by weight:

==========================================================  =========
``%``, ``wt%``, ``wt.%``, ``wt.-%``, ``% w/w``, ``% (m/m)``,  1
``% by weight``, ``mass-%``, ``weight %``, ``percent``,
``pct``
``g/kg``, ``mg/g``, ``‰``, ``per mille``                    0.1
``ppm``, ``ppmw``, ``parts per million``, ``mg/kg``,          0.0001
``mg kg-1``, ``µg/g``, ``ug/g``
``ppb``                                                     0.0000001
==========================================================  =========

Numbers: ``1.5``, ``.08``, ``0,12`` (decimal comma), ``1,200`` and
``1\u202f200`` (thousands; a plain space is not read as a thousands
separator), a leading minus sign (``-0.05 %``), and ranges
(``0.05-0.08 %``, ``0.2 to 0.3 wt%``), whose lower end takes the unit of the
upper end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Unit alternatives with their scale to percent; longest spellings first inside each.
UNIT_PATTERNS: tuple[tuple[str, float], ...] = (
    (r"mg\s*/\s*kg|mg\s+per\s+kg|mg\s*kg-1|[µμu]g\s*/\s*g", 1e-4),
    (r"ppmw?(?:\s*w/w)?|parts\s+per\s+million", 1e-4),
    (r"ppb", 1e-7),
    (r"g\s*/\s*kg|g\s+per\s+kg|mg\s*/\s*g|‰|per\s*mille|permille|promille", 0.1),
    (
        r"%\s*(?:w\s*/\s*w|wt\.?|by\s+weight|by\s+wt\.?|by\s+mass|\(w/w\)|\(m/m\)|m/m)?"
        r"|wt\.?\s*-?\s*%|w/w\s*%|weight\s*-?\s*%|mass\s*-?\s*%|weight\s+percent"
        r"|per\s*cent|percent|pct\.?",
        1.0,
    ),
)
# Thousands may be separated by a no-break or thin space, not by a plain space
# ("BDE 209 700 ppm" is 700 ppm).
_NUMBER = r"(?:\d{1,3}(?:[\u00a0\u202f]\d{3})+(?![\d.,])|\d+(?:[.,]\d+)*|\.\d+)"
_SIGN = r"(?:^|(?<=[\s:=(\[]))(?P<sign>[-\u2212])"
_UNIT = "|".join(f"(?:{pattern})" for pattern, _ in UNIT_PATTERNS)
AMOUNT_RE = re.compile(
    r"(?:" + _SIGN + r")?"
    r"(?:(?P<low>" + _NUMBER + r")\s*(?:-|\u2013|to)\s*)?"
    r"(?P<num>" + _NUMBER + r")\s*(?P<unit>" + _UNIT + r")(?![a-z])",
    re.IGNORECASE,
)
_UNIT_RES = tuple((re.compile(p, re.IGNORECASE), scale) for p, scale in UNIT_PATTERNS)

FLAG_ABOVE_100 = "concentration_above_100_percent"
FLAG_NEGATIVE = "negative_amount"


@dataclass(frozen=True)
class Amount:
    """One concentration found in a text. ``percent`` is signed; ``low_percent`` is the
    lower end of a range (None otherwise); ``scale`` is the unit's multiple of 1 %."""

    start: int
    end: int
    percent: float
    low_percent: float | None
    unit: str
    scale: float

    @property
    def is_percent(self) -> bool:
        """True for a percent spelling (``%``, ``wt%``, ``% w/w``, ...)."""
        return self.scale == 1.0


def parse_number(raw: str) -> float | None:
    """Parse ``1,200`` (thousands), ``0,12`` (decimal comma), ``1.5`` and ``.5``."""
    raw = re.sub(r"[\u00a0\u202f]", "", raw)
    if "," in raw and "." in raw:
        raw = raw.replace(",", "")
    elif "," in raw:
        head, _, tail = raw.partition(",")
        if re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+", raw):
            raw = raw.replace(",", "")
        elif "," not in tail:
            raw = f"{head}.{tail}"
        else:
            return None
    try:
        return float(raw)
    except ValueError:
        return None


def unit_scale(unit: str) -> float | None:
    """Multiple of one percent for a unit spelling, or None when it is not a unit above."""
    for pattern, scale in _UNIT_RES:
        if pattern.fullmatch(unit.strip()):
            return scale
    return None


def _amount(match: re.Match[str]) -> Amount | None:
    value = parse_number(match.group("num"))
    scale = unit_scale(match.group("unit"))
    if value is None or scale is None:
        return None
    low = parse_number(match.group("low")) if match.group("low") else None
    sign = -1.0 if match.group("sign") else 1.0
    return Amount(
        start=match.start(),
        end=match.end(),
        percent=float(f"{sign * value * scale:.12g}"),
        low_percent=None if low is None else float(f"{sign * low * scale:.12g}"),
        unit=match.group("unit"),
        scale=scale,
    )


def find_amounts(text: str) -> list[Amount]:
    """Every concentration in ``text``, in order. Pure."""
    found = (_amount(m) for m in AMOUNT_RE.finditer(text))
    return [a for a in found if a is not None]


def format_percent(value: float) -> str:
    """``0.12`` -> ``"0.12"``, ``4e-05`` -> ``"0.00004"``; never scientific."""
    if value == 0:
        return "0"
    import math

    decimals = max(0, min(9, 3 - int(math.floor(math.log10(abs(value))))))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def spell_percent(value: float) -> str:
    """``0.015`` -> ``"0 . 0 1 5"``: a percentage digit by digit (sign kept)."""
    text = format_percent(abs(value))
    return ("- " if value < 0 else "") + " ".join(text)


def rewrite_amounts(text: str) -> str:
    """Every concentration rewritten as a percentage spelt digit by digit
    (``"Cd 150 mg/kg"`` -> ``"Cd 0 . 0 1 5 %"``). Pure and idempotent."""

    def replace(match: re.Match[str]) -> str:
        amount = _amount(match)
        if amount is None:
            return match.group(0)
        spelt = spell_percent(amount.percent)
        if amount.low_percent is not None:
            spelt = f"{spell_percent(amount.low_percent)} - {spell_percent(amount.percent)}"
        return f"{spelt} %"

    return AMOUNT_RE.sub(replace, text)


def implausible_flags(amounts: list[Amount]) -> list[str]:
    """Flags for amounts no real material can have: above 100 % or below zero. Pure."""
    flags = []
    if any(a.percent > 100 for a in amounts):
        flags.append(FLAG_ABOVE_100)
    if any(a.percent < 0 or (a.low_percent is not None and a.low_percent < 0) for a in amounts):
        flags.append(FLAG_NEGATIVE)
    return flags
