"""Reference data: jurisdictions, crosswalk against rating-facts.md, programs, rate completeness."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest

from chalicelib.domain.reference import (
    Program,
    RatingInputError,
    ReferenceData,
    ReferenceDataError,
    missing_rates,
)
from chalicelib.reference_data import DATA_DIR, load_reference_data, read_reference_data

ALL_CODES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
}  # fmt: skip
MONOPOLISTIC = {"ND", "OH", "WA", "WY"}
INDEPENDENT_BUREAUS = {
    "CA": ("WCIRB", "ca"),
    "DE": ("DCRB", "pa_de"),
    "IN": ("ICRB", "ncci"),
    "MA": ("WCRIBMA", "ncci"),
    "MI": ("CAOM", "ncci"),
    "MN": ("MWCIA", "ncci"),
    "NJ": ("NJCRIB", "nj"),
    "NY": ("NYCIRB", "ny"),
    "NC": ("NCRB", "ncci"),
    "PA": ("PCRB", "pa_de"),
    "WI": ("WCRB", "ncci"),
}
TWELVE_TRADES = {
    "hvac", "plumbing", "electrical", "appliance_repair", "carpentry", "painting", "janitorial",
    "landscaping", "roofing", "pest_control", "carpet_cleaning", "locksmith",
}  # fmt: skip
OWN_FILES = ("jurisdictions.json", "trades.json", "programs.json", "rates")


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return load_reference_data()


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in OWN_FILES:
        source = DATA_DIR / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def edit_json(path: Path, edit) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


# --- files --------------------------------------------------------------------------------


def test_reference_data_is_loaded_once_per_process() -> None:
    assert load_reference_data() is load_reference_data()


@pytest.mark.parametrize(
    "relative", ["jurisdictions.json", "trades.json", "programs.json", "rates/multistate-wc.json"]
)
def test_every_data_file_carries_effective_date_and_source(relative: str) -> None:
    document = json.loads((DATA_DIR / relative).read_text())
    assert document["effective_date"]
    assert document["source"].strip()


def test_shipped_rate_tables_are_labelled_samples(reference: ReferenceData) -> None:
    for program in reference.programs():
        table = reference.rate_table(program.id)
        assert table.sample is True
        assert "SAMPLE" in table.source


# --- jurisdictions --------------------------------------------------------------------------


def test_fifty_states_and_dc(reference: ReferenceData) -> None:
    codes = [row.code for row in reference.jurisdictions()]
    assert len(codes) == 51
    assert set(codes) == ALL_CODES


def test_monopolistic_states_are_exactly_nd_oh_wa_wy(reference: ReferenceData) -> None:
    assert {row.code for row in reference.jurisdictions() if row.monopolistic} == MONOPOLISTIC


@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_bureau_and_class_system_of_every_jurisdiction(reference: ReferenceData, code: str) -> None:
    row = reference.jurisdiction(code)
    if code in INDEPENDENT_BUREAUS:
        assert (row.bureau, row.class_system) == INDEPENDENT_BUREAUS[code]
    elif code in MONOPOLISTIC:
        assert row.class_system == "state_fund"
        assert row.bureau.startswith(f"{code}-")
    else:
        assert (row.bureau, row.class_system) == ("NCCI", "ncci")
    assert reference.bureau_name(row.bureau)


def test_unknown_state_is_an_input_error(reference: ReferenceData) -> None:
    with pytest.raises(RatingInputError) as error:
        reference.jurisdiction("PR")
    assert error.value.code == "unknown_state"


# --- crosswalk ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trade", "state", "hourly_wage_cents", "class_code"),
    [
        # NCCI states (rating-facts.md crosswalk, NCCI column)
        ("hvac", "TX", None, "5537"),
        ("plumbing", "TX", None, "5183"),
        ("electrical", "GA", None, "5190"),
        ("appliance_repair", "FL", None, "9519"),
        ("carpentry", "TX", None, "5403"),
        ("painting", "CO", None, "5474"),
        ("janitorial", "TX", None, "9014"),
        ("landscaping", "AZ", None, "0042"),
        ("roofing", "FL", None, "5551"),
        ("pest_control", "TX", None, "9014"),
        ("locksmith", "TX", None, "8010"),
        # IN and NC have their own bureaus but NCCI classes
        ("hvac", "IN", None, "5537"),
        ("plumbing", "NC", None, "5183"),
        # California wage splits: electrical 5190/5140 at $36/h
        ("electrical", "CA", 3599, "5190"),
        ("electrical", "CA", 3600, "5140"),
        ("electrical", "CA", None, "5190"),
        # hvac and plumbing 5183/5187 at $31/h
        ("hvac", "CA", 3099, "5183"),
        ("hvac", "CA", 3100, "5187"),
        ("plumbing", "CA", 3100, "5187"),
        ("plumbing", "CA", None, "5183"),
        # carpentry 5403/5432 at $39/h; roofing 5552/5553 at $31/h
        ("carpentry", "CA", 3899, "5403"),
        ("carpentry", "CA", 3900, "5432"),
        ("roofing", "CA", 3099, "5552"),
        ("roofing", "CA", 3100, "5553"),
        ("roofing", "CA", None, "5552"),
        ("appliance_repair", "CA", None, "9519"),
        ("janitorial", "CA", None, "9008"),
        ("landscaping", "CA", None, "0042"),
        ("painting", "CA", None, "5474"),
        # New York
        ("hvac", "NY", None, "5536"),
        ("plumbing", "NY", None, "5183"),
        ("appliance_repair", "NY", None, "9519"),
        ("carpentry", "NY", None, "5403"),
        ("painting", "NY", None, "5474"),
        ("landscaping", "NY", None, "0042"),
        # New Jersey, Pennsylvania / Delaware
        ("appliance_repair", "NJ", None, "9519"),
        ("appliance_repair", "PA", None, "0662"),
        ("appliance_repair", "DE", None, "0662"),
        ("locksmith", "PA", None, "0925"),
        ("carpentry", "PA", None, "0651"),
    ],
)
def test_crosswalk_matches_sourced_values(
    reference: ReferenceData, trade: str, state: str, hourly_wage_cents: int | None, class_code: str
) -> None:
    assigned = reference.wc_class_for(trade, state, hourly_wage_cents)
    assert assigned.class_code == class_code
    assert assigned.verified is True
    assert assigned.bureau == reference.jurisdiction(state).bureau


@pytest.mark.parametrize(
    ("trade", "state"),
    [
        ("carpet_cleaning", "TX"),
        ("electrical", "NY"),
        ("janitorial", "NY"),
        ("roofing", "NY"),
        ("pest_control", "CA"),
        ("locksmith", "CA"),
        ("hvac", "PA"),
        ("plumbing", "NJ"),
    ],
)
def test_unsourced_crosswalk_values_are_flagged_unverified(
    reference: ReferenceData, trade: str, state: str
) -> None:
    assigned = reference.wc_class_for(trade, state)
    assert assigned.verified is False
    assert "unverified" in assigned.source


@pytest.mark.parametrize(
    ("trade", "threshold_cents", "below", "at_or_above"),
    [
        ("hvac", 3100, "5183", "5187"),
        ("plumbing", 3100, "5183", "5187"),
        ("electrical", 3600, "5190", "5140"),
        ("carpentry", 3900, "5403", "5432"),
        ("roofing", 3100, "5552", "5553"),
    ],
)
def test_california_wage_splits(
    reference: ReferenceData, trade: str, threshold_cents: int, below: str, at_or_above: str
) -> None:
    split = reference.wc_class_for(trade, "CA").wage_split
    assert split is not None
    assert (split.threshold_cents, split.below.code, split.at_or_above.code) == (
        threshold_cents,
        below,
        at_or_above,
    )


def test_unknown_wage_takes_the_lower_wage_class_and_says_so(reference: ReferenceData) -> None:
    assigned = reference.wc_class_for("electrical", "CA")
    assert (assigned.class_code, assigned.wage_basis) == ("5190", "unknown_wage_lower_class")
    assert reference.wc_class_for("electrical", "TX").wage_basis == "single_class"


def test_monopolistic_state_has_no_private_wc_class(reference: ReferenceData) -> None:
    with pytest.raises(RatingInputError) as error:
        reference.wc_class_for("plumbing", "WA")
    assert error.value.code == "monopolistic_state"


def test_twelve_trades_each_with_a_gl_class(reference: ReferenceData) -> None:
    assert {trade.code for trade in reference.trades()} == TWELVE_TRADES
    assert reference.gl_class_for("janitorial").code == "96816"
    assert reference.gl_class_for("janitorial").verified is True
    assert reference.gl_class_for("carpentry").code == "91340"
    unverified = {trade.code for trade in reference.trades() if not trade.gl_class.verified}
    assert unverified == TWELVE_TRADES - {"janitorial", "carpentry"}


def test_unknown_trade_is_an_input_error(reference: ReferenceData) -> None:
    with pytest.raises(RatingInputError) as error:
        reference.wc_class_for("welding", "TX")
    assert error.value.code == "unknown_trade"


def test_a_state_override_replaces_the_class_system_mapping(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    override = {"code": "5183", "description": "override", "verified": False, "source": "test"}

    def add_override(document: dict[str, Any]) -> None:
        hvac = next(trade for trade in document["trades"] if trade["code"] == "hvac")
        hvac["wc_state_overrides"] = {"TX": override}

    edit_json(data / "trades.json", add_override)
    reference = read_reference_data(data)
    assert reference.wc_class_for("hvac", "TX").class_code == "5183"
    assert reference.wc_class_for("hvac", "OK").class_code == "5537"


# --- programs -------------------------------------------------------------------------------


def test_programs_in_priority_order_state_specific_first(reference: ReferenceData) -> None:
    assert [program.id for program in reference.programs("wc")] == [
        "california-wc",
        "multistate-wc",
    ]
    assert [program.id for program in reference.programs("gl")] == ["contractors-gl"]


def test_unknown_line_is_an_input_error(reference: ReferenceData) -> None:
    with pytest.raises(RatingInputError) as error:
        reference.programs("auto")
    assert error.value.code == "unknown_line"


def test_program_states(reference: ReferenceData) -> None:
    assert reference.program("california-wc").states == ("CA",)
    assert set(reference.program("multistate-wc").states) == ALL_CODES - MONOPOLISTIC
    assert set(reference.program("contractors-gl").states) == ALL_CODES
    for program in reference.programs():
        assert set(program.trades) == TWELVE_TRADES


def test_program_carriers_and_guidelines(reference: ReferenceData) -> None:
    california = reference.program("california-wc")
    multistate = reference.program("multistate-wc")
    assert california.carrier.name == "Insurance Company of the West"
    assert california.guidelines == "reference/icw-california-wc-underwriting-guidelines.txt"
    assert multistate.carrier.name == "Pie Insurance"
    assert multistate.guidelines == "reference/pie-wc-underwriting-guidelines.txt"
    assert reference.program("contractors-gl").carrier.sample is True
    for program in reference.programs():
        assert program.carrier.naic is None or program.carrier.naic_verified


@pytest.mark.parametrize(
    ("program_id", "code", "pct", "minimum_cents"),
    [
        ("multistate-wc", "waiver_of_subrogation_specific", "0.05", 25000),
        ("multistate-wc", "waiver_of_subrogation_blanket", "0.02", 50000),
        ("california-wc", "waiver_of_subrogation_specific", "0.05", 5000),
        ("california-wc", "waiver_of_subrogation_blanket", "0.03", 5000),
    ],
)
def test_waiver_charges_from_the_guidelines(
    reference: ReferenceData, program_id: str, code: str, pct: str, minimum_cents: int
) -> None:
    terms = reference.program(program_id).endorsement(code)
    assert terms is not None
    assert (terms.pct, terms.minimum_cents, terms.form) == (
        Decimal(pct),
        minimum_cents,
        "WC 00 03 13",
    )


def test_multistate_waivers_unavailable_in_ks_ky_mo_nh_nj(reference: ReferenceData) -> None:
    for code in ("waiver_of_subrogation_specific", "waiver_of_subrogation_blanket"):
        terms = reference.program("multistate-wc").endorsement(code)
        assert terms is not None
        assert set(terms.unavailable_states) == {"KS", "KY", "MO", "NH", "NJ"}


def test_el_increased_limits_factors(reference: ReferenceData) -> None:
    for program in reference.programs("wc"):
        levels = {level.limits: level.factor for level in program.charges.el_increased_limits}
        assert levels == {
            "100/500/100": Decimal("1.000"),
            "500/500/500": Decimal("1.017"),
            "1000/1000/1000": Decimal("1.028"),
        }


def test_per_dispatch_programs_carry_no_per_policy_charges(reference: ReferenceData) -> None:
    per_dispatch = [program for program in reference.programs() if program.per_dispatch]
    assert {program.id for program in per_dispatch} == {"multistate-wc", "contractors-gl"}
    for program in per_dispatch:
        assert program.charges.expense_constant_cents == 0
        assert program.charges.minimum_premium is None
        assert program.term.down_payment is None
        assert program.term.premium_basis == "per_assignment"


def test_california_term_rules(reference: ReferenceData) -> None:
    term = reference.program("california-wc").term
    assert term.max_months == 12
    assert term.premium_basis == "estimated_annual_premium"
    assert term.down_payment is not None
    assert term.down_payment.due_business_days == 5
    assert term.final_audit.physical_min_eap_cents == 1_000_000


def test_a_per_dispatch_program_with_a_minimum_premium_is_rejected(
    reference: ReferenceData,
) -> None:
    document = reference.program("multistate-wc").model_dump(mode="json")
    document["charges"]["expense_constant_cents"] = 16000
    with pytest.raises(pydantic.ValidationError, match="per-dispatch"):
        Program.model_validate(document)


# --- rates ----------------------------------------------------------------------------------


def test_every_routable_state_and_class_has_a_rate(reference: ReferenceData) -> None:
    checked = 0
    for program in reference.programs():
        for state in program.states:
            for trade in program.trades:
                for class_code in reference.class_codes_for(program, trade, state):
                    assert reference.rate_for(program.id, state, class_code) > 0
                    checked += 1
    assert checked > 51 * 12
    assert missing_rates(reference) == []


def test_an_incomplete_rate_table_fails_the_load(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit_json(data / "rates" / "multistate-wc.json", lambda doc: doc["rates"]["TX"].pop("5537"))
    with pytest.raises(ReferenceDataError, match="TX"):
        read_reference_data(data)


def test_a_wc_program_writing_a_monopolistic_state_fails_the_load(tmp_path: Path) -> None:
    data = copy_data(tmp_path)

    def add_ohio(document: dict[str, Any]) -> None:
        document["programs"][1]["states"].append("OH")

    edit_json(data / "programs.json", add_ohio)
    with pytest.raises(ReferenceDataError, match="monopolistic"):
        read_reference_data(data)


def test_public_sample_rates_are_used_where_rating_facts_gives_them(
    reference: ReferenceData,
) -> None:
    assert reference.rate_for("california-wc", "CA", "5190") == Decimal("3.76")
    assert reference.rate_for("california-wc", "CA", "5140") == Decimal("1.45")
    assert reference.rate_for("multistate-wc", "NY", "5183") == Decimal("7.60")
    assert reference.rate_for("multistate-wc", "FL", "5551") == Decimal("20.35")


def test_missing_rate_is_a_data_defect_not_an_input_error(reference: ReferenceData) -> None:
    with pytest.raises(ReferenceDataError):
        reference.rate_for("multistate-wc", "TX", "0000")
