"""More forms of regulated statements for ``data_gen.py``: substances named only by
the material that holds them, negation said as a sentence or a value, brake parts
that are not brake hoses, and certification said in other words.

Pure data, like ``data_vocab_regulated.py``: ``statements.py`` picks from these
lists and states the facts of what it picked; ``rule_engine.label_facts`` alone
decides labels. Placeholders: ``{n}`` a substance name (``{N}`` capitalised),
``{m}`` a material, ``{p}`` a part, ``{u}`` a unit, ``{c}`` a certification
statement, ``{d}`` a document.
"""

from __future__ import annotations

# ------------------------------------------- a substance named by its material

# Materials that hold the substance by their composition or nature, written as a
# material declaration or a catalogue would (no verb of presence, no amount).
# Keyed by substance; each entry is (material, parts it is written beside).
SUBSTANCE_MATERIALS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "Pb": [
        ("Sn63Pb37", ("solder", "solder joints", "solder alloy", "reflow solder", "terminals")),
        ("Sn60Pb40", ("solder", "solder wire", "hand solder", "wave solder", "joints")),
        ("Sn62Pb36Ag2", ("solder", "solder paste", "solder alloy", "SMD joints")),
        ("SnPb37", ("solder", "solder alloy", "joints")),
        ("Sn63/Pb37", ("solder", "solder paste", "joints")),
        ("Pb90Sn10 high-lead", ("die attach", "solder", "solder bumps")),
        ("Sn10Pb88Ag2", ("die attach solder", "power module solder")),
        ("63/37 tin-lead", ("solder", "solder wire")),
        ("tin/lead", ("solder", "plating", "terminal finish")),
        ("SnPb", ("plating", "terminal finish", "lead finish")),
        ("pure lead", ("balance weight", "ballast", "weights", "sheet")),
        ("lead sheet", ("damping pad", "sound deadening", "shielding")),
        ("PbSb lead-antimony", ("battery grid", "terminal post", "grid")),
        ("lead glass", ("lamp stem", "frit seal", "sealing glass")),
        ("PbO frit", ("sealing glass", "glass seal")),
        ("PZT lead zirconate titanate", ("piezo element", "knock sensor element", "transducer")),
    ],
    "Hg": [
        ("mercury", ("tilt switch", "level switch", "relay contacts", "float switch")),
        ("Hg", ("tilt switch", "contact", "relay", "arc lamp")),
        ("mercury-wetted", ("relay", "reed relay", "contacts")),
        ("CCFL", ("backlight", "display backlight", "lamp")),
        ("fluorescent", ("lamp", "backlight tube", "interior lamp")),
        ("mercury vapour", ("lamp", "discharge lamp", "bulb")),
        ("Hg discharge", ("lamp", "bulb")),
    ],
    "Cr6": [
        ("yellow chromate", ("passivation", "finish", "fasteners", "zinc plating")),
        ("zinc chromate", ("primer", "coating", "paint")),
        ("strontium chromate", ("primer", "wash primer")),
        ("chromate conversion", ("coating", "coat", "finish")),
        ("iridescent yellow chromate", ("finish", "passivate")),
        ("olive drab chromate", ("finish", "coating")),
        ("Cr6+ passivate", ("zinc plating", "finish", "fasteners")),
        ("hex chrome", ("passivation", "plating", "finish")),
        ("dichromate", ("seal", "sealing", "dip")),
        ("chromated", ("zinc", "fasteners", "steel parts")),
    ],
    "Cd": [
        ("AgCdO", ("contacts", "relay contacts", "contact rivets", "switch contacts")),
        ("Ag/CdO", ("contacts", "contact tips", "relay contacts")),
        ("silver cadmium oxide", ("contacts", "contact material")),
        ("NiCd", ("cell", "backup cell", "battery pack", "battery")),
        ("Ni-Cd", ("cell", "battery", "backup battery")),
        ("cadmium", ("plating", "pigment", "solder", "brazing alloy")),
        ("Cd", ("plating", "plated fasteners", "pigment")),
        ("cadmium sulphide", ("pigment", "colourant")),
        ("cadmium yellow", ("pigment", "paint")),
    ],
    "asbestos": [
        ("chrysotile", ("gasket", "lining", "fibre", "insulation", "packing")),
        ("amosite", ("insulation", "heat shield", "board", "lagging")),
        ("crocidolite", ("gasket", "insulation", "fibre", "seal")),
        ("tremolite", ("filler", "fibre", "insulation")),
        ("actinolite", ("filler", "fibre")),
        ("anthophyllite", ("filler", "insulation")),
        ("white asbestos", ("gasket", "friction lining", "rope seal")),
        ("brown asbestos", ("insulation", "heat shield")),
        ("blue asbestos", ("gasket", "insulation")),
        ("asbestos", ("gasket", "lining", "clutch facing", "rope seal", "cloth", "millboard")),
        ("asbestos cement", ("board", "sheet", "panel")),
    ],
    "decaBDE": [
        ("decaBDE", ("flame retardant", "FR", "FR additive", "FR package")),
        ("BDE-209", ("flame retardant", "FR", "FR additive")),
        ("DBDPO", ("flame retardant", "FR", "FR system")),
        ("deca-BDE", ("flame retardant", "FR package")),
        ("decabromodiphenyl oxide", ("flame retardant", "FR")),
        ("PBDE", ("flame retardant", "FR", "FR additive")),
        ("Saytex 102E (decaBDE)", ("flame retardant", "FR")),
        ("DE-83R decaBDE", ("flame retardant", "FR")),
        ("decaBDE/Sb2O3", ("FR system", "flame retardant")),
    ],
}
# how a part and its material are written side by side
MATERIAL_FORMS = [
    "{p} {m}",
    "{p}: {m}",
    "{m} {p}",
    "{m} {p}",
    "{p} - {m}",
    "{p} mat. {m}",
    "{p} = {m}",
    "{p} ({m})",
    "{p} in {m}",
    "{m} type {p}",
    "{p} material {m}",
]

