"""Regulated-subject statements for the data generator.

Every builder returns ``(text, facts)``: the words it wrote and what they
state, as ``rule_engine.Fact`` objects. Labels come from
``rule_engine.label_facts`` over those facts only. Each fact also carries the
error-analysis slices its statement belongs to (``tags``: ``negation``,
``unit``, ``alloy_context``, ``near_limit``, ``presence_no_amount``); they are
what ``slices.py`` should find in the text, and a test checks that it does.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import data_vocab_forms as F
import data_vocab_regulated as R
from amounts import parse_number
from rule_engine import (
    ALLOY_PB_LIMITS,
    LIMITS,
    REFRIGERANT_GWP,
    AmbiguousFact,
    Fact,
    substance_limit,
    violated_rule,
)

Statement = tuple[str, list[Fact]]

NEAR_LIMIT = (0.5, 2.0)  # an amount within this factor of its limit is "near the limit"
# (unit, scale to percent, weight)
UNITS: tuple[tuple[str, float, int], ...] = (
    ("%", 1.0, 10),
    ("wt%", 1.0, 3),
    ("wt.%", 1.0, 2),
    ("% w/w", 1.0, 2),
    ("wt.-%", 1.0, 1),
    ("% by weight", 1.0, 1),
    ("percent", 1.0, 1),
    ("ppm", 1e-4, 8),
    ("mg/kg", 1e-4, 4),
    ("ppm w/w", 1e-4, 1),
    ("\u00b5g/g", 1e-4, 1),
    ("g/kg", 0.1, 2),
    ("\u2030", 0.1, 1),
)
_NEG_CUE = re.compile(
    r"free\b|\bno\b|\bnon-|\bnot\b(?!\s+exceed)|\bwithout\b"
    r"|\bw/o\b|\bnone\b"
    r"|\bn\.d\.|\bND\b|\bzero\b|\bnil\b|\bnegative\b|\bunleaded\b|\buncertified\b|\babsen"
    r"|\bdoesn't\b|\bomitted\b|\bunmarked\b|instead of|\bn/a\b",
    re.IGNORECASE,
)
SIMPLE_NAMES = {
    "Pb": ["lead", "Pb"],
    "Hg": ["mercury", "Hg"],
    "Cr6": ["Cr(VI)", "Cr6+", "chromate", "hex chrome"],
    "Cd": ["cadmium", "Cd"],
    "asbestos": ["asbestos"],
    "decaBDE": ["decaBDE", "PBDE"],
}


def _tags(*names: str | None) -> frozenset[str]:
    return frozenset(n for n in names if n)


def _neg(text: str) -> str | None:
    return "negation" if _NEG_CUE.search(text) else None


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------


def _render_number(value: float, rng: random.Random, scale: float) -> str:
    """One to three significant digits; thousands separators, decimal comma,
    leading dot or a trailing zero now and then."""
    digits = rng.choice((1, 2, 2, 3, 3))
    text = f"{abs(value):.{digits}g}"
    if "e" in text:
        text = f"{float(text):f}".rstrip("0").rstrip(".")
    draw = rng.random()
    if float(text) >= 1000 and text.isdigit():
        if draw < 0.3:
            text = f"{int(text):,}"
    elif "." in text and scale == 1.0:
        if draw < 0.06:
            text = text.replace(".", ",")
        elif draw < 0.12 and text.startswith("0."):
            text = text[1:]
        elif draw < 0.18:
            text += "0"
    return ("-" if value < 0 else "") + text


def render_amount(rng: random.Random, pct: float) -> tuple[str, float, float]:
    """``(text, stated percent, unit scale)``: an amount in a random unit; the
    stated value is what the text says, parsed back."""
    units = [u for u in UNITS if _unit_fits(u[1], abs(pct))]
    unit, scale, _ = rng.choices(units, weights=[u[2] for u in units])[0]
    text = _render_number(pct / scale, rng, scale)
    parsed = parse_number(text.lstrip("-"))
    assert parsed is not None, text
    # 12 significant digits: 3500 ppm is 0.35 %, not 0.35000000000000003 %
    stated = float(f"{(-parsed if text.startswith('-') else parsed) * scale:.12g}")
    space = " " if unit[0].isalpha() or rng.random() < 0.7 else ""
    return f"{text}{space}{unit}", stated, scale


def _unit_fits(scale: float, pct: float) -> bool:
    if scale == 1.0:
        return pct >= 0.001
    if scale == 0.1:
        return 0.005 <= pct <= 60
    return pct < 5


def sample_amount(rng: random.Random, limit: float, violate: bool) -> float:
    """An amount in percent on the chosen side of the limit: within 0.5-2x of it 60 % of
    the time (a fifth of the compliant ones exactly at it), else up to 20x above or
    down to 1/1000 below."""
    if limit == 0.0:
        return rng.choice((0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 15, 30))
    if rng.random() < 0.6:
        factor = rng.uniform(1.01, 2.0) if violate else rng.uniform(0.5, 1.0)
        if not violate and rng.random() < 0.2:
            factor = 1.0
    else:
        factor = 10 ** rng.uniform(0.3, 1.3) if violate else 10 ** rng.uniform(-3, -0.3)
    return min(limit * factor, 60.0)


def amount_tags(fact: Fact, scale: float) -> frozenset[str]:
    """Slices of a substance fact with an amount: unit, near_limit."""
    tags = set()
    if scale != 1.0:
        tags.add("unit")
    limit = substance_limit(fact)
    if fact.amount is not None and limit > 0:
        if NEAR_LIMIT[0] <= fact.amount / limit <= NEAR_LIMIT[1]:
            tags.add("near_limit")
    return frozenset(tags)


def _with_amount(
    rng: random.Random, fact: Fact, template: str, pct: float, **fmt: str
) -> Statement | None:
    """Render ``template`` with an amount near ``pct``; None when the result would be
    ambiguous for the rules (a bound that rounding moved across the limit)."""
    amount, stated, scale = render_amount(rng, pct)
    fact = replace(fact, amount=stated)
    fact = replace(fact, tags=fact.tags | amount_tags(fact, scale))
    try:
        violated_rule(fact)
    except AmbiguousFact:
        return None
    return template.format(a=amount, **fmt), [fact]


# --------------------------------------------------------------------------
# Substances (R1-R5, R9)
# --------------------------------------------------------------------------


def _limit_text(limit: float) -> str:
    """``0.1`` -> ``"0.1 %"``; ``0.01`` -> ``"0.01 %"``."""
    return f"{limit:g} %"


def substance_statement(rng: random.Random, subject: str, violate: bool) -> Statement:
    """A statement about one of Pb, Hg, Cr6, Cd, asbestos, decaBDE."""
    for _ in range(20):
        made = _substance_statement(rng, subject, violate)
        if made is not None:
            return made
    raise RuntimeError(f"could not build an unambiguous {subject} statement")


def _substance_statement(rng: random.Random, subject: str, violate: bool) -> Statement | None:
    name = rng.choice(R.SUBSTANCE_NAMES[subject])
    fmt = {"n": name, "N": name[0].upper() + name[1:]}
    limit = LIMITS[subject]
    base = Fact("substance", subject)
    mode = rng.random()
    if not violate:
        if mode < 0.26 or subject == "asbestos" and mode < 0.6:
            pool = R.NEGATIONS if rng.random() < 0.6 else R.NEGATIONS_FOR[subject]
            text = rng.choice(pool).format(**fmt)
            return text, [Fact("substance", subject, False, tags=_tags(_neg(text)))]
        if mode < 0.38 or subject == "asbestos" and mode < 0.85:
            return other_negation(rng, subject, fmt)
        if mode < 0.47 or subject == "asbestos":
            text = rng.choice(R.COMPLIANT_KIND_PHRASES[subject])
            return text, [Fact("substance", subject, False, tags=_tags(_neg(text)))]
        if mode < 0.5:
            text = rng.choice(R.WITHIN_LIMIT).format(**fmt)
            return text, [Fact("substance", subject, qualifier="within_limit")]
        if mode < 0.51:
            return _with_amount(rng, base, rng.choice(R.AMOUNT_PHRASES), -limit / 5, **fmt)
        draw = rng.random()
        if draw < 0.2:
            pct = rng.choice((limit, limit, limit / 2, limit / 10))
            upper = Fact("substance", subject, bound="upper")
            return _with_amount(rng, upper, rng.choice(R.UPPER_BOUND), pct, **fmt)
        pct = sample_amount(rng, limit, False)
        if draw < 0.27:
            template = rng.choice(R.LIMIT_MENTION_PHRASES)
            return _with_amount(rng, base, template, pct, lim=_limit_text(limit), **fmt)
        return _with_amount(rng, base, rng.choice(R.AMOUNT_PHRASES), pct, **fmt)
    if mode < 0.15:
        text = rng.choice(R.PRESENT_PHRASES[subject])
        return text, [Fact("substance", subject, tags=_tags("presence_no_amount"))]
    if mode < 0.28:
        return material_presence(rng, subject)
    if mode < 0.32:
        fmt["n"] = rng.choice(SIMPLE_NAMES[subject])
        text = rng.choice(R.NOT_FREE).format(**fmt)
        return text, [Fact("substance", subject, tags=_tags("presence_no_amount", "negation"))]
    if mode < 0.36:
        text = rng.choice(R.ABOVE_LIMIT).format(**fmt)
        return text, [Fact("substance", subject, qualifier="above_limit")]
    if mode < 0.38 and subject in ("Pb", "Cr6"):
        text = rng.choice(R.LEAD_CHROMATE)
        tags = _tags("presence_no_amount")
        return text, [Fact("substance", "Pb", tags=tags), Fact("substance", "Cr6", tags=tags)]
    if mode < 0.395:  # implausible: above 100 %
        pct = rng.choice((105.0, 120.0, 150.0, 250.0, 1000.0))
        return _with_amount(rng, base, rng.choice(R.AMOUNT_PHRASES), pct, **fmt)
    pct = sample_amount(rng, limit, True)
    draw = rng.random()
    if draw < 0.12 and limit > 0:
        lower = Fact("substance", subject, bound="lower")
        lower_pct = rng.choice((limit, pct))
        return _with_amount(rng, lower, rng.choice(R.LOWER_BOUND), lower_pct, **fmt)
    if draw < 0.19 and limit > 0:
        template = rng.choice(R.LIMIT_MENTION_PHRASES)
        return _with_amount(rng, base, template, pct, lim=_limit_text(limit), **fmt)
    return _with_amount(rng, base, rng.choice(R.AMOUNT_PHRASES), pct, **fmt)


def material_presence(rng: random.Random, subject: str) -> Statement:
    """A part written beside a material that holds ``subject`` by its composition or
    nature (``solder Sn63Pb37``, ``contacts AgCdO``, ``gasket: amosite``): no verb of
    presence, no amount."""
    material, parts = rng.choice(F.SUBSTANCE_MATERIALS[subject])
    text = rng.choice(F.MATERIAL_FORMS).format(m=material, p=rng.choice(parts))
    return text, [Fact("substance", subject, tags=_tags("presence_no_amount"))]


def other_negation(rng: random.Random, subject: str, fmt: dict[str, str]) -> Statement:
    """``subject`` not present, said as a sentence (``decaBDE not used``, ``Cd: no``),
    as a zero value (``asbestos 0 %``: an amount of zero, which no limit is below) or
    after the reason it is absent (``LED lighting only, so no Hg``)."""
    draw = rng.random()
    fmt = {**fmt, "n": rng.choice(SIMPLE_NAMES[subject] + R.SUBSTANCE_NAMES[subject])}
    fmt["N"] = fmt["n"][0].upper() + fmt["n"][1:]
    if draw < 0.3:
        zero = rng.choice(F.ZERO_VALUES)
        text = rng.choice(F.ZERO_FORMS).format(z=zero, **fmt)
        tags = _tags("unit" if "%" not in zero else None)
        return text, [Fact("substance", subject, amount=0.0, tags=tags)]
    if draw < 0.45:
        reason = rng.choice(F.ABSENCE_REASONS[subject])
        text = rng.choice(F.REASONED_NEGATIONS).format(r=reason, **fmt)
    else:
        text = rng.choice(F.SENTENCE_NEGATIONS).format(**fmt)
    return text, [Fact("substance", subject, False, tags=_tags(_neg(text)))]


def lead_alloy_statement(rng: random.Random, mode: str) -> Statement:
    """Lead in machining steel, aluminium alloy or copper alloy. ``mode``:
    ``within`` / ``above`` the alloy's limit, or ``no_amount``."""
    for _ in range(20):
        made = _lead_alloy_statement(rng, mode)
        if made is not None:
            return made
    raise RuntimeError("could not build an unambiguous alloy statement")


