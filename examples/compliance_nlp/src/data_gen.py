"""Synthetic labelled component descriptions for the compliance example.

Each row is composed from independent parts (component, supplier, part number,
one to three material clauses, technical notes, regulated-subject statements,
orderings, punctuation and technician-style noise) and carries structured
*facts* (substance, amount in percent, alloy context, refrigerant, propellant
and desiccant, brake-hose certification). The label and rule are computed from
those facts by one function, :func:`label_facts`, which implements
``/work/shared/compliance-rules.md`` (R1..R9); text templates never carry
labels.

Interpretations of the spec (documented so evaluators can check them):

- an amount exactly at a limit is compliant ("above" is strict);
- a substance named as present without an amount ("tin-lead solder",
  "cadmium-plated", "mercury switch") is above its limit, except lead named
  as an alloying element of steel, aluminium or copper alloy, which is within
  the exemption;
- ``< x`` / ``max. x`` is generated only with ``x`` at or below the limit and
  ``> x`` only with ``x`` at or above it, so bounds are never ambiguous.

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
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import data_vocab as V
from modeling import parse_number

CSV_COLUMNS = ("component_id", "description", "label", "rule")
SPLITS = ("train", "validation", "test")

LIMITS = {"Pb": 0.1, "Hg": 0.1, "Cr6": 0.1, "Cd": 0.01, "decaBDE": 0.1, "asbestos": 0.0}
ALLOY_PB_LIMITS = {"steel": 0.35, "aluminium": 0.4, "copper": 4.0}
SUBSTANCE_RULE = {
    "Pb": "R1",
    "Hg": "R2",
    "Cr6": "R3",
    "Cd": "R4",
    "asbestos": "R5",
    "decaBDE": "R9",
}
REFRIGERANT_GWP = {
    "R-134a": 1430,
    "R-12": 10900,
    "R-22": 1810,
    "R-1234yf": 1,
    "R-744": 1,
    "R-152a": 124,
}


@dataclass(frozen=True)
class Fact:
    """One labelled statement in a description.

    kind ``substance``: ``subject`` in LIMITS, ``present`` False for
    "free of", ``amount`` in percent by weight or None when not stated,
    ``alloy`` the Pb alloy context. kind ``refrigerant``: ``subject`` a key of
    REFRIGERANT_GWP. kind ``inflator``: ``subject`` ``AN`` or another
    propellant, ``desiccant`` True/False/None. kind ``brake_hose``: ``cert``
    one of certified, missing, pending, failed, unknown, unstated.
    """

    kind: str
    subject: str
    present: bool = True
    amount: float | None = None
    alloy: str | None = None
    desiccant: bool | None = None
    cert: str | None = None


def violated_rule(fact: Fact) -> str | None:
    """The rule this single fact violates, or None."""
    if fact.kind == "substance":
        if not fact.present:
            return None
        limit = LIMITS[fact.subject]
        if fact.subject == "Pb" and fact.alloy is not None:
            limit = ALLOY_PB_LIMITS[fact.alloy]
            if fact.amount is None:
                return None
        if fact.amount is None or fact.amount > limit:
            return SUBSTANCE_RULE[fact.subject]
        return None
    if fact.kind == "refrigerant":
        return "R6" if REFRIGERANT_GWP[fact.subject] > 150 else None
    if fact.kind == "inflator":
        return "R7" if fact.subject == "AN" and fact.desiccant is not True else None
    if fact.kind == "brake_hose":
        return None if fact.cert == "certified" else "R8"
    raise ValueError(f"unknown fact kind {fact.kind!r}")


def label_facts(facts: Iterable[Fact]) -> tuple[str, str]:
    """``(label, rule)`` for a description's facts: the first violated rule
    in R1..R9 order, or ``("compliant", "")``. Pure."""
    rules = {r for r in (violated_rule(f) for f in facts) if r}
    if not rules:
        return "compliant", ""
    return "non_compliant", min(rules, key=lambda r: int(r[1:]))


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------

UNIT_SCALE = {"%": 1.0, "wt%": 1.0, "wt.%": 1.0, "% w/w": 1.0, "ppm": 1e-4, "mg/kg": 1e-4}


def _render_number(value: float, rng: random.Random, unit: str) -> str:
    """Two or three significant digits, sometimes with a comma separator."""
    digits = rng.choice((2, 2, 3))
    text = f"{value:.{digits}g}"
    if "e" in text:
        text = f"{float(text):f}".rstrip("0").rstrip(".")
    if float(text) >= 1000 and text.isdigit() and rng.random() < 0.3:
        text = f"{int(text):,}"
    elif "." in text and UNIT_SCALE[unit] == 1.0 and rng.random() < 0.06:
        text = text.replace(".", ",")
    return text


def sample_amount(rng: random.Random, limit: float, violate: bool) -> float:
    """An amount in percent: near the limit on the chosen side half the time."""
    if limit == 0.0:
        return rng.choice((0.05, 0.1, 0.5, 1, 2, 5, 10, 15, 30))
    if rng.random() < 0.6:
        factor = rng.uniform(1.03, 1.9) if violate else rng.uniform(0.45, 1.0)
        if not violate and rng.random() < 0.2:
            factor = 1.0
    else:
        factor = 10 ** rng.uniform(0.3, 2.5) if violate else 10 ** rng.uniform(-3, -0.35)
    return min(limit * factor, 99.0)


def render_amount(rng: random.Random, pct: float) -> tuple[str, float]:
    """Text for an amount and the percent value that text states exactly."""
    unit = rng.choice(("%", "%", "wt%", "wt.%", "% w/w", "ppm", "ppm", "mg/kg"))
    if UNIT_SCALE[unit] != 1.0 and pct >= 5:
        unit = "%"
    elif UNIT_SCALE[unit] == 1.0 and pct < 0.001:
        unit = "ppm"
    value = pct / UNIT_SCALE[unit]
    text = _render_number(value, rng, unit)
    parsed = parse_number(text)
    assert parsed is not None, text
    stated = parsed * UNIT_SCALE[unit]
    space = "" if rng.random() < 0.3 else " "
    return f"{text}{space}{unit}", stated


# --------------------------------------------------------------------------
# Regulated-subject statements: each returns (text, facts)
# --------------------------------------------------------------------------


def substance_statement(rng: random.Random, subject: str, violate: bool) -> tuple[str, list[Fact]]:
    """A statement about one of Pb, Hg, Cr6, Cd, asbestos, decaBDE."""
    name = rng.choice(V.SUBSTANCE_NAMES[subject])
    mode = rng.random()
    if not violate and mode < 0.4:
        neg = rng.choice(V.NEGATIONS_FOR.get(subject, V.NEGATIONS))
        return neg.format(n=name, N=name.capitalize()), [Fact("substance", subject, present=False)]
    if violate and mode < 0.3 and V.PRESENT_PHRASES.get(subject):
        return rng.choice(V.PRESENT_PHRASES[subject]), [Fact("substance", subject)]
    if not violate and mode < 0.55 and V.COMPLIANT_KIND_PHRASES.get(subject):
        return rng.choice(V.COMPLIANT_KIND_PHRASES[subject]), [Fact("substance", subject, False)]
    limit = LIMITS[subject]
    if subject == "asbestos" and not violate:
        return rng.choice(V.NEGATIONS_FOR["asbestos"]).format(n=name, N=name), [
            Fact("substance", subject, present=False)
        ]
    pct = sample_amount(rng, limit, violate)
    bound = rng.random()
    if not violate and bound < 0.2 and subject != "asbestos":
        pct = rng.choice((limit, limit, limit / 2, limit / 10))
        amount, stated = render_amount(rng, pct)
        text = rng.choice(V.UPPER_BOUND).format(n=name, a=amount)
    elif violate and bound < 0.15 and subject != "asbestos":
        amount, stated = render_amount(rng, rng.choice((limit, pct)))
        text = rng.choice(V.LOWER_BOUND).format(n=name, a=amount)
        stated = max(stated, limit) * 1.0001
    else:
        amount, stated = render_amount(rng, pct)
        text = rng.choice(V.AMOUNT_PHRASES).format(n=name, a=amount)
    return text, [Fact("substance", subject, amount=stated)]


def lead_alloy_statement(rng: random.Random, violate: bool | None) -> tuple[str, list[Fact]]:
    """Lead as an alloying element of steel, aluminium or copper alloy."""
    alloy = rng.choice(("steel", "aluminium", "copper", "copper"))
    material = rng.choice(V.PB_ALLOYS[alloy])
    part = rng.choice(V.ALLOY_PARTS[alloy])
    if violate is None:  # named without an amount
        return rng.choice(V.ALLOY_NO_AMOUNT).format(m=material, p=part), [
            Fact("substance", "Pb", alloy=alloy)
        ]
    limit = ALLOY_PB_LIMITS[alloy]
    if not violate and rng.random() < 0.35:  # between the general and the alloy limit
        pct = rng.uniform(0.1, limit)
    else:
        pct = sample_amount(rng, limit, violate)
    amount, stated = render_amount(rng, pct)
    name = rng.choice(V.SUBSTANCE_NAMES["Pb"])
    text = rng.choice(V.ALLOY_PHRASES).format(m=material, p=part, n=name, a=amount)
    return text, [Fact("substance", "Pb", amount=stated, alloy=alloy)]


def refrigerant_statement(rng: random.Random, violate: bool) -> tuple[str, list[Fact]]:
    code = rng.choice(
        ("R-134a", "R-134a", "R-12", "R-22")
        if violate
        else ("R-1234yf", "R-1234yf", "R-744", "R-152a", "R-152a")
    )
    name = rng.choice(V.REFRIGERANT_NAMES[code])
    grams = rng.choice(
        ("", "", f"{rng.randrange(250, 900, 5)} g ", f"{rng.randrange(3, 12) * 50}g ")
    )
    text = rng.choice(V.REFRIGERANT_PHRASES).format(r=name, g=grams)
    return text, [Fact("refrigerant", code)]


def inflator_statement(rng: random.Random, violate: bool) -> tuple[str, list[Fact]]:
    if violate or rng.random() < 0.65:
        prop = rng.choice(V.AN_NAMES)
        desiccant = False if violate else True
        if violate and rng.random() < 0.45:
            des_text, desiccant_fact = "", None
        else:
            des_text = rng.choice(V.DESICCANT_YES if desiccant else V.DESICCANT_NO)
            desiccant_fact = desiccant
        text = rng.choice(V.PROPELLANT_PHRASES).format(p=prop, d=des_text).strip(" ,;")
        return text, [Fact("inflator", "AN", desiccant=desiccant_fact)]
    prop = rng.choice(V.OTHER_PROPELLANTS)
    text = rng.choice(V.PROPELLANT_PHRASES).format(p=prop, d="").strip(" ,;")
    return text, [Fact("inflator", "other")]


def brake_hose_statement(rng: random.Random, violate: bool) -> tuple[str, list[Fact]]:
    if not violate:
        return rng.choice(V.CERT_YES), [Fact("brake_hose", "hose", cert="certified")]
    status = rng.choice(("missing", "pending", "failed", "unknown", "unstated", "unstated"))
    text = "" if status == "unstated" else rng.choice(V.CERT_NO[status])
    return text, [Fact("brake_hose", "hose", cert=status)]


# --------------------------------------------------------------------------
# Assembling a description
# --------------------------------------------------------------------------

RULE_SUBJECT = {"R1": "Pb", "R2": "Hg", "R3": "Cr6", "R4": "Cd", "R5": "asbestos", "R9": "decaBDE"}


def regulated_statement(
    rng: random.Random, rule: str, violate: bool
) -> tuple[str, list[Fact], str | None]:
    """A statement about ``rule``'s subject; also a component category to use
    (``ac``, ``airbag``, ``brake_hose``) or None for any component."""
    if rule == "R6":
        return (*refrigerant_statement(rng, violate), "ac")
    if rule == "R7":
        return (*inflator_statement(rng, violate), "airbag")
    if rule == "R8":
        return (*brake_hose_statement(rng, violate), "brake_hose")
    if rule == "R1" and rng.random() < 0.5:
        kind = violate if rng.random() < 0.9 or violate else None
        return (*lead_alloy_statement(rng, kind), None)
    if rule == "R5" and rng.random() < 0.6:
        text, facts = substance_statement(rng, "asbestos", violate)
        return text, facts, "friction"
    return (*substance_statement(rng, RULE_SUBJECT[rule], violate), None)


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
        if bare in ("the", "a", "an") and rng.random() < 0.6:
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


def compose(rng: random.Random, plan: list[tuple[str, bool]]) -> tuple[str, list[Fact]]:
    """One description for a plan of (rule, violate) statements (may be empty)."""
    statements: list[str] = []
    facts: list[Fact] = []
    category = None
    for rule, violate in plan:
        text, fs, cat = regulated_statement(rng, rule, violate)
        category = category or cat
        if text:
            statements.append(text)
        facts.extend(fs)
    if category is None:
        category = rng.choice(V.GENERIC_CATEGORIES)
    component = rng.choice(V.COMPONENTS[category])
    if category == "brake_hose" and rng.random() < 0.3:
        component = f"{rng.choice(V.SIDES)} {component}"
    materials = V.materials_for(rng, category, rng.choice((1, 1, 2, 2, 3)))
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
    """Half the rows mention no regulated subject; 30 % violate one rule."""
    draw = rng.random()
    rules = [f"R{i}" for i in range(1, 10)]
    if draw < 0.5:
        return []
    if draw < 0.7:
        plan = [(rng.choice(rules), False)]
    else:
        plan = [(rng.choice(rules), True)]
    if rng.random() < 0.25:  # a second, compliant regulated mention
        extra = rng.choice([r for r in rules if r not in ("R6", "R7", "R8", plan[0][0])])
        plan.append((extra, False))
    return plan


def generate_rows(
    n: int, seed: int, id_offset: int = 0, seen: set[str] | None = None
) -> list[dict[str, str]]:
    """``n`` unique rows (no description in ``seen``); deterministic in seed."""
    rng = random.Random(seed)
    seen = set() if seen is None else seen
    rows: list[dict[str, str]] = []
    while len(rows) < n:
        text, facts = compose(rng, sample_plan(rng))
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        label, rule = label_facts(facts)
        rows.append(
            {
                "component_id": f"CMP-{id_offset + len(rows):06d}",
                "description": text,
                "label": label,
                "rule": rule,
            }
        )
    return rows


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
