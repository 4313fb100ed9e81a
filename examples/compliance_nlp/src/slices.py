"""Error-analysis slices of a description, read from its text alone.

The same reading applies to generated, hand-written and blind data (no
generator facts needed), so per-slice figures compare across data sets.
A description can be in several slices, or none:

``negation``
    a negating word in the same clause as a regulated subject: ``lead-free``,
    ``free of Cr(VI)``, ``non-asbestos``, ``no DOT marking``, ``without
    desiccant``, ``mercury not detected``, ``not lead-free``.
``unit``
    a concentration in a unit other than percent (``ppm``, ``mg/kg``,
    ``g/kg``, ``µg/g``, ``‰``, ``ppb``), which the limits are not written in.
``alloy_context``
    lead mentioned (not negated) in a description that names an exempt alloy family (brass,
    bronze, gunmetal, copper alloy, machining / free-cutting / leaded steel,
    aluminium alloy) or a designation of one (``CW614N``, ``CuZn39Pb3``,
    ``C36000``, ``11SMnPb30``, ``12L14``, ``EN AW-2011``, ...).
``near_limit``
    an amount of a limited substance within 0.5-2x of the limit that applies
    to it (for lead in an alloy context: the limit of the alloy named nearest).
``presence_no_amount``
    a regulated substance, or a device or material that contains one (a
    mercury switch, a CCFL, a NiCd cell, leaded solder, yellow chromate),
    named as present in a clause with no amount and no negation.

:func:`mentioned_rules` says which rules' subjects a text mentions (used to
group false alarms by rule); :func:`input_flags` finds implausible
concentrations (above 100 %, negative) for the scoring service. Heuristic by
nature; tests check the slices against the generator's own facts. Pure;
``re`` only.
"""

from __future__ import annotations

import re

from amounts import Amount, find_amounts, implausible_flags
from rule_engine import ALLOY_PB_LIMITS, LIMITS

SLICES = ("negation", "unit", "alloy_context", "near_limit", "presence_no_amount")
NEAR_LIMIT = (0.5, 2.0)

