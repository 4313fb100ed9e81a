"""Rule check: the rules applied to what a description states plainly, after the classifier.

The classifier reads phrasing well and reasons about numbers badly: on the
generated test split its macro-F1 for lead in an exempt alloy was 0.66, because
deciding "brass, 3.2 % Pb" needs designation -> alloy family -> limit -> compare,
which a sentence classifier does not learn reliably. This stage reads the
statements whose meaning is plain (a substance with an amount and a unit, a
substance negated, a named device that contains one, a refrigerant by name, an
ammonium-nitrate inflator and its desiccant, a brake hose and its certification)
and applies ``rule_engine`` to them:

- a statement that violates a rule decides ``non_compliant`` (one violation is
  enough, whatever else the text says);
- when every regulated cue in the text (``slices.RULE_CUES``) was read and none
  violates, the text is ``compliant``;
- a text that names no regulated subject at all, judged by a list far wider
  than the cues (``names_no_regulated_subject``), is ``compliant`` (README,
  labelling decision 9);
- anything else (a cue the reader cannot interpret, a bound that straddles a
  limit, lead whose alloy it cannot tell, a refrigerant that may only be
  "compatible") leaves the decision to the classifier.

It only reads; it never guesses. :func:`check` returns a :class:`Verdict` with the evidence
(the clause and what was read from it), which the scoring service returns and
the error analysis records. Pure; ``re`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from amounts import Amount, find_amounts
from rule_engine import ALLOY_PB_LIMITS, GWP_LIMIT, LIMITS, REFRIGERANT_GWP, SUBSTANCE_RULE
from slices import (
    _ALLOY_RES,
    _DOUBLE_NEG_RE,
    _RULE_RES,
    _SUBSTANCE_RES,
    BRAKE_WORDS_HOSE,
    SUBSTANCE_CUES,
    _clause_spans,
    _states_limit,
    alloy_families,
)
from thresholds import predict_at

_I = re.IGNORECASE
RULES = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9")
COMPLIANT = "compliant"
NON_COMPLIANT = "non_compliant"
NO_SUBJECT = "names no regulated subject"
#: An approximate amount ("approx. 0.3 %") between these multiples of its limit decides nothing.
APPROX_UNDECIDED = (0.8, 1.25)


@dataclass(frozen=True)
class Finding:
    """What was read from one clause: ``rule`` judged, ``violated`` or not, and why."""

    rule: str
    violated: bool
    clause: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """``label`` ``compliant`` / ``non_compliant``, or None when the classifier decides.
    ``rule`` is the first violated rule (``""`` otherwise); ``findings`` every
    statement read; ``unread`` the clauses with a regulated cue that were not."""

    label: str | None
    rule: str
    findings: tuple[Finding, ...]
    unread: tuple[str, ...]

    @property
    def evidence(self) -> str:
        """One line for a person: the violating statements, or every statement read."""
        chosen = [f for f in self.findings if f.violated] or list(self.findings)
        return "; ".join(f"{f.rule}: {f.reason} ({f.clause!r})" for f in chosen)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary for a scoring response or a predictions file."""
        return {"label": self.label, "rule": self.rule, "evidence": self.evidence}


# ----------------------------------------------------------------------------
# Cues
# ----------------------------------------------------------------------------

# "not", "never", "don't", "dont", "did not": an informal negation of the verb after it
_NOT_VERB = (
    r"(?:not|never|do\s?n[o']?t|does\s?n[o']?t|did\s?n[o']?t|dont|doesnt|didnt|won'?t|cannot)"
)
# A negation that is about the substance next to it.
_NEG_AROUND = (
    r"(?:{s})[\w)]*(?:[\s-]+\w+){{0,2}}?[\s-]*(?:free|frei)\b(?![\s-](?:cutting|machining))"
    r"|\bnon[\s-]?(?:{s})"
    r"|\b(?:free\s+(?:of|from)|no|not|without|w/o|zero|nil|excludes?|excluding|negative\s+for"
    r"|absence\s+of)[\s-]+"
    r"(?:(?!with\b|and\b|but\b|plus\b|contain|has\b|uses?\b)\w+[\s-]+){{0,2}}?(?:{s})"
    r"|" + _NOT_VERB + r"\s+(?:use|used|contain|contains|include|add|added|present)\s+"
    r"(?:any\s+)?(?:\w+\s+){{0,2}}?(?:{s})"
    r"|\bcontains?\s+no\s+(?:\w+\s+){{0,2}}?(?:{s})"
    r"|(?:{s})[\w)]*\s+(?:test|analysis|screening|check)\b[^,;.]{{0,40}}?\b(?:negative|not\s+detected"
    r"|n\.d\.|passed)\b"
    r"|(?:{s})\w*(?:[\s-]+(?:\w+|\(\w+\))){{0,3}}?\W{{0,3}}(?<!\w)(?:not\s+(?:detected|present|used|contained|added"
    r"|applicable|in\s+use|found)|n\.?\s?d\.?(?!\w)|nd\b|none\b|absent\b|no\b(?!\.?\s*\d)|n/a\b|negative\b|nil\b"
    r"|below\s+(?:detection|loq|lod|the\s+detection)|0\s*(?:%|ppm|mg/kg)?$)"
)
_CHARGE_VERB = re.compile(
    r"charg|fill|contain|running|runs?\s+on|\buses?\b|\bwith\b|\d\s*k?g\b|system|circuit|refrigerant"
    r"|fluid|\bgas\b|\bmedium\b|operat",
    _I,
)
_LIMIT_TALK = re.compile(
    r"\blimit|threshold|permitted|allowed|\belv\b|directive|\brohs\b|\breach\b|specification"
    r"|\bspec\b|requirement|declar|exempt|annex|\bsvhc\b",
    _I,
)
_REMOVED = re.compile(
    r"replac|instead\s+of|removed|eliminat|phased?\s+out|formerly|previously|originally|substitut"
    r"|\bban(?:ned|s)?\b|retired|superseded|\bex[\s-]|switched\s+from|\bvs\.?\b|compared|\btest(?:ed|ing)?\s+for"
    r"|\bif\b|\bwhether\b|\bmay\b|\bmight\b|\bpossibl|\bsuspect|\bunknown|\btbc\b|\btbd\b|\?",
    _I,
)
_UPPER_BOUND = re.compile(
    r"(?:<|≤|=<|<=|\bmax(?:imum|\.)?|\bbelow\b|\bunder\b|less\s+than|lower\s+than|not\s+more\s+than"
    r"|no\s+more\s+than|not\s+exceeding|does\s+not\s+exceed|up\s+to|\bbis\b|\bloq\b|\blod\b"
    r"|detection\s+limit|\bn\.?\s?d\.?)\W*$",
    _I,
)
_LOWER_BOUND = re.compile(
    r"(?:>|≥|>=|\bmin(?:imum|\.)?|\babove\b|\bover\b|more\s+than|greater\s+than|higher\s+than|at\s+least"
    r"|exceed(?:s|ing)?)\W*$",
    _I,
)
_APPROX = re.compile(r"(?:~|≈|\bca\.?|\bapprox(?:\.|imately)?|\babout\b|\baround\b|\bc\.)\W*$", _I)
_QUALITATIVE_ABOVE = re.compile(
    r"(?:above|exceed\w*|over|greater\s+than|higher\s+than|more\s+than|outside|beyond|fails?|not\s+within)"
    r"\s+(?:the\s+)?(?:\w+\s+){0,2}(?:limit|threshold|permitted)",
    _I,
)
_QUALITATIVE_WITHIN = re.compile(
    r"(?:within|below|under|less\s+than|lower\s+than|meets?|complies\s+with|compliant\s+with|passes)"
    r"\s+(?:the\s+)?(?:\w+\s+){0,2}(?:limit|threshold|elv|directive|requirement)",
    _I,
)

