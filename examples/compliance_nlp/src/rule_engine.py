"""The labelling rules R1..R9 over structured facts: the one place a label is decided.

Implements ``compliance-rules.md`` (R1 lead, R2 mercury, R3 Cr(VI), R4 cadmium,
R5 asbestos, R6 refrigerant GWP, R7 airbag propellant, R8 brake-hose
certification, R9 decaBDE) with the labelling conventions for the points the
rules leave open (the example README, "Labelling decisions"). The data
generator describes every statement it writes as :class:`Fact` objects and
asks :func:`label_facts` for the label; no text template carries a label.

The decisions encoded here:

- "above" is strict: an amount exactly at a limit is compliant;
- a substance stated as present without an amount (including a device or
  material that by its nature contains it: a mercury switch, a CCFL, a NiCd
  cell, leaded solder, asbestos cement) is above its limit, except lead named
  as the alloying element of machining steel, aluminium alloy or copper alloy,
  which is within that alloy's exemption;
- lead in one of those alloys is judged against the alloy's own limit
  (steel 0.35 %, aluminium 0.4 %, copper alloy 4 %), anywhere else against
  0.1 %; a standard grade or designation counts as its alloy family, and the
  composition figures inside a designation (``CuZn39Pb3``) are nominal, not a
  stated amount;
- an upper bound (``< x``) is compliant when ``x`` is at or below the limit and
  a lower bound (``> x``) violates when ``x`` is at or above it; any other
  bound is ambiguous and raises :class:`AmbiguousFact` (it is never generated);
- a qualitative statement ("Pb above the ELV limit", "Cd within limits")
  decides by what it says;
- an amount of zero ("asbestos 0 %") is not present, as "none" is;
- a negative amount means "not present" (compliant); an amount above 100 % is
  above the limit (non_compliant); scoring flags both as implausible;
- R6 judges the refrigerant charged in the system (named, or by a stated GWP);
  one the part is only "compatible with", "suitable for" or "replaces" is not
  charged;
- R7: ammonium nitrate (AN, PSAN) without a desiccant stated as present is a
  violation (no desiccant, or desiccant not mentioned);
- R8: a hydraulic brake hose (assembly) violates unless FMVSS 106 or DOT
  certification is stated as given; a brake-fluid grade ("for DOT 4
  fluid"), another standard (SAE J1401) or "OE equivalent" is not that
  certification; other hoses, and brake parts that are not hoses (a fluid
  reservoir "for DOT 4 fluid", a rigid brake pipe), need none; a certified
  hose with other paperwork pending is certified;
- lead in an alloy outside the three exempt families (zinc die casting,
  structural steel not meant for machining, a lead-antimony alloy) is judged
  against 0.1 %, and a lead-based alloy is lead present;
- "chromate" without a qualifier (zinc, strontium, dichromate, a chromate
  conversion coat) is Cr(VI); metallic chrome plating and stainless steel
  are not; DBDPE and TBBPA are not decaBDE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
# 100-year GWP (IPCC AR4, the values the EU MAC Directive uses).
REFRIGERANT_GWP = {
    "R-134a": 1430,
    "R-12": 10900,
    "R-22": 1810,
    "R-404A": 3922,
    "R-410A": 2088,
    "R-407C": 1774,
    "R-513A": 631,
    "R-1234yf": 1,
    "R-1234ze": 1,
    "R-744": 1,
    "R-152a": 124,
    "R-290": 3,
    "R-600a": 3,
}
GWP_LIMIT = 150
CERT_STATES = ("certified", "missing", "pending", "failed", "other_standard", "unknown", "unstated")


class AmbiguousFact(ValueError):
    """A fact the rules cannot decide (e.g. ``Pb < 0.5 %``); never generated."""


@dataclass(frozen=True)
class Fact:
    """One statement of a description, as the rules see it.

    ``kind`` ``substance``: ``subject`` a key of LIMITS; ``present`` False for
    "free of"; ``amount`` percent by weight, or None when no amount is given;
    ``bound`` None for a stated value, ``upper`` for "< amount", ``lower`` for
    "> amount"; ``qualifier`` ``above_limit`` / ``within_limit`` for a
    statement without a number; ``alloy`` the lead alloy family (a key of
    ALLOY_PB_LIMITS) or None.

    ``kind`` ``refrigerant``: ``subject`` a key of REFRIGERANT_GWP or
    ``unnamed`` with ``amount`` the stated GWP; ``charged`` False when the part
    is only compatible with it.

    ``kind`` ``inflator``: ``subject`` ``AN`` or ``other``; ``desiccant``
    True / False / None (not stated).

    ``kind`` ``brake_hose``: ``cert`` one of CERT_STATES. ``kind`` ``hose``: a
    hose other than a brake hose; ``kind`` ``brake_part``: a brake-system part
    that is not a hose (reservoir, master cylinder, rigid pipe); neither ever
    needs certification, whatever fluid grade or marking the text gives.

    ``tags`` name the error-analysis slices the statement belongs to; they
    never influence the label.
    """

    kind: str
    subject: str
    present: bool = True
    amount: float | None = None
    bound: str | None = None
    qualifier: str | None = None
    alloy: str | None = None
    charged: bool = True
    desiccant: bool | None = None
    cert: str | None = None
    tags: frozenset[str] = field(default=frozenset(), compare=False)


def substance_limit(fact: Fact) -> float:
    """The limit (percent) that applies to a substance fact."""
    if fact.subject == "Pb" and fact.alloy is not None:
        return ALLOY_PB_LIMITS[fact.alloy]
    return LIMITS[fact.subject]


def _substance_rule(fact: Fact) -> str | None:
    rule = SUBSTANCE_RULE[fact.subject]
    if not fact.present:
        return None
    if fact.qualifier is not None:
        if fact.qualifier not in ("above_limit", "within_limit"):
            raise ValueError(f"unknown qualifier {fact.qualifier!r}")
        return rule if fact.qualifier == "above_limit" else None
    limit = substance_limit(fact)
    if fact.amount is None:
        return None if fact.subject == "Pb" and fact.alloy is not None else rule
    if fact.amount < 0:
        return None  # implausible; read as "not present"
    if fact.bound == "upper":
        if fact.amount > limit:
            raise AmbiguousFact(f"{fact.subject} below {fact.amount} % (limit {limit} %)")
        return None
    if fact.bound == "lower":
        if fact.amount < limit:
            raise AmbiguousFact(f"{fact.subject} above {fact.amount} % (limit {limit} %)")
        return rule
    if fact.bound is not None:
        raise ValueError(f"unknown bound {fact.bound!r}")
    return rule if fact.amount > limit else None


def violated_rule(fact: Fact) -> str | None:
    """The rule this single fact violates, or None. Pure; raises ``AmbiguousFact``."""
    if fact.kind == "substance":
        return _substance_rule(fact)
    if fact.kind == "refrigerant":
        if not fact.charged:
            return None
        gwp = REFRIGERANT_GWP.get(fact.subject, fact.amount)
        if gwp is None:
            raise AmbiguousFact(f"refrigerant {fact.subject!r} without a known GWP")
        return "R6" if gwp > GWP_LIMIT else None
    if fact.kind == "inflator":
        return "R7" if fact.subject == "AN" and fact.desiccant is not True else None
    if fact.kind == "brake_hose":
        if fact.cert not in CERT_STATES:
            raise ValueError(f"unknown certification state {fact.cert!r}")
        return None if fact.cert == "certified" else "R8"
    if fact.kind in ("hose", "brake_part"):
        return None
    raise ValueError(f"unknown fact kind {fact.kind!r}")


def label_facts(facts: Iterable[Fact]) -> tuple[str, str]:
    """``(label, rule)`` for a description's facts: the first violated rule
    in R1..R9 order, or ``("compliant", "")``. Pure."""
    rules = {r for r in (violated_rule(f) for f in facts) if r}
    if not rules:
        return "compliant", ""
    return "non_compliant", min(rules, key=lambda r: int(r[1:]))