def _lead_alloy_statement(rng: random.Random, mode: str) -> Statement | None:
    alloy = rng.choice(("steel", "aluminium", "copper", "copper"))
    material = rng.choice(R.PB_ALLOYS[alloy])
    part = rng.choice(R.ALLOY_PARTS[alloy])
    if mode == "no_amount":
        text = rng.choice(R.ALLOY_NO_AMOUNT).format(m=material, p=part)
        if not re.search(r"lead|Pb", text, re.IGNORECASE):
            return text, []  # an alloy named without any mention of lead: no regulated subject
        tags = _tags("alloy_context", "presence_no_amount")
        return text, [Fact("substance", "Pb", alloy=alloy, tags=tags)]
    limit = ALLOY_PB_LIMITS[alloy]
    if mode == "within" and rng.random() < 0.35:  # between the general and the alloy limit
        pct = rng.uniform(0.1, limit)
    else:
        pct = sample_amount(rng, limit, mode == "above")
    name = rng.choice(R.SUBSTANCE_NAMES["Pb"])
    fact = Fact("substance", "Pb", alloy=alloy, tags=_tags("alloy_context"))
    if alloy == "copper" and rng.random() < 0.12 and pct < 10:
        cu = rng.randrange(56, 63)
        template = R.COPPER_COMPOSITION[0]
        zn = f"{100 - cu - round(pct):d}"
        return _with_amount(rng, fact, template, pct, m=material, p=part, n=name, cu=str(cu), zn=zn)
    template = rng.choice(R.ALLOY_PHRASES)
    return _with_amount(rng, fact, template, pct, m=material, p=part, n=name)