# A substance named as present: a verb or an attribute next to it, or a device
# or material that contains it by its nature (README, labelling decisions 2, 3, 15).
_PRESENT_VERB = (
    r"(?:contains?|containing|contained|includes?|including|incl\.|added|present|detected|with|w/"
    r"|based|bearing|filled|plated|coated|treated|doped|stabili[sz]ed|pigmented|impregnated|used"
    r"|made\s+(?:of|from)|consist(?:s|ing)?\s+of|manufactured\s+from|cast\s+from)"
)
_DEVICES = {
    "Pb": r"leaded\s+(?:solder|glass|crystal|paint|pvc|frit|enamel|glaze|ceramic|bronze|brass"
    r"|steel)"
    r"|lead[\s-](?:solder|paint|oxide|chromate|stabili[sz]\w*|glass|crystal|acid|based|frit|glaze"
    r"|weight|sheet|shot|ballast|sulfate|carbonate|monoxide|zirconate|titanate)"
    r"|\bsn\s?pb\b|\bsn\d{2}\s?pb\d{2}\b|\bpb\d{2}\s?sn\d{2}\b|tin[\s-]lead|lead[\s-]antimony"
    r"|\bpbo\b|\bpzt\b|\bpbsb|pb-?sb|\bpbsn\d|(?:cast|solid|pure|sheet|rolled|molten)\s+lead\b"
    r"|lead\s+(?:casting|slug|ingot|alloy)|red\s+lead|\bterne\b|litharge|\bminium\b|chrome\s+yellow"
    r"|\b7439-92-1\b",
    "Hg": r"mercury[\s-]+(?:(?:tilt|ball|float|level|position|wetted|vapou?r)[\s-]+){0,2}"
    r"(?:thermo)?(?:switch|relay|lamp|sensor|tilt|contact|thermometer|vapou?r|wetted|battery|cell)"
    r"|\bhg\s+(?:(?:tilt|ball|float|wetted)\s+)?(?:switch|relay|lamp|contact)"
    r"|\bccfl\b|vermilion|cinnabar|\bhg[os]\b|mercury\s+(?:sulphide|sulfide|oxide)|\b7439-97-6\b"
    r"|fluorescent\s+(?:lamp|tube|backlight)|cold[\s-]cathode",
    "Cd": r"cadmium[\s-](?:plat\w*|pigment\w*|yellow|red|orange|stabili[sz]\w*|coat\w*|battery"
    r"|cell|solder)|cadmium\s+(?:telluride|sulphide|sulfide|selenide)|\bcd[\s-]plat\w*|\bnicd\b"
    r"|\bni-cd\b|nickel[\s-]cadmium|\bagcdo\b|\bcds\b|\b7440-43-9\b",
    "Cr6": r"chromate\s+(?:conversion|coat\w*|passiv\w*|treat\w*|primer|pigment|film|finish|layer)"
    r"|(?:zinc|strontium|lead|barium|calcium)\s+chromate|dichromate|hex(?:avalent)?[\s-]?chrom\w*"
    r"|yellow[\s-]+(?:chromate|zinc|passiv\w*|iridite|conversion)|\bcr\s?\(?vi\)?\s+(?:coat\w*|passiv\w*"
    r"|treat\w*|primer|conversion|plat\w*)|chromated|chrome\s+yellow|chromium\s+trioxide|chromic\s+acid"
    r"|\b(?:18540-29-9|1333-82-0|7758-97-6|13530-65-9|7789-06-2|10588-01-9|7778-50-9)\b",
    "asbestos": r"asbestos|chrysotile|amosite|crocidolite|tremolite|actinolite|anthophyllite"
    r"|\b(?:1332-21-4|12001-29-5|12172-73-5|12001-28-4)\b",
    "decaBDE": r"deca-?\s?bde|\bbde[\s-]?209|decabromodiphenyl|\bdbdpo\b|saytex\s+102"
    r"|pentabromophenyl\)?\s*(?:ether|oxide)|\b1163-19-5\b",
}
_NON_EXEMPT_MATERIAL = re.compile(
    r"solder|\bpvc\b|paint|glass|glaze|enamel|ceramic|rubber|plastic|polymer|pigment|coating|\bzinc"
    r"|zamak|die[\s-]?cast|battery|cable|sheath|insulat|crystal|frit|stabili[sz]|\bpe\b|\bpp\b|\bpa\d*\b"
    r"|structural|\bs235|\bs355|antimony|\bsb\b|ballast|lead[\s-]based|(?:wheel|balance|balancing)\s+weight",
    _I,
)
_ALLOY_HINT = re.compile(
    r"alloy|\bgrade|steel|alumin|copper|\bcu\b|brass|bronze|gunmetal|\bmetal|machin|cutting|cast"
    r"|\b[a-z]{1,4}\d{2,}[a-z]*\b|\d+[a-z]{1,3}\d+|\ben\s?\d|\buns\b|\bdin\b|\bjis\b|\bastm\b|\bsae\b",
    _I,
)