_I = re.IGNORECASE
# "lead" that is not the metal: lead time, a lead wire or frame, a lead-in chamfer, a lead screw
_LEAD = (
    r"\blead(?:ed)?\b(?!\s+(?:time|wire|frame)|-in\b"
    r"|[\s-]+(?:screw|angle|through|times?\b|wires?\b|frames?\b|lag\b|pitch))"
    r"|unleaded|leadfree|(?<![a-z])(?<!\d-)pb(?![a-z])"
    r"|pb(?=\d)|\bpb(?=s[nb]\d)|bipb\b|pbmg|snpb|\bpbo\b|lead-acid|lead zirconate"
    r"|\bterne\b|litharge|\bminium\b|chrome\s+yellow|\b7439-92-1\b"
)
# substance mentions (narrow: the substance or a device that contains it)
SUBSTANCE_CUES = {
    "Pb": _LEAD,
    # mm Hg and in Hg are pressures
    "Hg": r"mercury|(?<!\d-)(?<!mm\s)(?<!\d\sin\s)(?<!\din\s)\bhg\b|\bhg[os]\b|ccfl|fluorescent"
    r"|vermilion|cinnabar|\b7439-97-6\b",
    "Cr6": r"\bcr\s?\(?\s?vi\b|\bcrvi\b|\bcr\s?6\s?\+|\bcr\s?\+\s?6|\bcr6\b|hexavalent"
    r"|hex[\s-]?chrome|chromium\s?\(?vi|chromate|chromated|chrome\s6|chrome\s+yellow"
    r"|chromium\s+trioxide|chromic\s+acid|\b18540-29-9\b|\b1333-82-0\b|\b7758-97-6\b"
    r"|\b13530-65-9\b|\b7789-06-2\b|\b10588-01-9\b|\b7778-50-9\b",
    # a drag coefficient (Cd = 0.27, no unit) and a CD changer or player are not cadmium
    "Cd": r"cadmium|(?<!\d-)(?<!drag\scoefficient\s)\bcd\b"
    r"(?!\s*=\s*0[.,]\d+(?![\d.,]*\s*(?:%|ppm|mg|wt|µg|ug|g/)))"
    r"(?![\s-]*(?:changer|player|drive|rom\b|radio|slot|stacker|deck|tuner|mechanism|audio|/\s?dvd))"
    r"|\bnicd\b|\bni-cd\b|agcdo|\bcdo\b|\bcds\b|\b7440-43-9\b",
    "asbestos": r"asbestos|chrysotile|amosite|crocidolite|tremolite|actinolite|anthophyllite"
    r"|\b1332-21-4\b|\b12001-29-5\b|\b12172-73-5\b|\b12001-28-4\b",
    # decabromodiphenyl ethane (DBDPE) is not decaBDE
    "decaBDE": r"deca-?\s?bde|\bbde[\s-]?209|decabromo(?!\w*[\s-]?diphenyl[\s-]?ethane)|\bpbdes?\b"
    r"|\bdbdpo\b|brominated diphenyl|saytex 102|\bde-83|pentabromophenyl\)?\s*(?:ether|oxide)"
    r"|\b1163-19-5\b",
}
# "brake hydraulic hose", "brake flex rubber hose": a brake hose with words between (not a
# vacuum, air, booster, servo or cooling hose of the brake system)
BRAKE_WORDS_HOSE = r"brake\s+(?:(?!vacuum|air|booster|servo|cooling|duct)[\w-]+\s+){1,2}?hose"
SUBJECT_RULE = {"Pb": "R1", "Hg": "R2", "Cr6": "R3", "Cd": "R4", "asbestos": "R5", "decaBDE": "R9"}
# wider cues per rule: the subject, its compliant alternatives and the R6-R8 subjects
RULE_CUES = {
    "R1": SUBSTANCE_CUES["Pb"] + r"|solder",
    "R2": SUBSTANCE_CUES["Hg"] + r"|tilt switch",
    "R3": SUBSTANCE_CUES["Cr6"] + r"|trivalent|\bcr\s?\(?iii\b|cr3\+|chrome-free|passivat"
    r"|chrom\w*\s?\(\s?iii\s?\)|chromium\s+nitride|\bcrn\b|chrom(?:e|ium|ate)[\s-]*free",
    "R4": SUBSTANCE_CUES["Cd"],
    "R5": SUBSTANCE_CUES["asbestos"] + r"|\bnao\b",
    # UN ECE R12, R43 are regulations, not refrigerants
    "R6": r"refrigerant|(?<!ece\s)(?<!un\s)\br[\s-]?\d{2,4}(?:[a-z]{1,2})?\b|\bhfc|\bhfo|\bcfc"
    r"|\bhcfc|freon|\bgwp\b|\bco2\b|a/c gas",
    "R7": r"propellant|inflator|gas generant|ammonium[\s-]nitrate|\bpsan\b|nh4no3|desicca(?:nt|t)"
    r"|guanidine|tetrazole|azide|drying agent|moisture absorber"
    r"|\ban\b(?=[\s-](?:based|propellant|charge|tablets))",
    "R8": r"brake[\s-]?hose|"
    + BRAKE_WORDS_HOSE
    + r"|fmvss|\bdot\b|\bcert\b|certif|\bmarking|571\.106",
    "R9": SUBSTANCE_CUES["decaBDE"] + r"|flame[\s-]?retard|\bfr\b|halogen[\s-]?free|hffr|dbdpe",
}
NEGATION = (
    r"free\b(?![\s-](?:cutting|machining))|\bno\b(?!\.\s?\w)|:\s*no\b|instead of|\bnon\b|\bnon-"
    r"|\bnot\b(?!\s+exceed)|\bwithout\b|\bw/o\b|\bnone\b|\bn\.d\.?"
    r"|\bnd\b|\bzero\b|\bnil\b|\bnegative\b|\bunleaded\b|\buncertified\b|\bunmarked\b|\babsen"
    r"|\bdoesn't\b|\bomitted\b|\bn/a\b"
)
# said of a subject that is replaced, only compatible, or judged against a limit
NOT_PRESENT_CONTEXT = (
    r"instead of|replaces\b|compatible|suitable|\blimit|threshold|permitted level|\bmax\b|\bbelow\b"
    r"|\bunder\b|less than|not exceeding|\bup to\b|\bover\b|exceeds|\babove\b|too high|"
    r"more than|at least"
)
DOUBLE_NEGATION = r"\bnot\s+(?:\S+\s+)?\S+[\s-]free\b|-free:\s*no\b"
ALLOY_FAMILIES = {
    "copper": r"brass|bronze|gunmetal|copper alloy|\bcu alloy|\bcu\s?zn|\bcu\s?sn|\bcu\s?pb"
    r"|\bcu\s?al|\bcw\d{3}[a-z]\b|\bcc\d{3}[a-z]\b|\bc\d{5}\b|\bc3[678]\d\b|\bms58\b|\bcz12\d\b|\blg2\b"
    r"|\brg[57]\b|sae 660|\bcu\s?ni\d|nickel silver",
    "steel": r"free[\s-]?(?:cutting|machining) steel|steel \(free[\s-]cutting|machining steel"
    r"|steel for machining|automatic steel|leaded steel|\b\d{1,2}s(?:mn)?pb\d{2}|\b12l1[34]\b"
    r"|\bsum2\dl\b|\b1\.07[0-9]{2}\b|g12144",
    "aluminium": r"alumin(?:i)?um(?! bronze)|\balu\b|\bal alloy|en a[wc][\s-]?\d{4,5}|\baw-\d{4}"
    r"|\balcu|\balmgsi|\balsi\d|\baa\s?\d{4}|\b(?:2011|2030|6262|6012)-t\d|adc12|\ba380\b",
}
_ABBREVIATED = "".join(
    f"(?<!{a})" for a in ("conc", "approx", "max", "min", "ca", "no", "mat", "incl", "acc", "e.g")
)
_CLAUSE_SPLIT = re.compile(
    r"[;|]|\s\+\s|(?<!\d),|,(?!\d)|" + _ABBREVIATED + r"\.\s|\s-{1,2}\s|\s/\s|\sand\s",
    re.IGNORECASE,
)

