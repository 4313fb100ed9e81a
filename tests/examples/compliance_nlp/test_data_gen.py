"""Data generator: the rule engine against the spec and its conventions, reproducibility,
format, variety, and what technicians write (designations, devices, negations, units)."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import data_gen
import data_vocab_regulated as R
import pytest
import rule_engine
import statements
from data_gen import Fact, label_facts
from modeling import normalize_text
from slices import alloy_families

S = "substance"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ([], ("compliant", "")),
        ([Fact(S, "Pb", amount=0.1)], ("compliant", "")),  # at the limit is not above it
        ([Fact(S, "Pb", amount=0.11)], ("non_compliant", "R1")),
        ([Fact(S, "Pb", present=False)], ("compliant", "")),
        ([Fact(S, "Pb")], ("non_compliant", "R1")),  # named as present, no amount
        ([Fact(S, "Pb", amount=3.9, alloy="copper")], ("compliant", "")),
        ([Fact(S, "Pb", amount=4.1, alloy="copper")], ("non_compliant", "R1")),
        ([Fact(S, "Pb", amount=0.3, alloy="steel")], ("compliant", "")),
        ([Fact(S, "Pb", amount=0.36, alloy="steel")], ("non_compliant", "R1")),
        ([Fact(S, "Pb", amount=0.4, alloy="aluminium")], ("compliant", "")),
        ([Fact(S, "Pb", amount=0.41, alloy="aluminium")], ("non_compliant", "R1")),
        ([Fact(S, "Pb", alloy="copper")], ("compliant", "")),  # alloying element, no amount
        ([Fact(S, "Hg", amount=0.001)], ("compliant", "")),
        ([Fact(S, "Hg", amount=0.12)], ("non_compliant", "R2")),
        ([Fact(S, "Cr6", amount=0.2)], ("non_compliant", "R3")),
        ([Fact(S, "Cr6", present=False)], ("compliant", "")),
        ([Fact(S, "Cd", amount=0.004)], ("compliant", "")),  # 40 ppm
        ([Fact(S, "Cd", amount=0.011)], ("non_compliant", "R4")),  # 110 ppm
        ([Fact(S, "Cd", amount=0.05)], ("non_compliant", "R4")),  # below Pb's limit, above Cd's
        ([Fact(S, "asbestos", amount=0.01)], ("non_compliant", "R5")),  # any amount
        ([Fact(S, "asbestos", present=False)], ("compliant", "")),
        ([Fact("refrigerant", "R-134a")], ("non_compliant", "R6")),
        ([Fact("refrigerant", "R-12")], ("non_compliant", "R6")),
        ([Fact("refrigerant", "R-22")], ("non_compliant", "R6")),
        ([Fact("refrigerant", "R-152a")], ("compliant", "")),  # GWP 124
        ([Fact("refrigerant", "R-1234yf")], ("compliant", "")),
        ([Fact("refrigerant", "R-744")], ("compliant", "")),
        ([Fact("inflator", "AN", desiccant=True)], ("compliant", "")),
        ([Fact("inflator", "AN", desiccant=False)], ("non_compliant", "R7")),
        ([Fact("inflator", "AN", desiccant=None)], ("non_compliant", "R7")),
        ([Fact("inflator", "other")], ("compliant", "")),
        ([Fact("brake_hose", "hose", cert="certified")], ("compliant", "")),
        *[
            ([Fact("brake_hose", "hose", cert=c)], ("non_compliant", "R8"))
            for c in ("missing", "pending", "failed", "other_standard", "unknown", "unstated")
        ],
        ([Fact(S, "decaBDE", amount=0.02)], ("compliant", "")),
        ([Fact(S, "decaBDE", amount=0.5)], ("non_compliant", "R9")),
        # bounds: "< limit" is compliant, "> limit" violates
        ([Fact(S, "Pb", amount=0.1, bound="upper")], ("compliant", "")),
        ([Fact(S, "Cd", amount=0.01, bound="lower")], ("non_compliant", "R4")),
        ([Fact(S, "Pb", amount=4.0, bound="upper", alloy="copper")], ("compliant", "")),
        # qualitative statements decide by what they say
        ([Fact(S, "Hg", qualifier="above_limit")], ("non_compliant", "R2")),
        ([Fact(S, "Cd", qualifier="within_limit")], ("compliant", "")),
        # implausible amounts: negative means not present, above 100 % is above the limit
        ([Fact(S, "Pb", amount=-0.05)], ("compliant", "")),
        ([Fact(S, "Cd", amount=150.0)], ("non_compliant", "R4")),
        # lead in an alloy outside the exemptions, or above the alloy's own limit
        ([Fact(S, "Pb", amount=0.2)], ("non_compliant", "R1")),
        ([Fact(S, "Pb", amount=0.5, alloy="steel")], ("non_compliant", "R1")),
        ([Fact(S, "Pb", amount=0.6, alloy="aluminium")], ("non_compliant", "R1")),
        ([Fact(S, "Pb", amount=5.0, alloy="copper")], ("non_compliant", "R1")),
        # R6: the charged refrigerant counts, one the part is only compatible with does not
        ([Fact("refrigerant", "R-134a", charged=False)], ("compliant", "")),
        (
            [Fact("refrigerant", "R-134a", charged=False), Fact("refrigerant", "R-1234yf")],
            ("compliant", ""),
        ),
        ([Fact("refrigerant", "R-410A")], ("non_compliant", "R6")),
        ([Fact("refrigerant", "R-290")], ("compliant", "")),
        ([Fact("refrigerant", "unnamed", amount=1430.0)], ("non_compliant", "R6")),
        ([Fact("refrigerant", "unnamed", amount=150.0)], ("compliant", "")),  # not above 150
        # R8: other hoses need no certification
        ([Fact("hose", "other")], ("compliant", "")),
        # the first violated rule wins, in R1..R9 order, whatever the text order
        ([Fact(S, "decaBDE"), Fact("refrigerant", "R-12"), Fact(S, "Hg")], ("non_compliant", "R2")),
        ([Fact(S, "Pb", present=False), Fact(S, "Cd", amount=0.02)], ("non_compliant", "R4")),
    ],
)
def test_rule_engine_follows_the_spec(facts: list[Fact], expected: tuple[str, str]) -> None:
    assert label_facts(facts) == expected


@pytest.mark.parametrize(
    "fact",
    [Fact(S, "Pb", amount=0.2, bound="upper"), Fact(S, "Hg", amount=0.05, bound="lower")],
)
def test_bounds_the_rules_cannot_decide_are_refused(fact: Fact) -> None:
    with pytest.raises(rule_engine.AmbiguousFact):
        label_facts([fact])


def test_rendered_amounts_state_exactly_the_value_the_label_uses() -> None:
    rng = random.Random(0)
    units = set()
    for _ in range(3000):
        pct = 10 ** rng.uniform(-5, 1.5) * rng.choice((1, 1, 1, -1))
        text, stated, scale = statements.render_amount(rng, pct)
        units.add(scale)
        number = re.fullmatch(r"(-?[\d.]+)%", normalize_text(text).replace(" ", ""))
        assert number, text
        assert float(number.group(1)) == pytest.approx(stated, rel=1e-6, abs=1e-12), text
    assert units == {1.0, 0.1, 1e-4}  # percent, per mille (g/kg), ppm


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("gen")
    return data_gen.generate_splits(out, 3000, 300, 300, seed=5)


def test_generation_is_reproducible_and_seed_dependent(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    again = data_gen.generate_splits(tmp_path / "a", 3000, 300, 300, seed=5)
    other = data_gen.generate_splits(tmp_path / "b", 3000, 300, 300, seed=6)
    for split, path in generated.items():
        assert path.read_bytes() == again[split].read_bytes()
        assert path.read_bytes() != other[split].read_bytes()


def test_rows_follow_the_data_format(generated: dict[str, Path]) -> None:
    ids: set[str] = set()
    texts: set[str] = set()
    for path in generated.values():
        with open(path, newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == list(data_gen.CSV_COLUMNS)
        for row in _read(path):
            assert re.fullmatch(r"CMP-\d{6}", row["component_id"])
            assert 5 <= len(row["description"].split()) <= 80, row["description"]
            assert row["label"] in ("compliant", "non_compliant")
            assert (row["rule"] != "") == (row["label"] == "non_compliant")
            assert row["component_id"] not in ids
            ids.add(row["component_id"])
            key = " ".join(row["description"].lower().split())
            assert key not in texts, "duplicate description across splits"
            texts.add(key)


def test_generated_data_has_the_variety_the_spec_asks_for(generated: dict[str, Path]) -> None:
    rows = _read(generated["train"])
    text = "\n".join(r["description"] for r in rows)
    rules = {r["rule"] for r in rows if r["rule"]}
    assert rules == {f"R{i}" for i in range(1, 10)}
    compliant = sum(r["label"] == "compliant" for r in rows) / len(rows)
    assert 0.55 < compliant < 0.85
    for unit in (r"\d ?%", r"\d ?wt\.?%", r"\d ?ppm", r"\d ?mg/kg", r"\d ?g/kg", r"\d ?% w/w"):
        assert re.search(unit, text), unit
    for word in (
        "lead-free",
        "contains no",
        "free of",
        "does not contain",
        "non-",
        "brass",
        "CW614N",
        "11SMnPb30",
        "EN AW-",
        "lead-acid",
        "CCFL",
        "R-152a",
        "compatible with",
        "desiccant",
        "FMVSS 106",
        "DOT",
        "uncertified",
        "P/N",
        "w/",
    ):
        assert word.lower() in text.lower(), word
    # composed, not a handful of templates: few descriptions share their first 4 words
    openings = {" ".join(r["description"].lower().split()[:4]) for r in rows}
    assert len(openings) > 0.6 * len(rows)


def test_compliant_rows_with_near_threshold_amounts_exist(generated: dict[str, Path]) -> None:
    """Amounts within a factor of two of the 0.1 % limit appear on both sides of it."""
    below = above = 0
    for row in _read(generated["train"]):
        norm = re.sub(r"(?<=\d) (?=[\d.])", "", normalize_text(row["description"]))
        norm = re.sub(r"(?<=\d\.) (?=\d)", "", norm)  # undo the digit spelling
        for match in re.finditer(r"\b(Pb|lead|Hg|mercury)\b\D{0,20}?([\d.]+) %", norm):
            value = float(match.group(2))
            if 0.05 <= value <= 0.1:
                below += 1
            elif 0.1 < value <= 0.2:
                above += 1
    assert below >= 15 and above >= 15


def test_cli_writes_three_splits(tmp_path: Path) -> None:
    assert (
        data_gen.main(
            [
                "--out",
                str(tmp_path),
                "--n-train",
                "40",
                "--n-val",
                "10",
                "--n-test",
                "10",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    assert [len(_read(tmp_path / f"{s}.csv")) for s in data_gen.SPLITS] == [40, 10, 10]


@pytest.mark.parametrize("family", sorted(R.PB_ALLOYS))
def test_every_alloy_designation_is_read_as_its_exemption_family(family: str) -> None:
    """The slice reader (written apart from the vocabulary) puts each designation in
    the family whose limit the rule engine applies to it."""
    for designation in R.PB_ALLOYS[family]:
        assert family in alloy_families(designation), designation


def test_alloy_statements_use_the_alloy_limit() -> None:
    rng = random.Random(3)
    exempted = 0
    for mode in ("within", "above") * 300:
        text, facts = statements.lead_alloy_statement(rng, mode)
        (fact,) = facts
        assert fact.alloy in rule_engine.ALLOY_PB_LIMITS and fact.amount is not None
        assert alloy_families(text), text
        above = fact.amount > rule_engine.ALLOY_PB_LIMITS[fact.alloy]
        assert label_facts(facts)[0] == ("non_compliant" if above else "compliant"), text
        exempted += not above and fact.amount > rule_engine.LIMITS["Pb"]
    assert exempted > 50  # amounts above 0.1 % that the alloy exemption allows


def test_devices_that_contain_a_substance_are_violations_without_an_amount() -> None:
    for subject, phrases in R.PRESENT_PHRASES.items():
        rule = rule_engine.SUBSTANCE_RULE[subject]
        for phrase in phrases:
            assert not re.search(r"\d\s*(%|ppm|mg/kg)", phrase), phrase
        assert label_facts([Fact(S, subject)]) == ("non_compliant", rule)


def test_technician_style_never_drops_the_word_an() -> None:
    """ "AN" (ammonium nitrate) is not the article "an"; dropping it would change the facts."""
    rng = random.Random(0)
    for _ in range(300):
        styled = data_gen.technician_style("inflator with AN propellant, an o-ring", rng, "AN")
        assert re.search(r"\ban propellant", styled, re.IGNORECASE), styled
        # nor with punctuation attached ("phase stabilized AN; asbestos: nil")
        styled = data_gen.technician_style("phase stabilized AN; seal EPDM", rng, "AN")
        assert re.search(r"\ban;", styled, re.IGNORECASE), styled


def test_lead_outside_an_alloy_never_shares_a_row_with_an_exempt_alloy() -> None:
    """Otherwise "ADC12 housing, Pb 0.3 %" would be labelled against 0.1 % while a reader
    may take the lead to be in the aluminium alloy (limit 0.4 %)."""
    checked = 0
    for row, facts in data_gen.generate_examples(3000, seed=17):
        free = [f for f in facts if f.subject == "Pb" and f.present and f.alloy is None]
        alloyed = [f for f in facts if f.alloy is not None]
        if free and not alloyed:
            checked += 1
            assert not alloy_families(row["description"]), row["description"]
    assert checked > 50


def test_implausible_amounts_are_rare_and_labelled_literally() -> None:
    rows = data_gen.generate_examples(6000, seed=19)
    amounts = [[x.amount for x in f if x.kind == "substance" and x.amount] for _, f in rows]
    above = [row for row, a in zip(rows, amounts, strict=True) if any(v > 100 for v in a)]
    negative = [row for row, a in zip(rows, amounts, strict=True) if any(v < 0 for v in a)]
    assert 0 < len(above) < 0.02 * len(rows) and 0 < len(negative) < 0.02 * len(rows)
    assert all(r["label"] == "non_compliant" for r, _ in above)
