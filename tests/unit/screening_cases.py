"""The screening case table: for every hazard of every catalogue, a plain-text case (a listed
term), a paraphrase (no listed term in it), a negated sentence and a look-alike. The answer case
of each hazard is in test_application.py (`..._fires_its_rule_when_answered`).
"""

from __future__ import annotations

from typing import NamedTuple


class Cases(NamedTuple):
    plain: str
    paraphrase: str
    negated: str
    look_alike: str


CASES: dict[str, Cases] = {
    "explosives_hazmat": Cases(
        "retail fireworks stand maintenance",
        "we haul munitions for the base",
        "no explosives or firearms on site",
        "re-caulking windows with a caulking gun",
    ),
    "oil_gas_mining": Cases(
        "electrical support on an oil rig",
        "we support drilling crews on oil pads",
        "no oil and gas work",
        "HVAC for a data mining server room",
    ),
    "toxic_chemical_manufacturing": Cases(
        "HVAC at our chemical manufacturing line",
        "we produce industrial solvents",
        "we do not do chemical manufacturing",
        "we only use non-toxic chemicals",
    ),
    "peo": Cases(
        "we are a professional employer organization",
        "we handle outsourced HR and payroll for small businesses",
        "we are not a PEO",
        "we use a PEO for our payroll",
    ),
    "staffing": Cases(
        "staffing agency placing HVAC techs",
        "we supply laborers to general contractors",
        "we are not a staffing agency",
        "we provide workers' compensation certificates to every client",
    ),
    "check_cashing": Cases(
        "we are a check casher",
        "we cash payroll checks for customers",
        "no payday loans or check cashing",
        "we accept cash or personal checks",
    ),
    "pawn_shop": Cases(
        "we are a pawnbroker",
        "we own and run a pawn shop",
        "we are not a pawnbroker",
        "rekeying locks for a pawn shop downtown",
    ),
    "aircraft": Cases(
        "we operate a helicopter for roof surveys",
        "we fly charter jets on weekends",
        "we never use aircraft",
        "HVAC for an aircraft hangar",
    ),
    "watercraft": Cases(
        "we lease a boat to reach job sites",
        "we operate a pontoon to reach island cabins",
        "no boats or watercraft",
        "install vessel sinks in the master bath",
    ),
    "public_entity": Cases(
        "the applicant is a government agency",
        "we are a municipal utilities department",
        "we are not a public entity",
        "HVAC service for school district offices",
    ),
    "asbestos": Cases(
        "pipe insulation containing asbestos",
        "encapsulating ACM pipe insulation",
        "we never disturb asbestos",
        "certified asbestos-free insulation",
    ),
    "blasting": Cases(
        "rock blasting for foundations",
        "we set charges to break rock",
        "no blasting",
        "media blasting old paint off a fence",
    ),
    "bridge_work": Cases(
        "painting on bridge construction",
        "painting two highway bridges",
        "no bridge work",
        "HVAC for a dental bridge repair lab",
    ),
    "chemicals_petroleum": Cases(
        "maintenance at a petroleum refinery",
        "we haul diesel to job sites",
        "no petroleum products",
        "petroleum jelly on the door seals",
    ),
    "demolition": Cases(
        "demolition of garages",
        "we tear down old sheds",
        "no demolition",
        "we gave a product demo to the dispatcher",
    ),
    "dock_sea_walls": Cases(
        "seawall repair",
        "we rebuild jetties on the bay",
        "no docks or sea walls",
        "fixed the loading dock door",
    ),
    "utility_mains": Cases(
        "water main repairs",
        "connecting service lines into the municipal mains",
        "no work on water mains",
        "replaced the gas main shutoff valve at the meter",
    ),
    "high_voltage": Cases(
        "high voltage switchgear",
        "we string overhead conductors for the utility",
        "no high voltage work",
        "HVAC at the police substation",
    ),
    "road_work": Cases(
        "road construction crews",
        "we patch potholes for the township",
        "no road work",
        "mounted a ROAD WORK AHEAD sign bracket on our truck",
    ),
    "lead_mold_abatement": Cases(
        "mold remediation after floods",
        "strips lead paint from old windows",
        "no lead abatement or mold remediation",
        "we strip lead-free paint from cabinets",
    ),
    "structural_steel": Cases(
        "structural steel erection",
        "we set steel beams for commercial buildings",
        "no structural steel",
        "non-structural steel studs for drywall",
    ),
    "tree_work": Cases(
        "tree removal and stump grinding",
        "removes dead trees and grinds stumps",
        "no tree work",
        "remove the Christmas tree stand outlet cover",
    ),
    "tunneling": Cases(
        "tunneling for conduits",
        "jack and bore crossings under the road",
        "no tunneling",
        "the tech has carpal tunnel",
    ),
    "underground_tank_pipe": Cases(
        "underground storage tank removal",
        "we dig up buried oil tanks",
        "no underground tank or pipe replacement",
        "we call 811 to locate underground piping before we dig",
    ),
    "uslh_exposure": Cases(
        "ship repair at the shipyard",
        "we unload freighters at the port",
        "no longshore or harbor work",
        "furnace swap on Longshore Drive",
    ),
    "welding": Cases(
        "welding of duct supports",
        "MIG work on steel railings",
        "no welding or hot work",
        "lay welded wire mesh in the slab",
    ),
    "wrecking": Cases(
        "wrecking crew for old barns",
        "we raze old barns",
        "no wrecking",
        "a nerve-wrecking crawlspace job",
    ),
    "nuclear": Cases(
        "HVAC at a nuclear plant",
        "maintenance at an atomic power station",
        "no nuclear work",
        "install a line reactor on the VFD",
    ),
    "cannabis": Cases(
        "grow lights for a cannabis farm",
        "electrical for a pot farm",
        "no cannabis facilities",
        "we run a marijuana-free workplace",
    ),
    "structural_framing": Cases(
        "rough framing of new houses",
        "we frame new houses",
        "no rough framing",
        "HVAC for the picture framer next door",
    ),
    "holiday_decorations": Cases(
        "christmas lights on storefronts",
        "we hang seasonal lighting on storefronts",
        "no holiday lighting",
        "install a GFCI outlet for holiday lights",
    ),
    "medical_transportation": Cases(
        "ambulance fleet HVAC",
        "we drive dialysis patients to appointments",
        "no medical transportation",
        "HVAC for the hospital's ambulance bay",
    ),
    "freight": Cases(
        "freight brokering on the side",
        "we broker truckloads for shippers",
        "no freight brokering",
        "parts arrive through our freight forwarder",
    ),
    "paper_contractor": Cases(
        "paper contractor, all work subcontracted",
        "all field work is subcontracted out",
        "not all work is subcontracted",
        "HVAC for the toilet paper contractor on Main St",
    ),
    "firefighters_police": Cases(
        "volunteer firefighter crew",
        "we fight wildfires in summer",
        "no firefighters or police officers",
        "inspect firefighting equipment in the lobby",
    ),
    "railroad": Cases(
        "railroad signal huts",
        "we repair subway track signals",
        "no railroad work",
        "garden edging with railroad ties",
    ),
    "amusement": Cases(
        "amusement ride maintenance",
        "we assemble bounce houses for parties",
        "no carnivals or circuses",
        "lighting for museum exhibition galleries",
    ),
    "hot_roofing": Cases(
        "torch-down roofing on flat roofs",
        "we torch on modified bitumen",
        "no hot tar or torch-down roofing",
        "install a hot mop shower pan",
    ),
    "fumigation": Cases(
        "termite tent fumigation",
        "we tent houses for termites",
        "no fumigation",
        "event tenting for weddings",
    ),
    "residential_new_construction": Cases(
        "tract home plumbing rough-in",
        "we build new homes in subdivisions",
        "no new home construction",
        "tract home remodel",
    ),
    "solar": Cases(
        "solar panel installation",
        "we mount PV modules on roofs",
        "no solar installation",
        "solar panel cleaning",
    ),
}
