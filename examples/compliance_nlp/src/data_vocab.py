"""Vocabulary for ``data_gen.py``: components, materials, suppliers, notes, frames.

Everything here is free of regulated subjects (those are in
``data_vocab_regulated.py``). Pure data plus small composing helpers
(``materials_for``, ``notes``, ``frame``, ``wrap_statement``). Nothing here
decides a label; ``rule_engine.label_facts`` does.
"""

from __future__ import annotations

import random
import re
import string

# --------------------------------------------------------------- components

COMPONENTS = {
    "brake": [
        "brake caliper",
        "brake caliper bracket",
        "brake disc",
        "brake drum",
        "master cylinder",
        "brake booster",
        "ABS sensor",
        "parking brake cable",
        "brake fluid reservoir",
        "wheel cylinder",
    ],
    "friction": [
        "brake pad set",
        "brake shoe",
        "brake lining",
        "clutch disc",
        "clutch facing",
        "front brake pads",
        "drum brake shoes",
        "handbrake shoe",
    ],
    "ac": [
        "A/C compressor",
        "condenser",
        "evaporator",
        "A/C line",
        "receiver drier",
        "expansion valve",
        "HVAC module",
        "A/C pressure hose",
        "refrigerant line assembly",
        "electric A/C compressor",
        "A/C suction line",
    ],
    "airbag": [
        "driver airbag module",
        "passenger airbag inflator",
        "curtain airbag",
        "side airbag module",
        "knee airbag inflator",
        "airbag inflator",
        "front passenger airbag",
        "steering wheel airbag",
    ],
    "brake_hose": [
        "brake hose",
        "brake hose assembly",
        "hydraulic brake hose",
        "flexible brake hose",
        "braided brake hose",
        "brake hose assy",
        "brake flexi hose",
        "caliper hose",
        "flexible brake line",
        "stainless braided brake line",
        "brake flex hose",
    ],
    # brake-system parts that are not a hydraulic brake hose (R8 does not apply)
    "brake_part": [
        "brake fluid reservoir",
        "master cylinder",
        "brake caliper",
        "wheel cylinder",
        "rigid brake pipe",
        "steel brake line",
        "brake pipe",
        "ABS hydraulic unit",
        "brake pressure sensor",
        "caliper seal kit",
        "bleed nipple",
        "brake fluid level sensor",
        "clutch master cylinder",
    ],
    "hose": [
        "coolant hose",
        "power steering hose",
        "fuel hose",
        "heater hose",
        "washer fluid hose",
        "radiator hose",
        "turbo intercooler hose",
    ],
    "electrical": [
        "wiring harness",
        "connector",
        "fuse box",
        "relay",
        "ECU",
        "body control module",
        "switch",
        "battery cable",
        "ground strap",
        "window regulator motor",
        "horn",
        "alternator",
        "starter motor",
        "ignition coil",
        "temperature sensor",
        "PCB assembly",
        "seat heater mat",
        "door lock actuator",
        "parking sensor",
        "camera module",
        "infotainment unit",
        "charging port",
        "HV cable",
        "DC/DC converter",
        "oxygen sensor",
    ],
    "lighting": [
        "headlamp",
        "tail lamp",
        "fog lamp",
        "interior light",
        "LED module",
        "license plate lamp",
        "turn signal lamp",
    ],
    "body": [
        "door handle",
        "mirror housing",
        "bumper bracket",
        "hood hinge",
        "tailgate strut",
        "door seal",
        "fender liner",
        "roof rail",
        "wiper arm",
        "fuel filler flap",
        "bumper cover",
        "windshield",
        "sunroof frame",
        "battery tray",
        "grille",
    ],
    "powertrain": [
        "oil pump",
        "water pump",
        "thermostat housing",
        "intake manifold",
        "turbo heat shield",
        "exhaust clamp",
        "fuel injector",
        "oil filter housing",
        "timing chain guide",
        "engine mount",
        "fuel hose",
        "coolant hose",
        "power steering hose",
        "heater hose",
        "vacuum hose",
        "fuel pump",
        "EGR valve",
        "radiator",
        "intercooler",
        "fuel tank",
        "spark plug",
        "glow plug",
        "exhaust hanger",
        "catalytic converter heat shield",
    ],
    "interior": [
        "seat frame",
        "dashboard panel",
        "center console",
        "seat foam",
        "carpet",
        "headliner",
        "seat belt buckle",
        "airbag cover",
        "glovebox latch",
        "steering wheel",
    ],
    "chassis": [
        "control arm",
        "stabilizer link",
        "shock absorber",
        "coil spring",
        "wheel bearing",
        "tie rod end",
        "subframe bushing",
        "wheel nut",
        "zinc balance weight",
        "CV joint boot",
        "wheel hub",
        "brake pedal",
        "seat rail",
        "gear shift knob",
    ],
}
GENERIC_CATEGORIES = [
    "brake",
    "electrical",
    "electrical",
    "lighting",
    "body",
    "powertrain",
    "powertrain",
    "interior",
    "chassis",
    "friction",
    "ac",
    "airbag",
]
SIDES = ["front left", "FL", "rear right", "RR", "LH front", "RH rear", "front axle"]