_REFRIGERANTS = (
    # (pattern, REFRIGERANT_GWP key); specific spellings need no refrigerant context
    (
        r"(?:\br|hfc|\bfreon)[\s-]?134\s?a\b|\b134a\b|norflurane|tetrafluoroethane|\b811-97-2\b",
        "R-134a",
        False,
    ),
    (
        r"(?:\br|\bhfo)[\s-]?1234\s?yf\b|\b1234yf\b|opteon\s+yf|\byf\b(?=\s+refrigerant)"
        r"|2,3,3,3-tetrafluoropropene|\b754-12-1\b",
        "R-1234yf",
        False,
    ),
    (r"(?:\br|\bhfo)[\s-]?1234\s?ze\b", "R-1234ze", False),
    (r"(?:\br|hfc)[\s-]?152\s?a\b|1,1-difluoroethane", "R-152a", False),
    (r"\br[\s-]?744\b|\bco2\b|carbon\s+dioxide", "R-744", True),
    (r"(?:\br|\bcfc|\bfreon)[\s-]?12\b|dichlorodifluoromethane|\b75-71-8\b", "R-12", True),
    (r"(?:\br|\bhcfc|\bfreon)[\s-]?22\b|chlorodifluoromethane|\b75-45-6\b", "R-22", True),
    (r"\br[\s-]?404\s?a\b", "R-404A", False),
    (r"\br[\s-]?410\s?a\b", "R-410A", False),
    (r"\br[\s-]?407\s?c\b", "R-407C", False),
    (r"\br[\s-]?513\s?a\b", "R-513A", False),
    (r"\br[\s-]?290\b|propane", "R-290", True),
    (r"\br[\s-]?600\s?a\b|isobutane", "R-600a", True),
)
_REFRIGERANT_CONTEXT = re.compile(
    r"refrigerant|\ba/?c\b|air[\s-]?con|\bhvac\b|compressor|charge|filled|evaporator|condenser"
    r"|receiver|climate|\bmac\b|cooling\s+circuit|\bhfc|\bhfo|\bcfc|\bgwp\b|heat\s+pump|chiller",
    _I,
)
# the specific ways of saying a refrigerant is not the one charged
_ONLY_REPLACED = re.compile(
    r"adapt|\bto\s+(?:r|hfo)[\s-]?1234|compatib|suitable|replac|instead\s+of|retrofit|convert"
    r"|recover|evacuat|drained"
    r"|conversion|formerly|previous|originally|phase[ds]?[\s-]out|banned|\bswitch(?:ed)?\s+from"
    r"|\bmigrat",
    _I,
)
# also a bare negation or an alternative, which may be about something else in the clause
_NOT_CHARGED = re.compile(
    _ONLY_REPLACED.pattern
    + r"|not\s+(?:used|charged|filled|permitted|allowed)|\bno\b|\bfree\b|\bnot\b|\bwithout\b"
    r"|\bex[\s-]|\bvs\.?\b|\bor\b",
    _I,
)
_NO_REFRIGERANT = re.compile(
    r"^(?!.*\d)(?:[^,;]*\s)?(?:no|without|w/o|free\s+of)\s+(?:\w+\s+)?refrigerant\b[^,;\d]*$", _I
)
_EITHER = re.compile(r"\bor\b|\bvs\.?\b|\bversus\b|\band/or\b|/", _I)
_GWP_VALUE = re.compile(r"\bgwp\b\D{0,12}?(?P<bound>[<>≤≥]?)\s*(?P<num>\d[\d,.]*)", _I)

_AN = re.compile(
    r"ammonium[\s-]nitrate|amm\.?\s*nitrate|\bpsan\b|\bnh4no3\b|phase[\s-]?stabili[sz]ed\s+an\b"
    r"|(?:propellant|generant)\s*(?:type)?\W{1,3}(?-i:AN)\b|\ban\b(?=[\s-](?:based|propellant|charge|tablets?"
    r"|pellets?|gas\s+generant|inflator|formulation))",
    _I,
)
# "non-desiccated AN inflator replaced by guanidine nitrate inflator"
_AN_REPLACED = re.compile(
    r"(?:" + _AN.pattern + r")[^;.]{0,40}?\b(?:replaced|superseded|substituted)\s+(?:by|with)\b", _I
)
_DESICCANT = re.compile(
    r"desiccant|desiccat\w*|drying\s+agent|moisture\s+(?:absorber|getter|scavenger)|molecular\s+sieve"
    r"|silica\s+gel|zeolite",
    _I,
)
_NO_DESICCANT = re.compile(
    r"\b(?:no|without|w/o|lacks?|lacking|missing|omitted|free\s+of|absent|not\s+(?:fitted|included|present"
    r"|used|added)|" + _NOT_VERB + r"\s+\w+)\W+(?:\w+\W+){0,3}?"
    r"(?:" + _DESICCANT.pattern + r")"
    r"|non[\s-]?desiccat\w*|undesiccat\w*|desiccant[\s-]free"
    r"|(?:" + _DESICCANT.pattern + r")\W+(?:(?!and\b|but\b|with\b|plus\b)\w+\W+){0,2}?"
    r"(?:none|no\b|missing|omitted|absent|not\b"
    r"|n/a|removed|deleted|pending|tbd|tbc|unspecified|unknown|planned|to\s+be\s+added)",
    _I,
)
_INFLATOR_CONTEXT = re.compile(
    r"airbag|air\s+bag|inflator|propellant|generant|gas\s+generator|pretensioner|igniter|\bsrs\b"
    r"|curtain|knee\s+bag|module",
    _I,
)
_OTHER_PROPELLANT = re.compile(
    r"guanidine|\bgn\b|tetrazole|\b5-?at\b|basic\s+copper\s+nitrate|\bbcn\b|stored[\s-]gas|cold[\s-]gas"
    r"|argon|helium|hybrid\s+inflator|nitroguanidine",
    _I,
)

