"""Rating formulas, worksheets and one-line rating: hand-computed examples and properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.rating import (
    EndorsementRequest,
    RatedLine,
    RatingInputError,
    UnratedLine,
    el_limits_factor,
    manual_premium_cents,
    parse_el_limits,
    rate_gl,
    rate_line,
    rate_wc,
    round_experience_mod,
)
from chalicelib.domain.reference import Program, ReferenceData
from chalicelib.reference_data import load_reference_data

REFERENCE = load_reference_data()
MULTISTATE = REFERENCE.program("multistate-wc")
CALIFORNIA = REFERENCE.program("california-wc")
GL = REFERENCE.program("contractors-gl")
SPECIFIC = MULTISTATE.endorsement("waiver_of_subrogation_specific")
EL_LEVELS = MULTISTATE.charges.el_increased_limits


def half_up(value: Fraction) -> int:
    """Independent oracle: round a non-negative exact fraction half-up to an integer."""
    return int(value + Fraction(1, 2))


def rated(result: RatedLine | UnratedLine) -> RatedLine:
    assert isinstance(result, RatedLine), result
    return result


# --- hand-computed worksheets ----------------------------------------------------------------


def test_wc_worksheet_with_el_limits_mod_and_specific_waiver() -> None:
    # pay $2,500.00, rate 4.27, EL 500/500/500 (factor 1.017), mod 1.134 -> 1.13
    # manual   = 2,500.00 / 100 x 4.27           = 106.75        -> 10,675 cents
    # EL       = 106.75 x 0.017                   = 1.81475       -> 181 cents
    # modified = (106.75 + 1.81) x 1.13 = 108.56 x 1.13 = 122.6728 -> 12,267 cents
    # waiver   = 122.67 x 5%                      = 6.1335        -> 613 cents
    # total    = 12,267 + 613                                      = 12,880 cents
    assert SPECIFIC is not None
    breakdown = rate_wc(
        MULTISTATE,
        250_000,
        Decimal("4.27"),
        el_limits="500/500/500",
        experience_mod="1.134",
        endorsements=[SPECIFIC],
    )
    assert breakdown.manual_premium_cents == 10_675
    assert breakdown.el_limits_factor == Decimal("1.017")
    assert breakdown.el_increased_limits_charge_cents == 181
    assert breakdown.experience_mod == Decimal("1.13")
    assert breakdown.modified_premium_cents == 12_267
    assert [item.charge_cents for item in breakdown.endorsements] == [613]
    assert breakdown.total_cents == 12_880
    # the program's $250 specific-waiver minimum is booked once, apart from the job's premium
    assert [(c.code, c.amount_cents) for c in breakdown.term_charges] == [
        ("waiver_of_subrogation_specific_minimum", 25_000)
    ]
    assert breakdown.policy_charges == ()
    assert [step.amount_cents for step in breakdown.steps] == [10_675, 181, 12_267, 613, 12_880]


def test_wc_worksheet_at_standard_limits_and_unit_mod_is_pay_times_rate() -> None:
    # pay $1,000.00 x 1.10 / 100 = $11.00; factor 1.000 adds 0; mod 1.00 keeps it
    breakdown = rate_wc(MULTISTATE, 100_000, Decimal("1.10"))
    assert breakdown.el_limits == "100/500/100"
    assert breakdown.el_increased_limits_charge_cents == 0
    assert breakdown.modified_premium_cents == breakdown.total_cents == 1_100


def test_wc_worksheet_with_thousand_limits_and_credit_mod() -> None:
    # pay $4,000.00, rate 2.60: manual 104.00; EL 1000/1000/1000: 104.00 x 0.028 = 2.912 -> 2.91
    # modified = (104.00 + 2.91) x 0.85 = 90.8735 -> 90.87
    breakdown = rate_wc(
        MULTISTATE, 400_000, Decimal("2.60"), el_limits="1000/1000/1000", experience_mod="0.85"
    )
    assert breakdown.manual_premium_cents == 10_400
    assert breakdown.el_increased_limits_charge_cents == 291
    assert breakdown.modified_premium_cents == 9_087


def test_gl_worksheet_has_no_mod_and_no_el() -> None:
    # pay $800.00 x 0.35 / 100 = $2.80; specific waiver (CG 24 04) 3% of 2.80 = 0.084 -> 0.08
    terms = GL.endorsement("waiver_of_subrogation_specific")
    assert terms is not None
    breakdown = rate_gl(GL, 80_000, Decimal("0.35"), endorsements=[terms])
    assert breakdown.manual_premium_cents == breakdown.modified_premium_cents == 280
    assert breakdown.experience_mod is None
    assert breakdown.el_limits_factor is None
    assert breakdown.endorsements[0].form == "CG 24 04"
    assert breakdown.total_cents == 288
    assert breakdown.term_charges == ()


def test_manual_premium_rounds_half_up_not_to_even() -> None:
    # 250 cents x 1.00 / 100 = 2.5 cents -> 3 (banker's rounding would give 2)
    assert manual_premium_cents(250, Decimal("1.00")) == 3
    assert manual_premium_cents(249, Decimal("1.00")) == 2


def test_breakdown_json_shape_for_the_api() -> None:
    breakdown = rate_wc(MULTISTATE, 250_000, Decimal("4.27"), el_limits="500/500/500")
    document = breakdown.model_dump(mode="json")
    assert set(document) == {
        "line",
        "basis_cents",
        "rate_per_100",
        "manual_premium_cents",
        "el_limits",
        "el_limits_rated_as",
        "el_limits_factor",
        "el_increased_limits_charge_cents",
        "experience_mod",
        "modified_premium_cents",
        "endorsements",
        "total_cents",
        "term_charges",
        "policy_charges",
        "steps",
    }
    assert document["rate_per_100"] == "4.27"
    assert document["el_limits_factor"] == "1.017"
    assert document["experience_mod"] == "1.00"
    assert set(document["steps"][0]) == {"name", "formula", "amount_cents"}
    assert document["steps"][0]["formula"] == "pay $2,500.00 / 100 x rate 4.27"


# --- EL limits and experience mod -----------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "rated_as", "factor", "tabulated", "above_highest"),
    [
        ("100/500/100", "100/500/100", "1.000", True, False),
        ("500/500/500", "500/500/500", "1.017", True, False),
        ("1000/1000/1000", "1000/1000/1000", "1.028", True, False),
        ("250/500/250", "500/500/500", "1.017", False, False),
        ("100/1000/100", "1000/1000/1000", "1.028", False, False),
        ("50/100/50", "100/500/100", "1.000", False, False),
        ("2000/2000/2000", "1000/1000/1000", "1.028", False, True),
        ("500/500/2000", "1000/1000/1000", "1.028", False, True),
    ],
)
def test_el_limits_factor_uses_the_smallest_covering_level(
    limits: str, rated_as: str, factor: str, tabulated: bool, above_highest: bool
) -> None:
    rating = el_limits_factor(EL_LEVELS, limits)
    assert (rating.rated_as, rating.factor, rating.tabulated, rating.above_highest) == (
        rated_as,
        Decimal(factor),
        tabulated,
        above_highest,
    )


@pytest.mark.parametrize(
    "limits",
    [
        "",
        "100/500",
        "100/500/100/100",
        "a/b/c",
        "0/500/100",
        "-100/500/100",
        " 100/500/100",
        "1e3/1/1",
    ],
)
def test_invalid_el_limits_are_an_input_error(limits: str) -> None:
    with pytest.raises(RatingInputError) as error:
        parse_el_limits(limits)
    assert error.value.code == "invalid_el_limits"
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("mod", "expected"), [("1.134", "1.13"), ("1.135", "1.14"), ("0.4", "0.40"), ("1", "1.00")]
)
def test_experience_mod_rounds_half_up_to_two_decimals(mod: str, expected: str) -> None:
    assert round_experience_mod(mod) == Decimal(expected)
    assert str(round_experience_mod(mod)) == expected


@pytest.mark.parametrize("mod", ["abc", "NaN", "Infinity", "-1", "0", "0.004"])
def test_invalid_experience_mod_is_an_input_error(mod: str) -> None:
    with pytest.raises(RatingInputError) as error:
        round_experience_mod(mod)
    assert error.value.code == "invalid_experience_mod"


def test_experience_mod_as_text_or_decimal_rates_alike_and_bad_text_fails_every_time() -> None:
    for _ in range(2):  # the second call meets whatever the first one remembered
        assert round_experience_mod("1.135") == round_experience_mod(Decimal("1.135"))
        assert str(round_experience_mod(" 1.135 ")) == "1.14"
        with pytest.raises(RatingInputError):
            round_experience_mod("1.1x")


def program_with(program: Program, **charges: Any) -> Program:
    """The program with other charges: same id and codes, a distinct object with its own figures."""
    data = program.model_dump()
    data["charges"].update(charges)
    return Program.model_validate(data)


def test_remembered_figures_belong_to_their_program_not_to_a_lookalike() -> None:
    assert SPECIFIC is not None
    levels = [
        dict(level, factor=level["factor"] * 2)
        for level in MULTISTATE.model_dump()["charges"]["el_increased_limits"]
    ]
    levels[0]["factor"] = Decimal(1)
    terms = dict(SPECIFIC.model_dump(), pct=Decimal("0.07"), minimum_cents=30_000)
    lookalike = program_with(MULTISTATE, el_increased_limits=levels, endorsements=[terms])
    lookalike_terms = lookalike.endorsement("waiver_of_subrogation_specific")
    assert lookalike_terms is not None
    options: dict[str, Any] = {"el_limits": "500/500/500", "experience_mod": "1.00"}
    for _ in range(2):
        ours = rate_wc(MULTISTATE, 100_000, Decimal("1.00"), endorsements=[SPECIFIC], **options)
        theirs = rate_wc(
            lookalike, 100_000, Decimal("1.00"), endorsements=[lookalike_terms], **options
        )
        assert (ours.el_limits_factor, theirs.el_limits_factor) == (
            Decimal("1.017"),
            Decimal("2.034"),
        )
        assert [item.basis for item in ours.endorsements] == ["5% of modified premium"]
        assert [item.basis for item in theirs.endorsements] == ["7% of modified premium"]
        assert [c.amount_cents for c in ours.term_charges] == [25_000]
        assert [c.amount_cents for c in theirs.term_charges] == [30_000]


def test_program_lookups_answer_from_its_fields() -> None:
    assert SPECIFIC is not None
    assert MULTISTATE.endorsement("waiver_of_subrogation_specific") is SPECIFIC
    assert MULTISTATE.endorsement("additional_insured") is None
    assert MULTISTATE.writes_state("TX") and not MULTISTATE.writes_state("OH")
    assert MULTISTATE.writes_trade("plumbing") and not MULTISTATE.writes_trade("dentistry")
    first, second = (dict(SPECIFIC.model_dump(), pct=Decimal(pct)) for pct in ("0.01", "0.02"))
    twice = program_with(MULTISTATE, endorsements=[first, second])
    listed_first = twice.endorsement("waiver_of_subrogation_specific")
    assert listed_first is not None and listed_first.pct == Decimal("0.01")
    assert twice == program_with(MULTISTATE, endorsements=[first, second])


def test_negative_pay_is_an_input_error() -> None:
    with pytest.raises(RatingInputError) as error:
        rate_wc(MULTISTATE, -1, Decimal("1.00"))
    assert error.value.code == "invalid_pay"


# --- one line -------------------------------------------------------------------------------


def test_california_wage_split_picks_class_and_rate_by_hourly_wage() -> None:
    # $10,000.00 of pay: at $36.00/h class 5140 at 1.45 -> $145.00; unknown wage 5190 at 3.76
    high_wage = rated(
        rate_line(
            REFERENCE, "california-wc", "electrical", "CA", 1_000_000, hourly_wage_cents=3_600
        )
    )
    unknown_wage = rated(rate_line(REFERENCE, "california-wc", "electrical", "CA", 1_000_000))
    assert (high_wage.class_code, high_wage.rate_per_100) == ("5140", Decimal("1.45"))
    assert high_wage.premium.manual_premium_cents == 14_500
    assert (unknown_wage.class_code, unknown_wage.rate_per_100) == ("5190", Decimal("3.76"))
    assert unknown_wage.premium.manual_premium_cents == 37_600
    assert unknown_wage.bureau == "WCIRB"
    assert unknown_wage.carrier.name == "Insurance Company of the West"


def test_annual_program_tops_a_small_premium_up_to_the_minimum() -> None:
    # roofing CA unknown wage -> 5552 at 19.80; pay $1,000.00 -> manual $198.00
    # minimum = min($1,500 cap, 19.80 x 315 = $6,237.00 + $0 expense constant) = $1,500.00
    # top-up  = 1,500.00 - 198.00 = $1,302.00, a policy charge apart from the line's total
    line = rated(rate_line(REFERENCE, "california-wc", "roofing", "CA", 100_000))
    assert line.premium.total_cents == 19_800
    assert [(c.code, c.amount_cents) for c in line.premium.policy_charges] == [
        ("minimum_premium", 130_200)
    ]


def test_per_dispatch_program_never_adds_policy_charges() -> None:
    line = rated(rate_line(REFERENCE, "multistate-wc", "roofing", "TX", 100))
    assert line.premium.policy_charges == ()
    assert line.premium.total_cents == manual_premium_cents(100, line.rate_per_100)


def test_routing_uses_the_work_states_class_nj_then_pa() -> None:
    new_jersey = rated(rate_line(REFERENCE, "multistate-wc", "appliance_repair", "NJ", 50_000))
    pennsylvania = rated(rate_line(REFERENCE, "multistate-wc", "appliance_repair", "PA", 50_000))
    assert (new_jersey.class_code, new_jersey.bureau) == ("9519", "NJCRIB")
    assert (pennsylvania.class_code, pennsylvania.bureau) == ("0662", "PCRB")


def test_monopolistic_state_is_a_distinct_outcome_for_wc_and_gl_is_still_rated() -> None:
    wc = rate_line(REFERENCE, "multistate-wc", "plumbing", "OH", 50_000)
    assert isinstance(wc, UnratedLine)
    assert wc.reason.code == "monopolistic_state"
    assert wc.reason.guideline
    gl = rated(rate_line(REFERENCE, "contractors-gl", "plumbing", "OH", 50_000))
    assert gl.class_code == "98483"
    assert gl.bureau == "ISO"


def test_state_a_program_does_not_write() -> None:
    line = rate_line(REFERENCE, "california-wc", "plumbing", "TX", 50_000)
    assert isinstance(line, UnratedLine)
    assert line.reason.code == "state_not_written"


def test_waiver_not_available_in_new_jersey_still_rates_the_line() -> None:
    line = rated(
        rate_line(
            REFERENCE,
            "multistate-wc",
            "plumbing",
            "NJ",
            50_000,
            endorsements=["waiver_of_subrogation_specific"],
        )
    )
    assert line.premium.endorsements == ()
    assert line.premium.term_charges == ()
    assert line.premium.total_cents == line.premium.modified_premium_cents
    assert [reason.code for reason in line.reasons] == ["waiver_not_available"]
    assert line.reasons[0].guideline == "reference/pie-wc-underwriting-guidelines.txt § Waivers"


def test_waiver_minimum_is_booked_once_per_customer_per_term() -> None:
    first = rated(
        rate_line(
            REFERENCE,
            "multistate-wc",
            "plumbing",
            "TX",
            50_000,
            endorsements=["waiver_of_subrogation_specific"],
        )
    )
    again = rated(
        rate_line(
            REFERENCE,
            "multistate-wc",
            "plumbing",
            "TX",
            50_000,
            endorsements=[
                EndorsementRequest(
                    code="waiver_of_subrogation_specific", minimum_already_booked=True
                )
            ],
        )
    )
    assert [c.amount_cents for c in first.premium.term_charges] == [25_000]
    assert again.premium.term_charges == ()
    assert again.premium.endorsements == first.premium.endorsements


def test_wc_never_carries_an_additional_insured() -> None:
    line = rated(
        rate_line(
            REFERENCE,
            "multistate-wc",
            "plumbing",
            "TX",
            50_000,
            endorsements=["additional_insured"],
        )
    )
    assert line.premium.endorsements == ()
    assert [reason.code for reason in line.reasons] == ["endorsement_not_available"]


@pytest.mark.parametrize(
    ("program", "trade", "state", "kwargs", "code"),
    [
        ("multistate-wc", "welding", "TX", {}, "unknown_trade"),
        ("multistate-wc", "plumbing", "XX", {}, "unknown_state"),
        ("auto-program", "plumbing", "TX", {}, "unknown_program"),
        ("multistate-wc", "plumbing", "TX", {"el_limits": "1M/1M/1M"}, "invalid_el_limits"),
        ("multistate-wc", "plumbing", "TX", {"experience_mod": "-0.5"}, "invalid_experience_mod"),
        ("multistate-wc", "plumbing", "TX", {"endorsements": ["umbrella"]}, "unknown_endorsement"),
        ("multistate-wc", "plumbing", "TX", {"hourly_wage_cents": -1}, "invalid_hourly_wage"),
    ],
)
def test_bad_input_raises_rating_input_error_with_a_code(
    program: str, trade: str, state: str, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(RatingInputError) as error:
        rate_line(REFERENCE, program, trade, state, 50_000, **kwargs)
    assert error.value.code == code


def test_reference_fixture_is_the_cached_one() -> None:
    assert isinstance(REFERENCE, ReferenceData)
    assert load_reference_data() is REFERENCE


# --- properties -----------------------------------------------------------------------------

pays = st.integers(min_value=0, max_value=10**10)
rates = st.decimals(min_value="0.01", max_value="60", places=2)
mods = st.decimals(min_value="0.40", max_value="2.50", places=2)
limits = st.sampled_from(["100/500/100", "500/500/500", "1000/1000/1000", "250/500/250"])


def worksheet(pay: int, rate: Decimal, mod: Decimal, el: str) -> int:
    assert SPECIFIC is not None
    breakdown = rate_wc(
        MULTISTATE, pay, rate, el_limits=el, experience_mod=mod, endorsements=[SPECIFIC]
    )
    return breakdown.total_cents


@given(pays, rates, mods, limits)
def test_premium_is_never_negative_and_exact_integer_cents(
    pay: int, rate: Decimal, mod: Decimal, el: str
) -> None:
    assert SPECIFIC is not None
    b = rate_wc(MULTISTATE, pay, rate, el_limits=el, experience_mod=mod, endorsements=[SPECIFIC])
    factor = Fraction(el_limits_factor(EL_LEVELS, el).factor)
    manual = half_up(Fraction(pay) * Fraction(rate) / 100)
    el_charge = half_up(manual * (factor - 1))
    modified = half_up((manual + el_charge) * Fraction(mod))
    waiver = half_up(modified * Fraction(5, 100))
    assert (b.manual_premium_cents, b.el_increased_limits_charge_cents) == (manual, el_charge)
    assert (b.modified_premium_cents, b.total_cents) == (modified, modified + waiver)
    amounts = [b.total_cents, *(step.amount_cents for step in b.steps)]
    assert all(type(amount) is int and amount >= 0 for amount in amounts)


@given(pays, pays, rates, mods, limits)
def test_premium_is_monotonic_in_pay(
    pay_a: int, pay_b: int, rate: Decimal, mod: Decimal, el: str
) -> None:
    low, high = sorted((pay_a, pay_b))
    assert worksheet(low, rate, mod, el) <= worksheet(high, rate, mod, el)


@given(pays, rates, mods, mods, limits)
def test_premium_is_monotonic_in_experience_mod(
    pay: int, rate: Decimal, mod_a: Decimal, mod_b: Decimal, el: str
) -> None:
    low, high = sorted((mod_a, mod_b))
    assert worksheet(pay, rate, low, el) <= worksheet(pay, rate, high, el)


@given(pays, rates)
def test_higher_el_limits_never_cost_less(pay: int, rate: Decimal) -> None:
    totals = [
        worksheet(pay, rate, Decimal("1.00"), el)
        for el in ("100/500/100", "500/500/500", "1000/1000/1000")
    ]
    assert totals == sorted(totals)


@given(pays, st.sampled_from(sorted(t.code for t in REFERENCE.trades())))
def test_gl_total_is_manual_plus_endorsements(pay: int, trade: str) -> None:
    line = rated(
        rate_line(
            REFERENCE,
            "contractors-gl",
            trade,
            "TX",
            pay,
            endorsements=["waiver_of_subrogation_blanket", "additional_insured"],
        )
    )
    premium = line.premium
    assert premium.total_cents == premium.manual_premium_cents + sum(
        item.charge_cents for item in premium.endorsements
    )
    assert premium.total_cents >= premium.manual_premium_cents >= 0
