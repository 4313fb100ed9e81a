"""Shifted descriptions for drift scenarios, from ``data_gen`` with new settings.

The world a deployed model meets moves away from its training data. This
module makes such traffic with the generator's own parts (``sample_plan``,
``regulated_statement``, ``compose``, the vocabulary) and labels every row
with the generator's one rule engine, ``data_gen.label_facts``, from the facts
its statements carry. Three kinds of shift, each applied to a share of rows:

``new_components``
    component families the training vocabulary lacks (traction batteries,
    charging hardware, driver-assistance sensors), with electrical materials;
``unit_convention``
    every amount restated, at the same value, in a unit the generator never
    writes (ppb, mg/g, ppmw, ug/g spelt with a plain u; a test keeps it so);
``non_english``
    the description translated word by word into German (regulated names,
    negations and amounts translated so the facts, and so the label, hold).

``generate_rows(n, seed, shift={"unit_convention": 0.5})`` returns rows as
``data_gen.generate_rows`` does, plus a ``shift`` column naming the kind
applied ("" for an unshifted row). Deterministic in ``seed``.

CLI::

    python data_shift.py --out shifted.csv --n 500 --seed 5 --shift unit_convention=0.5
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import data_gen as G
import data_vocab as V
from modeling import parse_number

SHIFT_KINDS = ("new_components", "unit_convention", "non_english")

NEW_COMPONENTS = [
    "traction battery module",
    "battery cell carrier",
    "high-voltage busbar",
    "onboard charger",
    "charging inlet",
    "DC fast-charge contactor",
    "inverter power stage",
    "e-axle stator",
    "battery thermal plate",
    "lidar sensor housing",
    "radar sensor bracket",
    "driver monitoring camera",
    "heat pump manifold",
    "battery disconnect unit",
    "pyrofuse",
]

# Percent per unit of the units ``_AMOUNT`` rewrites.
UNIT_SCALE = {"%": 1.0, "wt%": 1.0, "wt.%": 1.0, "% w/w": 1.0, "ppm": 1e-4, "mg/kg": 1e-4}
# (unit, percent per unit): units the generator never writes (it does write ‰, g/kg
# and µg/g, so those would not be new to a reference built from its data)
NEW_UNITS = (("ppb", 1e-7), ("mg/g", 0.1), ("ppmw", 1e-4), ("ug/g", 1e-4))
_AMOUNT = re.compile(r"(?<![\w.,])(\d[\d.,]*)(\s?)(wt\.%|wt%|% w/w|%|ppm|mg/kg)", re.IGNORECASE)

GERMAN = {
    "lead-free": "bleifrei",
    "lead": "Blei",
    "mercury": "Quecksilber",
    "cadmium": "Cadmium",
    "hexavalent chromium": "sechswertiges Chrom",
    "asbestos": "Asbest",
    "asbestos-free": "asbestfrei",
    "free of": "frei von",
    "contains no": "enthält kein",
    "does not contain": "enthält kein",
    "contains": "enthält",
    "without": "ohne",
    "not detected": "nicht nachgewiesen",
    "below detection limit": "unter der Nachweisgrenze",
    "not present": "nicht vorhanden",
    "no": "kein",
    "none": "keine",
    "with": "mit",
    "and": "und",
    "housing": "Gehäuse",
    "cover": "Abdeckung",
    "bracket": "Halter",
    "cable": "Kabel",
    "connector": "Steckverbinder",
    "supplier": "Lieferant",
    "supplied by": "geliefert von",
    "part": "Teil",
    "brake": "Bremse",
    "brake hose": "Bremsschlauch",
    "hose": "Schlauch",
    "seal": "Dichtung",
    "gasket": "Flachdichtung",
    "steel": "Stahl",
    "aluminium": "Aluminium",
    "copper": "Kupfer",
    "plastic": "Kunststoff",
    "rubber": "Gummi",
    "coating": "Beschichtung",
    "plated": "beschichtet",
    "solder": "Lot",
    "material": "Werkstoff",
    "materials": "Werkstoffe",
    "received": "erhalten",
    "new": "neu",
    "replaced": "ersetzt",
    "fitted": "montiert",
    "installed": "eingebaut",
    "front": "vorne",
    "rear": "hinten",
    "left": "links",
    "right": "rechts",
    "refrigerant": "Kältemittel",
    "propellant": "Treibmittel",
    "certified": "zertifiziert",
    "certification": "Zertifizierung",
    "pending": "ausstehend",
    "missing": "fehlt",
    "failed": "nicht bestanden",
    "unknown": "unbekannt",
    "description of": "Beschreibung von",
    "the": "die",
    "has": "hat",
    "from": "von",
    "of": "aus",
    "in": "in",
    "max.": "max.",
    "below": "unter",
    "above": "über",
    "more than": "mehr als",
    "less than": "weniger als",
    "up to": "bis zu",
    "approx.": "ca.",
    "temperature": "Temperatur",
    "torque": "Drehmoment",
    "glass fibre": "Glasfaser",
    "recycled content": "Rezyklatanteil",
    "no further details": "keine weiteren Angaben",
}
_GERMAN_PATTERN = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(k) for k in sorted(GERMAN, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)


def restate_units(text: str, rng: random.Random) -> str:
    """Every amount of ``text`` in a new unit, same value (so the facts still hold)."""

    def replace(match: re.Match[str]) -> str:
        number = parse_number(match.group(1))
        if number is None:
            return match.group(0)
        percent = number * UNIT_SCALE[_unit_key(match.group(3))]
        unit, scale = rng.choice(NEW_UNITS)
        value = percent / scale
        return f"{value:.6g}{match.group(2)}{unit}"

    return _AMOUNT.sub(replace, text)


def _unit_key(unit: str) -> str:
    lowered = unit.lower()
    return {"wt.%": "wt.%", "wt%": "wt%", "% w/w": "% w/w", "%": "%"}.get(lowered, lowered)


def to_german(text: str) -> str:
    """Word-by-word German (phrases first; numbers, units and part numbers kept)."""
    return _GERMAN_PATTERN.sub(lambda m: GERMAN[m.group(1).lower()], text)


def compose_new_component(
    rng: random.Random, plan: list[tuple[str, bool]]
) -> tuple[str, list[G.Fact]]:
    """As ``data_gen.compose``, for a component family the training data never names.

    Plans that need a component of their own (refrigerant, airbag, brake hose)
    keep ``data_gen.compose``."""
    if any(rule in ("R6", "R7", "R8") for rule, _ in plan):
        return G.compose(rng, plan)
    statements: list[str] = []
    facts: list[G.Fact] = []
    for rule, violate in plan:
        text, found, _category = G.regulated_statement(rng, rule, violate)
        if text:
            statements.append(text)
        facts.extend(found)
    component = rng.choice(NEW_COMPONENTS)
    materials = V.materials_for(rng, "electrical", rng.choice((1, 2, 2, 3)))
    body = materials + statements
    rng.shuffle(body)
    text = V.frame(rng, component, body, V.notes(rng, rng.choice((0, 1, 1, 2))))
    text = " ".join(G.technician_style(text, rng, " ".join(statements)).split())
    return text.replace("..", "."), facts


def generate_rows(
    n: int, seed: int, shift: Mapping[str, float] | None = None, id_offset: int = 0
) -> list[dict[str, str]]:
    """``n`` labelled rows; each kind in ``shift`` is applied to that share of rows
    (shares add up to at most 1). Raises ``ValueError`` for an unknown kind or bad share."""
    shift = dict(shift or {})
    for kind, share in shift.items():
        if kind not in SHIFT_KINDS:
            raise ValueError(f"unknown shift {kind!r}; kinds: {', '.join(SHIFT_KINDS)}")
        if not 0 <= share <= 1:
            raise ValueError(f"shift {kind}: share must be in [0, 1], got {share}")
    if sum(shift.values()) > 1 + 1e-9:
        raise ValueError(f"the shift shares add up to more than 1: {shift}")
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    while len(rows) < n:
        plan = G.sample_plan(rng)
        draw, kind = rng.random(), ""
        for name, share in shift.items():
            if draw < share:
                kind = name
                break
            draw -= share
        if kind == "new_components":
            text, facts = compose_new_component(rng, plan)
        else:
            text, facts = G.compose(rng, plan)
            if kind == "unit_convention":
                text = restate_units(text, rng)
            elif kind == "non_english":
                text = to_german(text)
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        label, rule = G.label_facts(facts)
        rows.append(
            {
                "component_id": f"CMP-{id_offset + len(rows):06d}",
                "description": text,
                "label": label,
                "rule": rule,
                "shift": kind,
            }
        )
    return rows


def _parse_shift(items: list[str]) -> dict[str, float]:
    shift: dict[str, float] = {}
    for item in items:
        kind, _, share = item.partition("=")
        shift[kind] = float(share) if share else 1.0
    return shift


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--shift", action="append", default=[], metavar="KIND=SHARE")
    args = parser.parse_args(argv)
    rows = generate_rows(args.n, args.seed, _parse_shift(args.shift))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*G.CSV_COLUMNS, "shift"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