def non_exempt_alloy_statement(rng: random.Random, violate: bool) -> Statement:
    """Lead in a zinc, magnesium or tin alloy: judged against the general 0.1 %."""
    material = rng.choice(R.NON_EXEMPT_ALLOYS)
    template = rng.choice(("{m} part, {n} {a}", "{n} {a} in {m}", "{m}: {n} content {a}"))
    fact = Fact("substance", "Pb")
    for _ in range(20):
        pct = sample_amount(rng, LIMITS["Pb"], violate)
        name = rng.choice(R.SUBSTANCE_NAMES["Pb"])
        made = _with_amount(rng, fact, template, pct, m=material, n=name)
        if made is not None:
            return made
    raise RuntimeError("could not build a non-exempt alloy statement")


# --------------------------------------------------------------------------
# R6, R7, R8
# --------------------------------------------------------------------------


def _grams(rng: random.Random) -> str:
    grams = (f"{rng.randrange(250, 900, 5)} g ", f"{rng.randrange(3, 12) * 50}g ")
    return rng.choice(("", "", *grams))


def _refrigerant_name(rng: random.Random, code: str) -> str:
    return rng.choice(R.REFRIGERANT_NAMES[code])


def refrigerant_statement(rng: random.Random, violate: bool) -> Statement:
    """The charged refrigerant, sometimes with one the part is only compatible with."""
    code = rng.choice(R.HIGH_GWP if violate else R.LOW_GWP)
    other = rng.choice(R.LOW_GWP if violate else R.HIGH_GWP)
    charged = rng.choice(R.REFRIGERANT_PHRASES).format(
        r=_refrigerant_name(rng, code), g=_grams(rng)
    )
    charged = " ".join(charged.split())
    fact = Fact("refrigerant", code)
    mode = rng.random()
    if mode < 0.1:
        gwp = REFRIGERANT_GWP[code] if rng.random() < 0.7 else rng.choice((4, 124, 1430, 2088))
        text = rng.choice(R.GWP_PHRASES).format(gwp=gwp)
        return text, [Fact("refrigerant", "unnamed", amount=float(gwp))]
    if mode < 0.22:
        loose = rng.choice(R.NOT_CHARGED_PHRASES).format(r=_refrigerant_name(rng, other))
        loose_fact = Fact("refrigerant", other, charged=False, tags=_tags(_neg(loose)))
        return f"{charged}, {loose}", [fact, loose_fact]
    if not violate and mode < 0.34:
        text = rng.choice(R.NOT_CHARGED_PHRASES).format(r=_refrigerant_name(rng, other))
        return text, [Fact("refrigerant", other, charged=False, tags=_tags(_neg(text)))]
    if not violate and mode < 0.4:
        text = rng.choice(R.CONVERSION_PHRASES).format(
            old=_refrigerant_name(rng, other), new=_refrigerant_name(rng, code)
        )
        return text, [Fact("refrigerant", other, charged=False), fact]
    return charged, [fact]