_BRAKE_HOSE = re.compile(
    r"brake[\s-]*(?:hose|flexi|flex\s+hose|flex\s+line)|flexi(?:ble)?\s+brake\s+(?:hose|line|pipe)"
    r"|(?:braided|flexible|flexi|stainless|ptfe)\s+(?:[\w-]+\s+){0,2}?brake\s+(?:hose|line)|"
    + BRAKE_WORDS_HOSE
    + r"|caliper\s+(?:flexi?\s+)?hose|brake\s+hose\s+assembly|hydraulic\s+brake\s+hose",
    _I,
)
_CERT = re.compile(
    r"fmvss[\s-]*(?:no\.?\s*)?106|571\.106|\bdot[\s-]+(?:marked|approved|certified|compliant|stamped"
    r"|marking|certification|cert\b|conform\w*)|dot[\s-]marked|\bdot\s*[:=]\s*(?:y|yes|ok)\b"
    r"|\bdot\s+(?:approval|stamp|mark|print|symbol|code)\b|(?:certified|approved|compliant)\s+(?:to|per|acc\.?\s+to)"
    r"\s+(?:fmvss|dot)|\bdot\s+(?:on|in)\s+(?:the\s+)?(?:layline|hose|ferrule|print)",
    _I,
)
_CERT_GIVEN = re.compile(r"certif|approv|compliant|marked|stamp|passed|\bdot\s*[:=]\s*y", _I)
_CERT_NEGATIVE = re.compile(
    r"pending|missing|fail\w*|\bnot\b|\bno\b(?!\.?\s*[\w-]*\d)|uncertified|unmarked|without|w/o|await\w*"
    r"|in\s+progress|expired|revoked|withdrawn|\bn/a\b|\btbd\b|\btbc\b|to\s+be\s+(?:confirmed|certified"
    r"|tested|provided)|applied\s+for|requested|to\s+follow|status\s+unknown|under\s+review|\black|absent\b"
    r"|\bnone\b|rejected|\bunclear|\bunverified|\bquestionable|\bin\s+question|:\s*n\b"
    r"|scheduled|planned|not\s+yet"
    r"|next\s+(?:week|month|year|batch)",
    _I,
)
# names that mean the substance itself (decision 15: a material written beside a part);
# bare symbols (Pb, Cd, Hg) stay unread
_NAMED_IN_FULL = re.compile(
    r"\b\d{2,7}-\d{2}-\d\b|pentabromophenyl|asbestos|chrysotile|amosite|crocidolite|tremolite|actinolite|anthophyllite|deca-?\s?bde"
    r"|\bbde[\s-]?209|decabromodiphenyl\s+(?:ether|oxide)|mercury|cadmium|hexavalent\s+chrom\w*"
    r"|\bcr\s?\(?vi\)?",
    _I,
)
_NOT_A_NEGATION = re.compile(
    r"\bno\s+(?:amount|value|figure|concentration|percentage|data|number)s?\b(?:\s+(?:given|stated))?",
    _I,
)
_FLUID_GRADE = re.compile(
    r"(?:for|with|compatible\s+with|filled\s+with|rated\s+for)?\s*\bdot[\s-]?[345](?:\.1)?\b"
    r"(?:\s+(?:brake\s+)?fluid)?|sae\s*j\s?1401|\boe[\s-]+equivalent",
    _I,
)
_REQUIREMENT = re.compile(r"\bshall\b|\bmust\b|\brequired\b|\brequirement|\bper\s+drawing", _I)
_CERT_WORD = re.compile(r"certif|\bcert\b|\bdot\b|fmvss|marking", _I)
_BARE_NEGATIVE = re.compile(
    r"(?:none|no|nil|missing|pending|n/a|failed|tbd|tbc|open|not\s+(?:given|available|provided"
    r"|stated|known))\W*",
    _I,
)
_ANY_HOSE = re.compile(
    r"hose|brake[\s-]+line|flexi|\bbrake\b.*\bhydraulic|\bhydraulic\b.*\bbrake", _I
)
_R3_COMPLIANT = re.compile(
    r"trivalent|\bcr\s?\(?iii\)?|\bcr3\+|cr\s?\(?vi\)?[\s-]*free|hex(?:avalent)?[\s-]*(?:chrom\w*[\s-]*)?free"
    r"|chrom\w*\s?\(\s?iii\s?\)|chromium\s+nitride|\bcrn\b"
    r"|chrom(?:ate|ium)[\s-]*free",
    _I,
)
_TRIVALENT = re.compile(r"trivalent|\bcr\s?\(?iii\)?|\bcr\s?3\s?\+|chrom\w*\s?\(\s?iii\s?\)", _I)
_HEXAVALENT = re.compile(
    r"hexavalent|\bcr\s?\(?\s?vi\b|\bcrvi\b|\bcr\s?6|chromium\s?\(?vi|dichromate|yellow|olive", _I
)
_R9_COMPLIANT = re.compile(
    r"halogen[\s-]?free|\bhffr\b|non[\s-]?halogen|phosph\w*|\bdbdpe\b|decabromodiphenyl\s+ethane|\bath\b"
    r"|alumin\w*\s+trihydr\w*|magnesium\s+hydroxide|melamine|\btbbpa\b|\bmdh\b|intumescent",
    _I,
)

# Anything that might name a regulated subject, however indirectly: far wider than
# the cues above (solders, lead-bearing materials, mercury devices and lamps, every
# chromium finish and pigment, asbestos forms, refrigerant names and A/C talk,
# propellants, hoses, flame retardants, trace units, CAS numbers, substance talk).
# Words for ordinary parts (gasket, glass, brake caliper, a limit in amperes) are not
# on it: they can only violate a rule by also naming a substance. A text with none
# of these "names no regulated subject" (decision 9) and is compliant without the
# classifier.
_ANY_SUBJECT = re.compile(
    "|".join(SUBSTANCE_CUES.values())
    # R1 lead: materials and parts made with it
    + r"|solder|\bsn\s?\d|\bsn\s?pb|lead(?:ed)?\s+(?:glass|crystal|frit)|\bterne\b|babbitt"
    r"|white\s+metal|bearing\s+metal|\bagm\b|\bsli\b|ballast|stabili[sz]"
    r"|pigment|litharge|\bminium\b|galena|tetraethyl|\bpzt\b|piezo|lead[\s-]?acid"
    # R2 mercury
    r"|mercur|\bhg|\bhid\b|xenon|discharge\s+(?:lamp|bulb|burner)|\bd[1-8][sr]\b|metal\s+halide"
    r"|ccfl|fluorescent|backlight|cold[\s-]cathode|\btilt|thermometer|manometer|amalgam"
    r"|phenylmercur|cinnabar|vermilion"
    # R3 Cr(VI) and R4 Cd: finishes, pigments, contacts, photocells
    r"|chrom|\bcr\s?\(\s?(?:vi|iii|6|3)|\bcr\s?[36]\b|\bcr\s?[36]?\s?\+|\bcrvi|passivat|conversion\s+coat|alodine|iridite"
    r"|dacromet|\byellow\s+(?:zinc|passiv|finish|coat|plat)|olive\s+drab|iridescent|wash\s+primer"
    r"|etch\s+primer|cadm|\bcd[a-z]{1,2}\b|nicd|ni-cd|agcd|photo(?:cell|resistor|conductive)"
    r"|\bldr\b"
    # R5 asbestos
    r"|asbest|chrysotile|amosite|crocidolite|tremolite|actinolite|anthophyllite|serpentine"
    r"|amphibole|\bcaf\b|\bnao\b"
    # R6 refrigerants and the A/C circuit
    r"|refrigerant|\br[\s-]?\d{2,4}[a-z]{1,2}\b|\b\d{3}[a-z]{1,2}\b|\b1234|\bhfc|\bhfo|\bcfc"
    r"|\bhcfc|freon|gwp|carbon\s+dioxide|propane|butane"
    r"|opteon|norflurane|fluorocarbon|(?:hydro|tetra|di|tri|penta)fluoro|suva|klea|genetron|forane"
    r"|solstice"
    # R7 inflator propellants
    r"|inflator|propellant|generant|gas\s+generator|ammonium|nitrate|\bpsan|nh4|(?-i:\bAN\b)"
    r"|desicca|drying\s+agent|pretensioner|initiator|igniter|squib|pyro|guanidine|tetrazole|azide"
    # R8 brake hoses and their certification
    r"|brake\W+(?:\w+\W+){0,2}?(?:hose|line|pipe|flexi)|flexi|fmvss|layline|j\s?1401"
    # R9 decaBDE and flame retardants
    r"|flame|retard|\bfr\b|\bfr\d|brom|\bbde|\bdbdp|halogen|\bul\s?94|\bv-?0\b|\bhffr|\bls0h"
    r"|\blszh|antimony|\bsb\b|saytex"
    # amounts in trace units, CAS numbers, substance and compliance talk
    r"|ppm|ppb|mg/kg|µg|ug/g|mg/g|g/kg|\bwt|w/w|‰|\b\d{2,7}-\d{2}-\d\b|substance|hazard|restrict"
    r"|prohibit|banned|regulated|\brohs|\belv\b|\breach\b|\bsvhc|\bimds|\bgadsl|annex|exempt|toxic"
    r"|heavy\s+metal|chemical",
    _I,
)