SUPPLIERS = [
    "Bosch",
    "Continental",
    "Denso",
    "Valeo",
    "ZF",
    "Brembo",
    "Mahle",
    "Hella",
    "Aptiv",
    "Magna",
    "Autoliv",
    "Joyson",
    "Sanden",
    "Hanon",
    "TI Fluid Systems",
    "Gates",
    "Cooper Standard",
    "Schaeffler",
    "Marelli",
    "Lear",
    "Yazaki",
    "Sumitomo",
    "TE Connectivity",
    "Molex",
    "NGK",
    "Febi",
    "Delphi",
    "Akebono",
    "TRW",
    "Nissens",
    "Behr",
    "Webasto",
    "Eberspaecher",
    "Hutchinson",
    "Freudenberg",
    "Kostal",
    "Leoni",
    "Visteon",
    "Tenneco",
    "Tier-2 supplier",
    "Tier 2",
    "Nexteer",
    "Aisin",
    "Mando",
    "Hyundai Mobis",
    "Ficosa",
    "Dayco",
    "Elring",
    "Pierburg",
    "Wabco",
]

# ---------------------------------------------------------------- materials

PLASTICS = [
    "PA66",
    "PA66-GF30",
    "PA6-GF35",
    "PA6",
    "PP",
    "PP-T20",
    "PP with 20 % talc",
    "PP-EPDM",
    "ABS",
    "PC",
    "PC/ABS",
    "PBT",
    "PBT-GF30",
    "POM",
    "PPS-GF40",
    "PVC",
    "TPE",
    "TPU",
    "HDPE",
    "PET",
    "PA66-GF30 (30 % glass fibre)",
    "PP, 25 % recycled content",
    "glass-filled nylon",
    "LCP",
    "PEEK",
    "PTFE",
    "ASA",
    "PA12",
]
ELASTOMERS = [
    "EPDM",
    "NBR",
    "HNBR",
    "FKM",
    "Viton",
    "silicone",
    "neoprene",
    "ACM",
    "EPDM 70 Shore A",
    "carbon black filled EPDM",
    "TPV",
    "natural rubber",
]
METALS = [
    "steel S235",
    "DC01 steel",
    "42CrMo4",
    "C45 steel",
    "16MnCr5",
    "stainless 1.4301",
    "stainless 316L",
    "aluminium 6061-T6",
    "AlSi10Mg",
    "ADC12 die cast",
    "A380 aluminium",
    "AZ91 magnesium",
    "ZAMAK 5",
    "cast iron GJL-250",
    "GJS-400 ductile iron",
    "zinc-plated steel",
    "Zn-Ni coated steel",
    "e-coated steel",
    "powder-coated steel",
    "anodised aluminium",
    "nickel-plated steel",
    "Geomet-coated steel",
    "hot-dip galvanised steel",
    "spring steel 54SiCr6",
    "DP600 steel",
    "aluminium 5754",
]
CONDUCTORS = [
    "tin-plated copper",
    "gold-plated brass",
    "Cu-ETP copper",
    "CuSn6 bronze",
    "silver-plated copper",
    "tinned CuFe2P",
]
TEXTILES = [
    "PU foam",
    "EPP foam",
    "PET fabric",
    "nylon 6.6 fabric",
    "rayon",
    "PVA yarn",
    "polyester felt",
    "PET nonwoven",
]
PARTS = {
    "default": [
        ("housing", PLASTICS + METALS),
        ("cover", PLASTICS),
        ("bracket", METALS),
        ("seal", ELASTOMERS),
        ("gasket", ELASTOMERS),
        ("clip", PLASTICS + METALS),
        ("spring", METALS),
        ("shaft", METALS),
        ("bushing", ELASTOMERS + PLASTICS),
        ("fasteners", METALS),
        ("cap", PLASTICS),
        ("retainer", PLASTICS + METALS),
        ("washer", METALS),
        ("O-ring", ELASTOMERS),
        ("grommet", ELASTOMERS),
    ],
    "electrical": [
        ("terminals", CONDUCTORS),
        ("connector body", PLASTICS),
        ("insulation", ["PVC", "XLPE", "TPE", "silicone", "ETFE"]),
        ("PCB", ["FR-4", "FR-4, 1.6 mm", "aluminium-core PCB"]),
        ("contacts", CONDUCTORS),
        ("cable jacket", ["PVC", "TPU", "XLPE", "TPE"]),
        ("potting compound", ["epoxy", "PU potting", "silicone gel"]),
        ("shield", CONDUCTORS),
        ("lead frame", ["C194 copper alloy", "CuFe2P", "C7025", "Alloy 42 (FeNi42)"]),
        ("leadframe", ["C194", "CuFe2P, silver spot plated", "KFC copper"]),
        ("component leads", ["tin-plated copper", "matte tin over Ni", "NiPdAu"]),
    ],
    "lighting": [
        ("lens", ["PC", "PMMA", "hard-coated PC"]),
        ("reflector", ["BMC", "PC-HT"]),
        ("LED board", ["FR-4", "aluminium-core PCB"]),
        ("bezel", PLASTICS),
    ],
    "brake_hose": [
        ("inner tube", ["EPDM", "EPDM", "PTFE"]),
        ("braid", ["rayon", "PVA yarn", "stainless steel wire"]),
        ("end fittings", METALS),
        ("banjo fitting", METALS),
        ("outer cover", ["EPDM", "CR"]),
        ("ferrules", METALS),
    ],
    "friction": [
        ("backing plate", METALS),
        (
            "friction layer",
            ["ceramic-metallic mix", "low-metallic compound", "resin-bonded friction compound"],
        ),
        ("shim", METALS),
        ("wear indicator", METALS),
    ],
    "ac": [
        ("tube", ["aluminium 3003", "aluminium 6063"]),
        ("fittings", METALS),
        ("O-rings", ["HNBR", "HNBR", "EPDM"]),
        ("core", ["brazed aluminium"]),
        ("hose layer", ["PA barrier", "IIR", "EPDM"]),
        ("end tanks", PLASTICS),
    ],
    "airbag": [
        ("cushion fabric", ["PA66 fabric, silicone coated", "nylon 6.6 fabric"]),
        ("module housing", PLASTICS),
        ("inflator canister", METALS),
        ("cover skin", ["TPO", "TPE"]),
    ],
    "interior": [("foam", TEXTILES), ("trim", PLASTICS + TEXTILES), ("frame", METALS)],
}
MATERIAL_CLAUSES = [
    "{p} {m}",
    "{p}: {m}",
    "{m} {p}",
    "{p} made of {m}",
    "{p} in {m}",
    "{p} - {m}",
    "{m} for {p}",
    "{p} mat. {m}",
]
NOTES = [
    "OE replacement",
    "new part",
    "batch {d}",
    "PPAP approved",
    "IMDS {n} submitted",
    "per drawing rev {l}",
    "checked on vehicle",
    "customer return",
    "dims ok",
    "sample for homologation",
    "torque {t} Nm",
    "operating temp -40 to {c} \u00b0C",
    "mass {w} g",
    "12 V",
    "48V system",
    "IP67",
    "IP6K9K",
    "length {len} mm",
    "rated {bar} bar",
    "humidity test 95 % RH passed",
    "salt spray {h} h ok",
    "qty {q}",
    "EOP 2027",
    "SOP {y}",
    "warranty claim {n}",
    "replaces P/N {pn}",
    "drawing {pn}",
    "lot {d}",
    "incoming inspection ok",
    "visual check ok, no damage",
    "color black",
    "colour grey RAL 7035",
    "UV stabilised",
    "recyclable",
    "service part",
    "fits models {y}-{y2}",
    "VDA 6.3 audit done",
    "RoHS compliant",
    "REACH SVHC declaration on file",
    "IMDS approved",
    "see attached CoC",
    "2 pcs per vehicle",
    "lead time {q} days",
    "efficiency 92 %",
    "duty cycle 60 %",
    "bright chrome trim (metallic Cr)",
    "brake fluid DOT 4 topped up",
    "lead time 6 weeks",
]
ABBREVIATIONS = [
    ("with ", "w/ "),
    ("assembly", "assy"),
    ("housing", "hsg"),
    ("approximately", "approx."),
    ("bracket", "brkt"),
    ("connector", "conn."),
    ("material", "mat."),
    ("without ", "w/o "),
    ("aluminium", "alu"),
    ("temperature", "temp"),
    ("reinforced", "reinf."),
    ("number", "no."),
    ("supplier", "suppl."),
    ("replacement", "repl."),
    ("front", "frt"),
]