_SUBSTANCE_RES = {k: re.compile(v, _I) for k, v in SUBSTANCE_CUES.items()}
_RULE_RES = {k: re.compile(v, _I) for k, v in RULE_CUES.items()}
_ANY_RULE_RE = re.compile("|".join(f"(?:{v})" for v in RULE_CUES.values()), _I)
_NEG_RE = re.compile(NEGATION, _I)
_NOT_PRESENT_RE = re.compile(NOT_PRESENT_CONTEXT, _I)
_DOUBLE_NEG_RE = re.compile(DOUBLE_NEGATION, _I)
_ALLOY_RES = {k: re.compile(v, _I) for k, v in ALLOY_FAMILIES.items()}


def clauses(text: str) -> list[str]:
    """The text cut at commas (not inside a number), semicolons, bars, plus
    signs, sentence ends, and dashes and slashes between spaces."""
    return [text[a:b].strip() for a, b in _clause_spans(text) if text[a:b].strip()]


def _clause_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE_SPLIT.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def mentioned_rules(text: str) -> set[str]:
    """Rules whose subject (or its compliant alternative) the text mentions. Pure."""
    return {rule for rule, pattern in _RULE_RES.items() if pattern.search(text)}


def alloy_families(text: str) -> set[str]:
    """Exempt lead-alloy families (``steel``, ``aluminium``, ``copper``) the text names."""
    return {family for family, pattern in _ALLOY_RES.items() if pattern.search(text)}


def _clause_subject(clause: str) -> str | None:
    found = [(m.start(), s) for s, p in _SUBSTANCE_RES.items() if (m := p.search(clause))]
    return min(found)[1] if found else None


def _states_limit(clause: str, amount: Amount) -> bool:
    """True for an amount that is the limit itself (``limit 0.1 %``, ``threshold 0.1 %``)."""
    return bool(re.search(r"(?:limit|threshold)\W*$", clause[: amount.start], _I))


def _nearest_family(text: str, position: int) -> str | None:
    found = [
        (min(abs(m.start() - position), abs(m.end() - position)), family)
        for family, pattern in _ALLOY_RES.items()
        for m in pattern.finditer(text)
    ]
    return min(found)[1] if found else None


def slice_tags(text: str) -> set[str]:
    """The slices (see module docstring) a description belongs to. Pure."""
    tags: set[str] = set()
    if any(not a.is_percent for a in find_amounts(text)):
        tags.add("unit")
    has_alloy = bool(alloy_families(text))
    parts = []
    for start, end in _clause_spans(text):
        clause = text[start:end]
        negated = bool(_NEG_RE.search(clause))
        double = bool(_DOUBLE_NEG_RE.search(clause))
        if negated and _ANY_RULE_RE.search(clause):
            tags.add("negation")
        parts.append((start, clause, _clause_subject(clause), negated, double))
    with_amount = {
        subject for _, clause, subject, _, _ in parts if subject and find_amounts(clause)
    }
    for start, clause, subject, negated, double in parts:
        if subject is None:
            continue
        found = find_amounts(clause)
        if subject == "Pb" and has_alloy and (double or not negated):
            tags.add("alloy_context")
        if double or (
            not found
            and not negated
            and subject not in with_amount
            and not _NOT_PRESENT_RE.search(clause)
        ):
            tags.add("presence_no_amount")
        for amount in found:
            if _states_limit(clause, amount):
                continue
            limit = LIMITS[subject]
            family = _nearest_family(text, start + amount.start) if has_alloy else None
            if subject == "Pb" and family is not None:
                limit = ALLOY_PB_LIMITS[family]
            if limit > 0 and NEAR_LIMIT[0] <= amount.percent / limit <= NEAR_LIMIT[1]:
                tags.add("near_limit")
    return tags


# percentages that are not a material's concentration
_NOT_CONCENTRATION = re.compile(
    r"efficien|duty cycle|\bload\b|humidity|\brh\b|speed|toleranc|elongation|capacity|\bsoc\b"
    r"|state of charge|slope|gradient|overload|\bduty\b|yield|probability|confidence",
    _I,
)


def input_flags(text: str) -> list[str]:
    """``concentration_above_100_percent`` / ``negative_amount`` when a concentration
    in ``text`` is above 100 % or below zero. A percentage counts unless its clause
    says it is something else (efficiency, load, humidity, ...). Pure."""
    amounts = []
    for start, end in _clause_spans(text):
        clause = text[start:end]
        found = find_amounts(clause)
        if found and _NOT_CONCENTRATION.search(clause):
            found = [a for a in found if not a.is_percent]
        amounts.extend(found)
    return implausible_flags(amounts)


def slice_rule_key(text: str, rule: str) -> list[str]:
    """Rules a row counts under when errors are grouped by rule: its labelled
    rule when it has one, else the rules its text mentions (``none`` if no rule)."""
    if rule:
        return [rule]
    found = sorted(mentioned_rules(text), key=lambda r: int(r[1:]))
    return found or ["none"]
