"""Generator forms beyond names and qualifiers: substances named by their material,
negation said as a sentence or a zero value, brake parts that are not brake hoses,
certification in other words, and the sentence shapes rows are framed in."""

from __future__ import annotations

import random
import re

import data_gen
import data_vocab as V
import data_vocab_forms as F
import pytest
import rule_engine
import statements
from data_gen import Fact, label_facts
from slices import mentioned_rules, slice_tags


@pytest.mark.parametrize("subject", sorted(F.SUBSTANCE_MATERIALS))
def test_a_material_that_holds_a_substance_is_that_substance_present(subject: str) -> None:
    rule = rule_engine.SUBSTANCE_RULE[subject]
    rng = random.Random(1)
    materials = set()
    for _ in range(400):
        text, facts = statements.material_presence(rng, subject)
        assert not re.search(r"\d\s*(%|ppm|mg/kg)", text), text
        assert label_facts(facts) == ("non_compliant", rule), text
        # the text reader, written apart from the vocabulary, sees the substance as present
        assert "presence_no_amount" in slice_tags(f"door module, {text}"), text
        materials.add(text)
    assert len(materials) > 40


@pytest.mark.parametrize("subject", sorted(F.SUBSTANCE_MATERIALS))
def test_negation_as_a_sentence_or_a_zero_value_is_compliant(subject: str) -> None:
    rng = random.Random(2)
    zero = sentence = 0
    for _ in range(400):
        text, facts = statements.other_negation(rng, subject, {})
        assert label_facts(facts) == ("compliant", ""), text
        assert "presence_no_amount" not in slice_tags(f"door module, {text}"), text
        (fact,) = facts
        zero += fact.amount == 0.0
        sentence += not fact.present
    assert zero > 50 and sentence > 150


def test_an_amount_of_zero_is_not_present_even_where_any_amount_violates() -> None:
    assert label_facts([Fact("substance", "asbestos", amount=0.0)]) == ("compliant", "")
    assert label_facts([Fact("substance", "asbestos", amount=0.001)]) == ("non_compliant", "R5")


def test_brake_parts_that_are_not_hoses_need_no_certification() -> None:
    rng = random.Random(3)
    categories = set()
    for _ in range(500):
        text, facts, category = statements.brake_hose_statement(rng, False)
        categories.add(category)
        assert label_facts(facts) == ("compliant", ""), text
        if category == "brake_part":
            assert facts[0].kind == "brake_part"
    assert categories == {"brake_hose", "hose", "brake_part"}
    assert label_facts([Fact("brake_part", "other")]) == ("compliant", "")
    assert all("hose" not in part for part in V.COMPONENTS["brake_part"])


def test_certified_hoses_with_other_paperwork_pending_are_certified() -> None:
    rng = random.Random(4)
    pending_paperwork = 0
    for _ in range(800):
        text, facts, category = statements.brake_hose_statement(rng, False)
        if category == "brake_hose" and re.search(r"pending|outstanding|to follow|awaiting", text):
            pending_paperwork += 1
            assert any(doc in text for doc in F.OTHER_PAPERWORK), text
            assert label_facts(facts) == ("compliant", ""), text
    assert pending_paperwork > 40


def test_certification_missing_said_in_other_words_violates() -> None:
    rng = random.Random(5)
    said = set()
    for _ in range(1500):
        text, facts, _ = statements.brake_hose_statement(rng, True)
        assert label_facts(facts) == ("non_compliant", "R8"), text
        said.add(text)
    for phrases in F.CERT_NO_MORE.values():
        assert said >= set(phrases)


def test_lead_frames_and_component_leads_are_not_lead() -> None:
    for part in ("lead frame", "leadframe", "component leads"):
        assert "R1" not in mentioned_rules(f"{part} C194 copper alloy"), part


def test_generated_rows_use_the_new_forms_and_shapes() -> None:
    rows = [row for row, _ in data_gen.generate_examples(3000, seed=23)]
    text = "\n".join(r["description"] for r in rows).lower()
    for word in (
        "not used",
        "0 %",
        "571.106",
        "fmvss 106: no",
        "brake fluid reservoir",
        "substance declaration",
        "job card",
        "cw612n",
    ):
        assert word in text, word
    for subject, materials in F.SUBSTANCE_MATERIALS.items():
        assert any(m.lower() in text for m, _ in materials), subject
    by_rule: dict[str, int] = {}
    for row in rows:
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + 1
    assert by_rule["R1"] > 1.5 * by_rule["R2"]  # lead, with its exemptions, most often