def part_number(rng: random.Random) -> str:
    digits = string.digits
    up = string.ascii_uppercase
    forms = [
        lambda: (
            f"{rng.choice(digits)}{rng.choice(up)}{rng.choice(digits)}-"
            f"{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-{rng.choice(up)}"
        ),
        lambda: f"A{rng.randrange(10**9, 10**10)}",
        lambda: f"{rng.randrange(1000, 9999)}-{rng.randrange(10, 99)}",
        lambda: f"{rng.randrange(10000, 99999)}-{rng.choice(up)}{rng.choice(up)}",
        lambda: f"0 986 {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
        lambda: f"{rng.randrange(10, 99)}.{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
    ]
    return rng.choice(forms)()


def _fill(rng: random.Random, text: str) -> str:
    year = rng.randrange(2015, 2027)
    return text.format(
        d=f"{rng.randrange(1000, 9999)}-{rng.choice('ABCDEF')}",
        n=rng.randrange(10**6, 10**7),
        l=rng.choice("ABCDEFG"),
        t=rng.choice((8, 10, 25, 45, 90, 120)),
        c=rng.choice((85, 105, 125, 150)),
        w=rng.randrange(5, 4000),
        len=rng.randrange(40, 1600),
        bar=rng.choice((10, 35, 70, 140, 210, 350)),
        h=rng.choice((240, 480, 720)),
        q=rng.randrange(1, 500),
        y=year,
        y2=year + 6,
        pn=part_number(rng),
    )