# ---------------------------------------- a substance not present, in other words

# negation said as a sentence or a declaration field, not as a qualifier
SENTENCE_NEGATIONS = [
    "{n} not used",
    "{n} is not used",
    "{n}: not used",
    "{n} not contained",
    "{n}: no",
    "contains {n}: no",
    "{n} present: no",
    "{n} used: no",
    "{n} = none",
    "{n} content: none",
    "{n}: nil",
    "{n} not present in any homogeneous material",
    "no {n} in this part",
    "no {n} used",
    "no {n} anywhere in the assembly",
    "{n}: not applicable",
    "{n} n/a",
    "{n} not in use",
    "there is no {n} in it",
    "we do not use {n}",
    "non-{n}",
    "{n}-free version",
    "{N}: none declared",
]
# negation said as a value: zero in some unit
ZERO_VALUES = ["0 %", "0 ppm", "0.0 %", "0,0 %", "0 mg/kg", "0.00 wt%", "0 wt%", "0.000 %"]
ZERO_FORMS = ["{n} {z}", "{n}: {z}", "{n} content {z}", "{z} {n}", "{n} = {z}", "{n} measured {z}"]
# a reason that it is absent, said before the negation
ABSENCE_REASONS = {
    "Pb": ["lead-free reflow process", "SAC305 solder only", "all joints crimped"],
    "Hg": ["LED lighting only", "solid-state switch", "no discharge lamps fitted"],
    "Cr6": ["Zn-Ni with Cr(III) passivate", "trivalent passivation only", "e-coat finish"],
    "Cd": ["Zn-Ni plating", "NiMH cells", "AgSnO2 contacts"],
    "asbestos": ["NAO lining", "aramid fibre gasket", "ceramic fibre insulation"],
    "decaBDE": ["halogen-free compound", "ATH filled", "phosphorus FR"],
}
REASONED_NEGATIONS = ["{r}, so no {n}", "{r} - no {n}", "{r}; {n} not used", "{r}, {n}: none"]

# ---------------------------------------------------------------- R8 variants

# said of a brake-system part that is not a hydraulic brake hose (R8 does not apply)
BRAKE_PART_NOTES = [
    "for DOT 4 fluid",
    "DOT 4 compatible",
    "filled with DOT 5.1 fluid",
    "DOT 3/4 brake fluid",
    "seals for DOT 4",
    "use DOT 4 only",
    "fluid DOT 4 LV",
    "FMVSS 106 not applicable (not a hose)",
    "no DOT marking required, not a hose",
    "double-flared steel tube",
    "",
]
# certification said in other words
CERT_YES_MORE = [
    "FMVSS 106: yes",
    "DOT: yes",
    "DOT: Y",
    "complies with 49 CFR 571.106",
    "49 CFR 571.106 compliant",
    "DOT code stamped on ferrule",
    "FMVSS 106 conformity certificate on file",
    "cert. FMVSS 106 received",
    "FMVSS 106 - OK",
    "DOT-certified",
    "certified (FMVSS 106)",
    "FMVSS 106 approved, marking on hose",
    "DOT approval confirmed",
    "FMVSS 106 cert checked, valid",
]
CERT_NO_MORE = {
    "missing": [
        "FMVSS 106: no",
        "DOT: no",
        "no cert",
        "DOT marking absent",
        "not certified to 49 CFR 571.106",
        "no FMVSS 106 marking on ferrule",
        "DOT marking not found",
        "FMVSS 106 - none",
    ],
    "pending": ["FMVSS 106 cert requested from supplier", "DOT approval applied for"],
    "failed": ["FMVSS 106 whip test failed", "DOT test: failed"],
    "unknown": ["FMVSS 106 status: TBC", "DOT marking not checked"],
}
# other documents that may be pending while the hose is certified
OTHER_PAPERWORK = [
    "PPAP",
    "IMDS entry",
    "ISIR",
    "invoice",
    "packaging spec",
    "drawing update",
    "label artwork",
    "customs documents",
    "first article report",
    "EDI setup",
]
PAPERWORK_PENDING = [
    "{c}; {d} pending",
    "{c}, {d} still pending",
    "{c} but {d} outstanding",
    "{d} to follow, {c}",
    "{c}. {d} awaiting approval",
]
