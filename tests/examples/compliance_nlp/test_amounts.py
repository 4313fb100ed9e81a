"""Concentrations in text: units and conversions, number forms, text normalisation, input flags."""

from __future__ import annotations

import amounts
import pytest
from modeling import normalize_text
from slices import input_flags


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("Pb 0.1 %", 0.1),
        ("Pb 1000 ppm", 0.1),  # the Pb limit in ppm
        ("Pb 1,000 mg/kg", 0.1),
        ("Pb 1 g/kg", 0.1),  # g/kg is per mille
        ("Pb 1 \u2030", 0.1),
        ("Pb 1000 \u00b5g/g", 0.1),
        ("Cd 100 ppm", 0.01),  # the Cd limit in ppm
        ("Cd 0.1 g/kg", 0.01),
        ("Cd 100 mg kg-1", 0.01),
        ("Cd 100 parts per million", 0.01),
        ("Hg 0,12 wt%", 0.12),
        ("Hg 0.12 % w/w", 0.12),
        ("Hg 0.12 wt.-%", 0.12),
        ("Hg 0.12 % by weight", 0.12),
        ("Hg 0.12 percent", 0.12),
        ("Hg .12%", 0.12),
        ("decaBDE 1\u202f200 ppm", 0.12),
        ("Cr(VI) 5 ppb", 5e-7),
    ],
)
def test_units_convert_to_percent(text: str, percent: float) -> None:
    (found,) = amounts.find_amounts(text)
    assert found.percent == pytest.approx(percent)


def test_plain_space_is_not_a_thousands_separator() -> None:
    (found,) = amounts.find_amounts("BDE 209 700 ppm")
    assert found.percent == pytest.approx(0.07)


def test_ranges_and_signs() -> None:
    (found,) = amounts.find_amounts("lead 0.05-0.08 %")
    assert (found.low_percent, found.percent) == (pytest.approx(0.05), pytest.approx(0.08))
    (found,) = amounts.find_amounts("Pb 0.2 to 0.3 wt%")
    assert found.low_percent == pytest.approx(0.2)
    (found,) = amounts.find_amounts("Cd: -0.01 %")
    assert found.percent == pytest.approx(-0.01)
    (found,) = amounts.find_amounts("part 1234-56, Pb 0.3 %")  # a hyphen inside a number
    assert found.percent == pytest.approx(0.3)


def test_non_concentrations_are_not_amounts() -> None:
    assert amounts.find_amounts("95 %RH, -40 to 85 \u00b0C, 350 g R-134a, FMVSS 106") == []


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Cd 150 mg/kg", "Cd 0 . 0 1 5 %"),
        ("Pb 0,12 wt%", "Pb 0 . 1 2 %"),
        ("Hg 1.2 g/kg", "Hg 0 . 1 2 %"),
        ("Pb \u22120.05 %", "Pb - 0 . 0 5 %"),
        ("lead 0.05-0.08 %", "lead 0 . 0 5 - 0 . 0 8 %"),
        ("Pb \u2264 1000 ppm", "Pb <= 0 . 1 %"),
    ],
)
def test_normalize_text_spells_every_concentration_as_a_percentage(
    text: str, normalized: str
) -> None:
    assert normalize_text(text) == normalized
    assert normalize_text(normalized) == normalized  # idempotent


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("brass fitting, Pb 150 %", ["concentration_above_100_percent"]),
        ("Hg 1,200,000 ppm in the switch", ["concentration_above_100_percent"]),
        ("cadmium -0.01 % in pigment", ["negative_amount"]),
        ("Pb -40 ppm", ["negative_amount"]),
        ("lead 0.2 %, efficiency 120 %", []),  # an efficiency is not a concentration
        ("Pb 0.05 %, duty cycle 60 %", []),
        ("lead 100 %", []),  # pure lead is plausible
    ],
)
def test_implausible_concentrations_are_flagged(text: str, flags: list[str]) -> None:
    assert input_flags(text) == flags
