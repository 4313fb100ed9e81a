"""Synthetic labelled component descriptions for the compliance example.

Each row is composed from independent parts (component, supplier, part number,
one to three material clauses, technical notes, regulated-subject statements,
orderings, punctuation and technician-style noise). Every regulated statement
(``statements.py``) states its *facts* (substance, amount in percent, bound,
alloy family, refrigerant and whether it is charged, propellant and
desiccant, brake-hose certification), and the label and rule are computed from
those facts by one function, ``rule_engine.label_facts``, which implements
``compliance-rules.md`` (R1..R9) with the documented decisions for the points
it leaves open (see ``rule_engine.py`` and the example README); text templates
never carry labels.

CLI::

    python examples/compliance_nlp/src/data_gen.py --out DIR \
        [--n-train 12000 --n-val 2000 --n-test 2000 --seed 13]

writes ``train.csv``, ``validation.csv`` and ``test.csv``. Generation is pure
given the seed: the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

import data_vocab as V
import statements as S
from rule_engine import (  # noqa: F401  (re-exported for callers of data_gen)
    ALLOY_PB_LIMITS,
    LIMITS,
    REFRIGERANT_GWP,
    SUBSTANCE_RULE,
    Fact,
    label_facts,
    violated_rule,
)
from statements import render_amount, sample_amount  # noqa: F401  (re-exported)

CSV_COLUMNS = ("component_id", "description", "label", "rule")
SPLITS = ("train", "validation", "test")
RULE_WEIGHTS = (3, 1, 1, 1, 1, 1, 1, 1.5, 1)  # R1..R9 in the first statement of a row
RULE_SUBJECT = {"R1": "Pb", "R2": "Hg", "R3": "Cr6", "R4": "Cd", "R5": "asbestos", "R9": "decaBDE"}
# materials that could be read as an exempt lead alloy; kept out of rows that state lead
# outside an alloy, so that a free-standing "Pb 0.3 %" is never ambiguous
EXEMPT_ALLOY_MATERIAL = re.compile(
    r"alu|brass|bronze|copper|\bCu|AlSi|ADC12|A380|gunmetal|machining|free-cutting", re.I
)


def regulated_statement(
    rng: random.Random, rule: str, violate: bool
) -> tuple[str, list[Fact], str | None]:
    """A statement about ``rule``'s subject; also a component category to use
    (``ac``, ``airbag``, ``brake_hose``, ``hose``, ``brake_part``, ``friction``) or None
    for any."""
    if rule == "R6":
        return (*S.refrigerant_statement(rng, violate), "ac")
    if rule == "R7":
        return (*S.inflator_statement(rng, violate), "airbag")
    if rule == "R8":
        return S.brake_hose_statement(rng, violate)
    if rule == "R1":
        draw = rng.random()
        if violate and draw < 0.3:
            return (*S.lead_alloy_statement(rng, "above"), None)
        if violate and draw < 0.4:
            return (*S.non_exempt_alloy_statement(rng, True), None)
        if not violate and draw < 0.3:
            return (*S.lead_alloy_statement(rng, "within"), None)
        if not violate and draw < 0.46:
            return (*S.lead_alloy_statement(rng, "no_amount"), None)
        if not violate and draw < 0.52:
            return (*S.non_exempt_alloy_statement(rng, False), None)
    if rule == "R5" and rng.random() < 0.6:
        return (*S.substance_statement(rng, "asbestos", violate), "friction")
    return (*S.substance_statement(rng, RULE_SUBJECT[rule], violate), None)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    op = rng.random()
    if op < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op < 0.8:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def technician_style(text: str, rng: random.Random, protected: str) -> str:
    """Abbreviations, dropped articles, occasional typos and casing, never
    touching words of the regulated statements (``protected``)."""
    keep = {w.lower().strip(".,;:()") for w in protected.split()}
    if rng.random() < 0.5:
        for long, short in V.ABBREVIATIONS:
            if rng.random() < 0.5:
                text = text.replace(long, short)
    words = text.split(" ")
    out = []
    for word in words:
        bare = word.lower().strip(".,;:()")
        # "AN" (ammonium nitrate) is no article, with or without punctuation ("AN;")
        if bare in ("the", "a", "an") and word.strip(".,;:()") != "AN" and rng.random() < 0.6:
            continue
        if bare not in keep and word.isalpha() and len(word) > 5 and rng.random() < 0.025:
            word = _typo(word, rng)
        out.append(word)
    text = " ".join(out)
    case = rng.random()
    if case < 0.2:
        text = text.lower()
    elif case < 0.25:
        text = text.upper()
    return text


def _states_free_lead(facts: list[Fact]) -> bool:
    return any(f.subject == "Pb" and f.present and f.alloy is None for f in facts)


def compose(rng: random.Random, plan: list[tuple[str, bool]]) -> tuple[str, list[Fact]]:
    """One description for a plan of (rule, violate) statements (may be empty)."""
    statements: list[str] = []
    facts: list[Fact] = []
    category = None
    for rule, violate in plan:
        text, fs, cat = regulated_statement(rng, rule, violate)
        category = category or cat
        if text and rng.random() < 0.12:
            text = V.wrap_statement(rng, text)
        if text:
            statements.append(text)
        facts.extend(fs)
    if category is None:
        category = rng.choice(V.GENERIC_CATEGORIES)
    component = rng.choice(V.COMPONENTS[category])
    if category == "brake_hose" and rng.random() < 0.3:
        component = f"{rng.choice(V.SIDES)} {component}"
    count = rng.choice((1, 1, 2, 2, 3))
    materials = V.materials_for(rng, category, count)
    while _states_free_lead(facts) and any(EXEMPT_ALLOY_MATERIAL.search(m) for m in materials):
        materials = V.materials_for(rng, category, count)
    notes = V.notes(rng, rng.choice((0, 1, 1, 2)))
    body = materials + statements
    rng.shuffle(body)
    text = V.frame(rng, component, body, notes)
    text = " ".join(technician_style(text, rng, " ".join(statements)).split())
    text = text.replace("..", ".")
    if len(text.split()) > 80:
        return compose(rng, plan)
    if len(text.split()) < 5:
        text = f"{text} {V.notes(rng, 1)[0]}"
    return text, facts


def sample_plan(rng: random.Random) -> list[tuple[str, bool]]:
    """35 % of rows mention no regulated subject, 30 % one in a compliant way,
    35 % violate a rule (R1 lead, with its alloy exemptions, three times and R8
    one and a half times as often as each other rule); a quarter of the regulated rows
    add a second mention of another substance, compliant nine times in ten."""
    draw = rng.random()
    rules = [f"R{i}" for i in range(1, 10)]
    if draw < 0.35:
        return []
    plan = [(rng.choices(rules, weights=RULE_WEIGHTS)[0], draw >= 0.65)]
    if rng.random() < 0.25:
        extra = rng.choice([r for r in rules if r not in ("R6", "R7", "R8", plan[0][0])])
        plan.append((extra, rng.random() < 0.1))
    return plan


def generate_examples(
    n: int, seed: int, id_offset: int = 0, seen: set[str] | None = None
) -> list[tuple[dict[str, str], list[Fact]]]:
    """``n`` unique rows (no description in ``seen``) with the facts each
    states; deterministic in seed."""
    rng = random.Random(seed)
    seen = set() if seen is None else seen
    out: list[tuple[dict[str, str], list[Fact]]] = []
    while len(out) < n:
        text, facts = compose(rng, sample_plan(rng))
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        label, rule = label_facts(facts)
        row = {
            "component_id": f"CMP-{id_offset + len(out):06d}",
            "description": text,
            "label": label,
            "rule": rule,
        }
        out.append((row, facts))
    return out


def generate_rows(
    n: int, seed: int, id_offset: int = 0, seen: set[str] | None = None
) -> list[dict[str, str]]:
    """``n`` unique rows (no description in ``seen``); deterministic in seed."""
    return [row for row, _ in generate_examples(n, seed, id_offset, seen)]


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate_splits(out: Path, n_train: int, n_val: int, n_test: int, seed: int) -> dict[str, Path]:
    """Write train/validation/test CSVs under ``out`` (no duplicate
    descriptions across splits). Idempotent for the same arguments."""
    seen: set[str] = set()
    paths: dict[str, Path] = {}
    offset = 0
    for index, (split, n) in enumerate(zip(SPLITS, (n_train, n_val, n_test), strict=True)):
        rows = generate_rows(n, seed * 1000 + index, id_offset=offset, seen=seen)
        offset += n
        paths[split] = out / f"{split}.csv"
        write_csv(rows, paths[split])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--n-train", type=int, default=12000)
    parser.add_argument("--n-val", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    paths = generate_splits(args.out, args.n_train, args.n_val, args.n_test, args.seed)
    for split, path in paths.items():
        print(f"{split}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