def names_no_regulated_subject(text: str) -> bool:
    """Whether ``text`` mentions nothing that could be a regulated subject (decision 9).
    Deliberately over-broad the other way: any doubt leaves the text to the readers
    and the classifier. Pure."""
    if _ANY_SUBJECT.search(text) is not None:
        return False
    if _HOSE.search(text) and _BRAKE.search(text):
        return False  # a brake hose, however worded
    if _BATTERY.search(text) and not _NOT_LEAD_ACID.search(text):
        return False  # a battery of unstated chemistry may be lead-acid (decision 3)
    # without a suffix are refrigerants only in an A/C text (else
    # ECE R14, a tyre R16, resistor R12)
    return not (_BARE_R_NUMBER.search(text) and _AC_TEXT.search(text))


_HOSE = re.compile(r"hose", _I)
_BATTERY = re.compile(r"batter(?:y|ies)|accumulator", _I)
_NOT_LEAD_ACID = re.compile(
    r"li[\s-]?ion|lithium|\bnimh\b|\blfp\b|\bnmc\b|lifepo|sodium[\s-]ion", _I
)
_BARE_R_NUMBER = re.compile(r"\br[\s-]?\d{2,4}\b|\bco2\b", _I)
_AC_TEXT = re.compile(
    r"\ba/?c\b|air[\s-]?con|\bhvac|climat|\bmac\b|refrigera|compressor|condenser|evaporator"
    r"|receiver|drier|dryer|charg|cooling\s+(?:gas|circuit)|heat\s+pump|chiller|expansion\s+valve"
    r"|\btxv\b|\buses?\b|\bused\b|fill|runs?\s+on|working\s+fluid|\bgas\b|system|circuit|retrofit"
    r"|top(?:ped)?[\s-]up",
    _I,
)
_BRAKE = re.compile(r"brake|caliper|wheel\s+cylinder", _I)


def _per_substance(build: Callable[[str], str]) -> dict[str, re.Pattern[str]]:
    """One pattern per substance: ``build`` turns the substance cue into the pattern."""
    return {s: re.compile(build(p.pattern), _I) for s, p in _SUBSTANCE_RES.items()}


_NEG_RES = _per_substance(lambda s: _NEG_AROUND.format(s=s))
_AN_NEG = re.compile(_NEG_AROUND.format(s=r"ammonium[\s-]nitrate|\bpsan\b|\ban\b|\bnh4no3\b"), _I)
_DEVICE_RES = {s: re.compile(p, _I) for s, p in _DEVICES.items()}
_RULE_SUBSTANCE_RES = {SUBSTANCE_RULE[s]: p for s, p in _SUBSTANCE_RES.items()}
# "replaces the old asbestos gasket", "instead of cadmium plating": the substance belongs to
# the part replaced ("replaced with / by X" names the new one, and is not matched)
_REPLACED_RES = _per_substance(
    lambda s: (
        r"(?:\breplaces|\breplacing|\bsupersedes|\bsuperseding|instead\s+of|in\s+place\s+of"
        r"|\bformerly|\bpreviously|\breplaced\s+(?:the\s+)?(?:old|former|previous|original|obsolete)"
        r"|\b(?:changed|switched|converted|moved|migrated|went|upgraded)\s+(?:over\s+)?from)"
        rf"\W+(?:(?!with\b|by\b|to\b|into\b|now\b)[\w-]+\W+){{0,4}}?(?:{s})"
    )
)
# "cadmium plating replaced by zinc-nickel": the substance went, the other came
_REPLACED_BY_RES = _per_substance(
    lambda s: (
        rf"(?:{s})[^,;.]{{0,40}}?\b(?:replaced|superseded|substituted|eliminated|removed)"
        r"\s+(?:by|with|and)\b"
    )
)
# "100 % asbestos-free": the figure says how free, it is not an amount of the substance
_FULLY_FREE_RES = _per_substance(lambda s: rf"\s*(?:{s})[\w()+]*[\s-]?free\b")
# solder alloys without lead (SAC305, Sn99.3Cu0.7, SnAgCu, SnBi58)
_LEAD_FREE_SOLDER = re.compile(
    r"\bsac\s?\d{3}\b|\bsac\b|\bsn\s?ag(?:\s?cu)?\d*|\bsn\s?cu\d|\bsn\s?\d{2}(?:[.,]\d+)?\s?(?:ag|cu|bi|sb)"
    r"|\bsn\s?bi\d|\bsn100c\b",
    _I,
)
_PRESENT_RES = _per_substance(
    lambda s: rf"{_PRESENT_VERB}\W+(?:\w+\W+){{0,2}}?(?:{s})|(?:{s})\)?[\s-]+{_PRESENT_VERB}"
)
# "the declaration lists CAS 12001-29-5 as a constituent": listed is present
_LISTED_RES = _per_substance(
    lambda s: (
        rf"\b(?:lists?|listed)\W+(?:\w+\W+){{0,2}}?(?:{s})"
        rf"|(?:{s})[^,;]{{0,40}}?\bas\s+(?:an?\s+)?(?:constituent|ingredient|component)"
    )
)
_REFRIGERANT_RES = tuple((re.compile(p, _I), key, needs) for p, key, needs in _REFRIGERANTS)


# ----------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------


class _Unread(Exception):
    """A clause with a regulated cue that the reader cannot interpret."""


def _subjects(clause: str) -> list[tuple[int, str]]:
    found = {(m.start(), s) for s, p in _SUBSTANCE_RES.items() for m in p.finditer(clause)}
    return sorted(found)