def inflator_statement(rng: random.Random, violate: bool) -> Statement:
    """Ammonium nitrate with, without or with unstated desiccant; or another propellant."""
    if violate or rng.random() < 0.65:
        prop = rng.choice(R.AN_NAMES)
        if violate and rng.random() < 0.4:
            text = rng.choice(R.PROPELLANT_PHRASES).format(p=prop, d="")
            return text.strip(" ,;"), [Fact("inflator", "AN", desiccant=None)]
        des = rng.choice(R.DESICCANT_NO if violate else R.DESICCANT_YES)
        text = rng.choice(R.PROPELLANT_PHRASES).format(p=prop, d=des).strip(" ,;")
        tags = _tags(_neg(des))
        return text, [Fact("inflator", "AN", desiccant=not violate, tags=tags)]
    prop = rng.choice(R.OTHER_PROPELLANTS)
    text = rng.choice(R.PROPELLANT_PHRASES).format(p=prop, d="").strip(" ,;")
    return text, [Fact("inflator", "other", tags=_tags(_neg(prop)))]


def brake_hose_statement(rng: random.Random, violate: bool) -> tuple[str, list[Fact], str]:
    """Certification of a brake hose (said in many ways, sometimes beside other
    paperwork that is pending), or of another hose or a brake part that is not a
    hose, which need none; also the component category (``brake_hose``, ``hose`` or
    ``brake_part``)."""
    if not violate:
        draw = rng.random()
        if draw < 0.2:
            text = rng.choice(R.OTHER_HOSE_CERT)
            return text, [Fact("hose", "other", tags=_tags(_neg(text)))], "hose"
        if draw < 0.4:
            text = rng.choice(F.BRAKE_PART_NOTES)
            return text, [Fact("brake_part", "other", tags=_tags(_neg(text)))], "brake_part"
        cert = rng.choice(R.CERT_YES if rng.random() < 0.5 else F.CERT_YES_MORE)
        if rng.random() < 0.25:
            doc = rng.choice(F.OTHER_PAPERWORK)
            cert = rng.choice(F.PAPERWORK_PENDING).format(c=cert, d=doc)
        return cert, [Fact("brake_hose", "hose", cert="certified")], "brake_hose"
    status = rng.choice(
        ("missing", "missing", "pending", "failed", "other_standard", "unknown", "unstated")
    )
    more = F.CERT_NO_MORE.get(status, [])
    pool = more if more and rng.random() < 0.4 else R.CERT_NO.get(status, [])
    text = "" if status == "unstated" else rng.choice(pool)
    fact = Fact("brake_hose", "hose", cert=status, tags=_tags(_neg(text)))
    return text, [fact], "brake_hose"