def materials_for(rng: random.Random, category: str, k: int) -> list[str]:
    """``k`` benign material clauses suited to a component category."""
    parts = PARTS.get(category, []) * 2 + PARTS["default"]
    out = []
    for _ in range(k):
        part, materials = rng.choice(parts)
        clause = rng.choice(MATERIAL_CLAUSES)
        out.append(clause.format(p=part, m=rng.choice(materials)))
    return out


def notes(rng: random.Random, k: int) -> list[str]:
    return [_fill(rng, rng.choice(NOTES)) for _ in range(k)]


STATEMENT_WRAPPERS = [
    "supplier confirms {s}",
    "per CoC: {s}",
    "according to the lab report, {s}",
    "IMDS entry: {s}",
    "as declared by supplier: {s}",
    "{s} (per supplier)",
    "{s} (checked)",
    "note: {s}",
    "material data sheet says {s}",
]


def wrap_statement(rng: random.Random, statement: str) -> str:
    """A regulated statement inside a reporting phrase that does not change its meaning."""
    return rng.choice(STATEMENT_WRAPPERS).format(s=statement)


def frame(rng: random.Random, component: str, body: list[str], extra: list[str]) -> str:
    """Arrange header, body clauses and notes in one of twenty styles."""
    pn = part_number(rng)
    pn_text = rng.choice((f"P/N {pn}", f"PN {pn}", f"part no. {pn}", f"#{pn}", pn, f"ref {pn}"))
    supplier = rng.choice(SUPPLIERS)
    has_pn, has_sup = rng.random() < 0.6, rng.random() < 0.6
    sep = rng.choice((", ", ", ", "; ", " / ", ". ", " + ", " and "))
    content = sep.join(body) if body else rng.choice(("no further details", "std part"))
    tail = ", ".join(extra)
    comp = component if rng.random() < 0.5 else component.capitalize()
    style = rng.randrange(30)
    pn_bit = f" {pn_text}" if has_pn else ""
    sup_bit = supplier if has_sup else rng.choice(("supplier unknown", "in-house"))
    if style == 0:
        text = f"{comp}{pn_bit}, {sup_bit}. {content}. {tail}"
    elif style == 1:
        text = " | ".join(x for x in (pn_text if has_pn else "", comp, sup_bit, content, tail) if x)
    elif style == 2:
        text = f"{comp} from {sup_bit}{f' ({pn_text})' if has_pn else ''}: {content}; {tail}"
    elif style == 3:
        text = f"Supplier: {sup_bit}. Part: {comp}{pn_bit}. Materials: {content}. {tail}"
    elif style == 4:
        verb = rng.choice(("new", "replaced", "fitted", "installed"))
        text = f"{verb} {component}{pn_bit}, {content}, {tail}"
    elif style == 5:
        text = f"{content}. Part {comp}{pn_bit} {tail}"
    elif style == 6:
        text = f"{comp} - {content} - {tail}"
    elif style == 7:
        text = (
            f"The {component} supplied by {sup_bit}{pn_bit} has "
            f"{' and '.join(body) if body else 'no material data'}. {tail}"
        )
    elif style == 8:
        text = f"{comp}{pn_bit} received, {content}. {tail}"
    elif style == 9:
        text = f"Description of {component}: {content}. {sup_bit}{pn_bit}. {tail}"
    elif style == 10:
        text = f"{sup_bit} delivered {component}{pn_bit}; {content}. {tail}"
    elif style == 11:
        text = f"Material declaration {component}{pn_bit}: {content}. {tail}"
    elif style == 12:
        text = f"Technician note - {comp}: {content}" + (f" ({tail})" if tail else "")
    elif style == 13:
        text = f"{comp}, {content}" + (f", {tail}" if tail else "")
    elif style == 14:
        text = f"Checked {component}{pn_bit} at incoming inspection: {content}. {tail}"
    elif style == 15:
        text = f"{content} - {comp} ({sup_bit})" + (f". {tail}" if tail else "")
    elif style == 16:
        text = f"Notes on {component}{pn_bit}: {content}. {tail}"
    elif style == 17:
        text = f"Item: {comp} / Supplier: {sup_bit} / Notes: {content} / {tail}"
    elif style == 18:
        text = f"{comp}{pn_bit} -- {content} -- {tail}"
    elif style == 19:
        text = f"Returned {component}{pn_bit} from {sup_bit}, {content}; {tail}"
    else:
        text = _more_frames(rng, style, comp, component, pn_text, pn_bit, sup_bit, content, tail)
    text = re.sub(r"\s+\.(?=\s|$)", ".", text).replace(", ,", ",")
    return " ".join(text.split()).strip(" ,;-|/")