def _bare(clause: str, subject: str) -> bool:
    """True for a clause that is the substance name and little else ("Cd", "or mercury")."""
    rest = _SUBSTANCE_RES[subject].sub(" ", clause)
    return not re.sub(r"\b(?:and|or|nor|also)\b|[^\w]", "", rest, flags=_I)


def _families_near(text: str, clause: tuple[int, int]) -> set[str]:
    """Exempt alloy families named in the clause, else in the nearest clause before it
    that names one with no other material in between."""
    start, end = clause
    inside = alloy_families(text[start:end])
    if inside:
        return inside
    before = text[:start]
    found = [(m.end(), f) for f, p in _ALLOY_RES.items() for m in p.finditer(before)]
    if not found:
        return set()
    last_end = max(e for e, _ in found)
    between = text[last_end:start]
    if _NON_EXEMPT_MATERIAL.search(between):
        return set()
    return {f for e, f in found if e == last_end}


def _bound(clause: str, amount: Amount) -> str | None:
    """``upper`` / ``lower`` / None for the words just before the amount."""
    head = clause[: amount.start][-30:]
    if _UPPER_BOUND.search(head):
        return "upper"
    if _LOWER_BOUND.search(head):
        return "lower"
    return None


def _judge_amount(subject: str, percent: float, bound: str | None, limit: float) -> bool:
    """True if violated; raises _Unread for a bound the rules cannot decide."""
    if percent < 0:
        return False
    if bound == "upper":
        if percent <= limit:
            return False
        raise _Unread(f"{subject} below {percent:g} % does not decide the {limit:g} % limit")
    if bound == "lower":
        if percent >= limit:
            return True
        raise _Unread(f"{subject} above {percent:g} % does not decide the {limit:g} % limit")
    return percent > limit


def _lead_limit(text: str, clause_span: tuple[int, int], percent_max: float) -> float:
    """The lead limit for an amount in this clause; raises _Unread when it depends on an
    alloy family the text does not make clear."""
    start, end = clause_span
    clause = text[start:end]
    general = LIMITS["Pb"]
    if percent_max <= general:
        return general
    families = _families_near(text, clause_span)
    if _NON_EXEMPT_MATERIAL.search(clause):
        if not alloy_families(clause):
            return general
        families.add("other")
    limits = sorted(ALLOY_PB_LIMITS.get(f, general) for f in families)
    if len(limits) == 1:
        return limits[0]
    if limits:
        if percent_max > limits[-1]:
            return limits[-1]
        raise _Unread("lead in a text naming several alloy families or materials")
    if alloy_families(text) or _ALLOY_HINT.search(clause):
        raise _Unread("lead above 0.1 % in a metal whose alloy family is not clear")
    return general


