"""Slices read from text: examples per slice, and agreement with the generator's own facts."""

from __future__ import annotations

import data_gen
import pytest
from slices import SLICES, mentioned_rules, slice_rule_key, slice_tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Instrument cluster PCB, lead-free SAC305 reflow", {"negation"}),
        ("brake pads, non-asbestos organic lining", {"negation"}),
        ("brake hose assembly, uncertified", {"negation"}),
        ("inflator with PSAN, no desiccant", {"negation"}),
        ("solder: not lead-free", {"negation", "presence_no_amount"}),
        ("wire harness, Pb 800 mg/kg in PVC", {"unit", "near_limit"}),
        ("pigment Cd 85 ppm", {"unit", "near_limit"}),
        ("Cd 3 ppm", {"unit"}),
        ("bronze bushing, Pb 3.8 %", {"alloy_context", "near_limit"}),
        ("CW614N fitting, Pb 3.1 %", {"alloy_context", "near_limit"}),
        ("11SMnPb30 shaft, Pb 0.5 %", {"alloy_context", "near_limit"}),
        ("EN AW-2011 housing, lead 0.3 %", {"alloy_context", "near_limit"}),
        ("brass fitting, Pb 0.3 %", {"alloy_context"}),  # far below the 4 % copper limit
        ("Cr(VI) 0.15 % in coating", {"near_limit"}),
        ("decaBDE 5 %", set()),
        ("hood light with mercury tilt switch", {"presence_no_amount"}),
        ("CCFL backlight for the display", {"presence_no_amount"}),
        ("connector shell cadmium plated", {"presence_no_amount"}),
        ("NiCd backup cell", {"presence_no_amount"}),
        ("zinc wheel weights instead of lead", {"negation"}),
        ("Pb within ELV limits", set()),
        ("A/C line charged with R-1234yf", set()),
        ("door seal EPDM, lead time 30 days, part no. 4711", set()),
    ],
)
def test_slices_of_examples(text: str, expected: set[str]) -> None:
    assert slice_tags(text) == expected


def test_rules_a_text_mentions() -> None:
    text = "A/C compressor charged with R-134a, lead-free solder, brake hose DOT marked"
    assert mentioned_rules(text) == {"R1", "R6", "R8"}
    assert slice_rule_key(text, "R6") == ["R6"]  # a labelled rule wins
    assert slice_rule_key(text, "") == ["R1", "R6", "R8"]
    assert slice_rule_key("door seal EPDM", "") == ["none"]


def test_slices_agree_with_the_generator_facts() -> None:
    """The generator knows which slices each statement belongs to; the text reader,
    which never sees those facts, must find them (and little else)."""
    examples = data_gen.generate_examples(2000, seed=41)
    for name in SLICES:
        truth = [name in set().union(*(f.tags for f in facts)) for _, facts in examples]
        found = [name in slice_tags(row["description"]) for row, _ in examples]
        hits = sum(t and f for t, f in zip(truth, found, strict=True))
        assert sum(truth) >= 60, name  # every slice is well represented in generated data
        assert hits / sum(truth) >= 0.97, (name, hits, sum(truth))
        assert hits / sum(found) >= 0.97, (name, hits, sum(found))