def _more_frames(
    rng: random.Random,
    style: int,
    comp: str,
    component: str,
    pn_text: str,
    pn_bit: str,
    sup_bit: str,
    content: str,
    tail: str,
) -> str:
    """Catalogue lines, material declarations, workshop shorthand and longer notes."""
    qty = rng.randrange(1, 9)
    if style == 20:
        return f"{pn_text} {comp} {sup_bit} - {content} - {tail}"
    if style == 21:
        return f"MD {pn_text}: {component}; materials and substances: {content}; {tail}"
    if style == 22:
        verb = rng.choice(("swapped", "changed", "replaced", "fitted", "R&R"))
        return f"{component} {verb}, {content}, {tail}"
    if style == 23:
        return (
            f"Removed old {component} and fitted new one from {sup_bit}. "
            f"Checked the paperwork: {content}. {tail}"
        )
    if style == 24:
        return f"{content} ({comp}, {sup_bit}){f' {tail}' if tail else ''}"
    if style == 25:
        return f"[{comp}]{pn_bit} {content} {tail}"
    if style == 26:
        return f"{qty} x {comp}{pn_bit} @ {sup_bit}: {content}. {tail}"
    if style == 27:
        return f"{comp}{pn_bit}. Material info from supplier: {content}. Remarks: {tail}"
    if style == 28:
        return f"Job card: {component} replaced on customer vehicle; {content}; {tail}"
    return f"Substance declaration - part {comp}{pn_bit} - {content}"