def _token_span(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` widened to the whitespace-delimited token(s) it touches."""
    start, end = span
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace() and text[end] not in ",;":
        end += 1
    return start, end


def _only_in_designations(clause: str) -> bool:
    """True when every lead cue in the clause lies inside an exempt-alloy designation
    (``11SMnPb30``, ``CuZn39Pb3``): its figures are nominal, the lead is the alloy's."""
    inside = [
        _token_span(clause, m.span()) for p in _ALLOY_RES.values() for m in p.finditer(clause)
    ]
    cues = [m.span() for m in _SUBSTANCE_RES["Pb"].finditer(clause)]
    return bool(cues) and all(any(a <= s and e <= b for a, b in inside) for s, e in cues)


def _read_substance(text: str, span: tuple[int, int], subject: str) -> Finding:
    start, end = span
    clause = text[start:end]
    rule = SUBSTANCE_RULE[subject]
    if subject == "Cr6" and _TRIVALENT.search(clause) and not _HEXAVALENT.search(clause):
        return Finding(rule, False, clause, "trivalent (Cr(III)) chromate or passivation")
    amounts = [
        a
        for a in find_amounts(clause)
        if not _states_limit(clause, a) and not _FULLY_FREE_RES[subject].match(clause, a.end)
    ]
    plain = _NOT_A_NEGATION.sub(" ", clause)
    negated = bool(_NEG_RES[subject].search(plain)) and not _DOUBLE_NEG_RE.search(clause)
    if not amounts and (
        _REPLACED_RES[subject].search(clause) or _REPLACED_BY_RES[subject].search(clause)
    ):
        return Finding(rule, False, clause, f"{subject} only in what this part replaces")
    if negated and _present_beside_negation(plain, subject):
        raise _Unread("substance stated absent and present by a device in one clause")
    if _REMOVED.search(clause):
        raise _Unread("substance said to be replaced, tested for, or uncertain")
    if amounts:
        if len({s for _, s in _subjects(clause)}) > 1:
            raise _Unread("several substances and amounts in one clause")
        verdicts = []
        for amount in amounts:
            value = amount.percent
            low = amount.low_percent
            if subject == "Pb":
                limit = _lead_limit(text, span, value)
            else:
                limit = LIMITS[subject]
            if _APPROX.search(clause[: amount.start][-12:]) and value > 0 and limit > 0:
                # "approx. 3 %" decides a 4 % limit; within a fifth of it, it does not
                if APPROX_UNDECIDED[0] < round(value / limit, 3) < APPROX_UNDECIDED[1]:
                    raise _Unread("approximate amount near the limit")
            if low is not None:
                if value <= limit:
                    verdicts.append(False)
                elif low > limit:
                    verdicts.append(True)
                else:
                    raise _Unread("range across the limit")
                continue
            bound = _bound(clause, amount)
            verdicts.append(_judge_amount(subject, value, bound, limit))
        if len(set(verdicts)) != 1:
            raise _Unread("amounts on both sides of the limit")
        violated = verdicts[0]
        if negated and violated:
            raise _Unread("negated substance with an amount above the limit")
        detail = "above" if violated else "at or below"
        return Finding(rule, violated, clause, f"{subject} amount {detail} its limit")
    if negated:
        return Finding(rule, False, clause, f"{subject} stated as absent")
    if subject == "Pb" and _only_in_designations(clause):
        return Finding(rule, False, clause, "lead named in the designation of an exempt alloy")
    if _QUALITATIVE_ABOVE.search(clause):
        return Finding(rule, True, clause, f"{subject} stated above the limit")
    if _QUALITATIVE_WITHIN.search(clause):
        return Finding(rule, False, clause, f"{subject} stated within the limit")
    listed = _LISTED_RES[subject].search(clause)
    if _LIMIT_TALK.search(clause) and not listed:
        raise _Unread("substance mentioned with a limit or a regulation, no amount")
    present = _DEVICE_RES[subject].search(clause) or _PRESENT_RES[subject].search(clause) or listed
    if not present:
        if subject == "Pb" and alloy_families(clause) and not _NON_EXEMPT_MATERIAL.search(clause):
            return Finding(rule, False, clause, "lead as the alloying element of an exempt alloy")
        raise _Unread("substance named without an amount, a verb or a device")
    device = _DEVICE_RES["Pb"].search(clause) if subject == "Pb" else None
    if subject == "Pb" and device is None:
        if _NON_EXEMPT_MATERIAL.search(clause):
            return Finding(
                rule, True, clause, "lead present in a material outside the alloy exemptions"
            )
        if _families_near(text, span):
            return Finding(rule, False, clause, "lead as the alloying element of an exempt alloy")
        if _ALLOY_HINT.search(clause):
            raise _Unread("lead in a metal whose alloy family is not clear")
    if device is not None and re.search(r"brass|bronze|steel", device.group(0), _I):
        return Finding(rule, False, clause, "leaded alloy of an exempt family")
    return Finding(rule, True, clause, f"{subject} present, no amount")


def _read_refrigerants(text: str) -> list[Finding]:
    named = []
    context = bool(_REFRIGERANT_CONTEXT.search(text))
    for pattern, key, needs_context in _REFRIGERANT_RES:
        for match in pattern.finditer(text):
            if needs_context and not context:
                continue
            named.append((match.start(), key))
    gwp = _GWP_VALUE.search(text)
    if not named and gwp is None:
        return []
    if gwp is not None and not named:
        value = float(gwp.group("num").replace(",", ""))
        bound = gwp.group("bound")
        if bound in ("<", "≤") and value <= GWP_LIMIT:
            return [Finding("R6", False, gwp.group(0), "stated GWP at or below 150")]
        if bound in ("", ">", "≥") and value > GWP_LIMIT:
            return [Finding("R6", True, gwp.group(0), "stated GWP above 150")]
        if bound == "" and value <= GWP_LIMIT:
            return [Finding("R6", False, gwp.group(0), "stated GWP at or below 150")]
        raise _Unread("GWP bound that does not decide")
    high = sorted({k for _, k in named if REFRIGERANT_GWP[k] > GWP_LIMIT})
    low = sorted({k for _, k in named if REFRIGERANT_GWP[k] <= GWP_LIMIT})
    if not high:
        return [Finding("R6", False, ", ".join(low), "refrigerant with GWP at or below 150")]
    charged, unclear = [], False
    for start, end in _clause_spans(text):
        clause = text[start:end]
        names = {k for p, k, _ in _REFRIGERANT_RES if p.search(clause)}
        if not names:
            continue
        if _NOT_CHARGED.search(clause):
            # "R-134a or R-1234yf" leaves open which one is charged, "compatible with
            # R-134a systems" may name the system's refrigerant, and a bare "no" or "not"
            # may be about something else in the clause
            either = (
                _EITHER.search(clause)
                or re.search(r"system", clause, _I)
                or not _ONLY_REPLACED.search(clause)
            )
            unclear = unclear or bool(either and names & set(high))
            continue
        if names & set(high):
            if low and not _CHARGE_VERB.search(clause):
                unclear = True  # "also lists R-134a" beside a charge of R-1234yf
                continue
            listed = ", ".join(sorted(names & set(high)))
            charged.append(Finding("R6", True, clause, f"{listed} charged (GWP > 150)"))
    if charged:
        return charged
    if not unclear:
        listed = ", ".join(high)
        return [Finding("R6", False, listed, f"{listed} only replaced or compatible, not charged")]
    raise _Unread("high-GWP refrigerant that may only be replaced or compatible")


def _read_inflator(text: str) -> list[Finding]:
    an = _AN.search(text)
    if an is None:
        if _OTHER_PROPELLANT.search(text):
            return [Finding("R7", False, text, "propellant other than ammonium nitrate")]
        return []
    around = text[max(0, an.start() - 40) : an.end() + 10]
    if not _INFLATOR_CONTEXT.search(text):  # a cold pack, a fertiliser: R7 is about inflators
        return [Finding("R7", False, around, "ammonium nitrate, not in an airbag inflator")]
    if _AN_REPLACED.search(text) and _OTHER_PROPELLANT.search(text):
        return [Finding("R7", False, around, "ammonium nitrate only in the inflator replaced")]
    if _NO_DESICCANT.search(text):
        return [Finding("R7", True, around, "ammonium nitrate without a desiccant")]
    if _REMOVED.search(text):
        raise _Unread("ammonium nitrate said to be replaced or uncertain")
    if _AN_NEG.search(text):
        return [Finding("R7", False, around, "no ammonium nitrate")]
    if _DESICCANT.search(text):
        return [Finding("R7", False, around, "ammonium nitrate with a desiccant")]
    return [Finding("R7", True, around, "ammonium nitrate, no desiccant stated")]


def _read_brake_hose(text: str) -> list[Finding]:
    hose = _BRAKE_HOSE.search(text)
    if hose is None:
        return []
    if re.search(
        r"\bnot\s+(?:a\s+)?(?:\w+\s+)?hose|\bfor\s+brake\s+hose|\bbrake\s+hose\s+(?:clip|bracket|clamp"
        r"|grommet|retainer|holder|support)",
        text,
        _I,
    ):
        raise _Unread("brake-hose accessory or not a hose")
    findings = []
    text = _FLUID_GRADE.sub(" ", text)
    spans = _clause_spans(text)
    for index, (start, end) in enumerate(spans):
        clause = text[start:end]
        if _REQUIREMENT.search(clause):
            continue  # "shall be FMVSS 106 certified" states a requirement, not a fact
        if index + 1 < len(spans):
            after = text[spans[index + 1][0] : spans[index + 1][1]].strip()
            if _BARE_NEGATIVE.fullmatch(after):
                clause = f"{clause} - {after}"  # "FMVSS 106 - none"
        cert = _CERT.search(clause)
        if cert is None:
            if _CERT_WORD.search(clause) and _CERT_NEGATIVE.search(clause):
                findings.append(Finding("R8", True, clause, "brake hose certification not given"))
            continue
        if _CERT_NEGATIVE.search(clause):
            findings.append(Finding("R8", True, clause, "brake hose certification not given"))
        else:
            findings.append(Finding("R8", False, clause, "brake hose FMVSS 106 / DOT certified"))
    if not findings:
        if re.search(r"certif|\bdot\b|fmvss|approv|marking|\bcert\b|\be-?mark|ece", text, _I):
            raise _Unread("brake hose with a marking the reader does not know")
        return [Finding("R8", True, hose.group(0), "brake hose, no certification stated")]
    violated = [f for f in findings if f.violated]
    certified = [f for f in findings if not f.violated]
    if violated and certified:
        raise _Unread("brake hose stated both certified and not")
    return findings


def check(text: str) -> Verdict:
    """Read ``text`` and decide, or leave the decision to the classifier. Pure."""
    findings: list[Finding] = []
    unread: list[str] = []
    read_rules: set[str] = set()
    spans = _clause_spans(text)
    # substances, clause by clause; a bare name inherits a neighbour's negation
    unread_subjects: list[tuple[str, str]] = []
    for index, (start, end) in enumerate(spans):
        clause = text[start:end]
        first: dict[str, int] = {}
        for pos, subject in _subjects(clause):
            first.setdefault(subject, pos)
        for subject in first:
            try:
                findings.append(_read_clause(text, spans, index, subject))
            except _Unread:
                unread_subjects.append((clause, subject))
    absent = {f.rule for f in findings if not f.violated and "absent" in f.reason}
    for clause, subject in unread_subjects:
        # "asked about mercury in the headlamps ..., so no Hg": the text says it is absent
        rule = SUBSTANCE_RULE[subject]
        if rule in absent and not find_amounts(clause) and not _DEVICE_RES[subject].search(clause):
            findings.append(Finding(rule, False, clause, f"{subject} stated absent elsewhere"))
        else:
            unread.append(clause)
    for reader, rule in (
        (_read_refrigerants, "R6"),
        (_read_inflator, "R7"),
        (_read_brake_hose, "R8"),
    ):
        try:
            found = reader(text)
        except _Unread:
            unread.append(f"[{rule}]")
            read_rules.add(rule)
            continue
        if found:
            read_rules.add(rule)
            findings.extend(found)
    # clauses with a cue that no reader above covered
    for start, end in spans:
        clause = text[start:end]
        subjects = {SUBSTANCE_RULE[s] for _, s in _subjects(clause)}
        for rule, pattern in _RULE_RES.items():
            if rule in read_rules or rule in subjects or not pattern.search(clause):
                continue
            if rule == "R8" and not _ANY_HOSE.search(text):
                continue  # a certificate or a marking, and no hose for R8 to judge
            if (
                rule == "R6"
                and not _AC_TEXT.search(text)
                and _BARE_R_NUMBER.fullmatch(clause.strip(" ."))
            ):
                continue  # "R145" in a text with no A/C: a regulation, a tyre, a resistor
            cue = _RULE_SUBSTANCE_RES.get(rule)  # none for R6-R8
            if rule in absent and cue is not None and not cue.search(clause):
                continue  # "solder ..." or "passivated" in a text that says Pb / Cr(VI) is absent
            if rule == "R1" and _LEAD_FREE_SOLDER.search(clause):
                findings.append(Finding("R1", False, clause, "lead-free solder alloy"))
                continue
            if rule == "R3" and _R3_COMPLIANT.search(clause):
                findings.append(Finding("R3", False, clause, "trivalent or Cr(VI)-free finish"))
            elif rule == "R9" and _R9_COMPLIANT.search(clause):
                findings.append(Finding("R9", False, clause, "flame retardant other than decaBDE"))
            elif (
                rule == "R8"
                and _CERT.search(clause)
                and _CERT_GIVEN.search(clause)
                and not _CERT_NEGATIVE.search(text)
            ):
                findings.append(Finding("R8", False, clause, "hose FMVSS 106 / DOT certified"))
            elif rule == "R6" and _NO_REFRIGERANT.search(clause):
                findings.append(Finding("R6", False, clause, "no refrigerant"))
            elif rule == "R5" and re.search(r"\bnao\b|non[\s-]?asbestos", clause, _I):
                findings.append(Finding("R5", False, clause, "non-asbestos friction material"))
            else:
                unread.append(clause)
    if not findings and not unread and names_no_regulated_subject(text):
        clause = text.strip()[:80]
        return Verdict(COMPLIANT, "", (Finding("-", False, clause, NO_SUBJECT),), ())
    violated = sorted({f.rule for f in findings if f.violated}, key=lambda r: int(r[1:]))
    if violated:
        return Verdict(NON_COMPLIANT, violated[0], tuple(findings), tuple(unread))
    if findings and not unread:
        return Verdict(COMPLIANT, "", tuple(findings), ())
    return Verdict(None, "", tuple(findings), tuple(unread))


def _present_beside_negation(clause: str, subject: str) -> bool:
    """A device holding the substance outside every negated span ("tin-lead solder ...
    because the lead-free wire was out of stock")."""
    if subject in ("asbestos", "decaBDE"):  # their "devices" are their names
        return False
    negations = [m.span() for m in _NEG_RES[subject].finditer(clause)]
    return any(
        all(m.end() <= a or m.start() >= b for a, b in negations)
        for m in _DEVICE_RES[subject].finditer(clause)
    )


def _neg_anywhere(clause: str) -> bool:
    return any(p.search(clause) for p in _NEG_RES.values())


def _read_clause(text: str, spans: list[tuple[int, int]], index: int, subject: str) -> Finding:
    """One substance in clause ``index``; a clause that is the bare name ("Cd" in
    "free of Pb, Cd, Hg") takes the negation of the list it belongs to: the nearest
    clause before or after it, across other bare names, that is not bare."""
    start, end = spans[index]
    clause = text[start:end]
    if _bare_any(clause) and not find_amounts(clause):
        for step in (-1, 1):
            other = index + step
            while 0 <= other < len(spans) and _bare_any(text[slice(*spans[other])]):
                other += step
            if 0 <= other < len(spans) and _neg_anywhere(text[slice(*spans[other])]):
                return Finding(
                    SUBSTANCE_RULE[subject], False, clause, f"{subject} in a list stated absent"
                )
        if _NAMED_IN_FULL.search(clause) and not _neg_anywhere(text):
            return Finding(
                SUBSTANCE_RULE[subject], True, clause, f"{subject} named as a material of the part"
            )
        raise _Unread("substance named alone")
    return _read_substance(text, (start, end), subject)


def _bare_any(clause: str) -> bool:
    subjects = {s for _, s in _subjects(clause)}
    return bool(subjects) and all(_bare(clause, s) for s in subjects)


def decide(verdict: Verdict | None, p_non_compliant: float, threshold: float) -> tuple[int, str]:
    """``(1 for non_compliant else 0, "rules" | "model")``: the rule check's verdict
    where it has one, else the classifier at ``threshold``. Pure."""
    if verdict is not None and verdict.label is not None:
        return int(verdict.label == NON_COMPLIANT), "rules"
    return int(p_non_compliant >= threshold), "model"


def predict(
    probs: Sequence[float], threshold: float, verdicts: Sequence[Verdict | None] | None
) -> list[int]:
    """Predicted class ids for every row (``verdicts`` None: the classifier alone). Pure."""
    if verdicts is None:
        return predict_at(probs, threshold)
    return [decide(v, p, threshold)[0] for v, p in zip(verdicts, probs, strict=True)]


def check_all(texts: Iterable[str]) -> list[Verdict]:
    """:func:`check` for every text."""
    return [check(t) for t in texts]
