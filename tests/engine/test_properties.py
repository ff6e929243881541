"""Property tests: more months never cost less; a longer lapse never shortens the wait."""
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_engine import TOPICS, Case, answer, params
from policy_engine.calc.amount import employee_amount
from policy_engine.calc.eligibility import eligibility
from policy_engine.calc.waiting import resident_wait

BEIJING = params.resolve("北京")
NATIONAL = params.resolve()
NANCHANG = params.resolve("南昌")
TODAY = dt.date(2026, 11, 23)


@settings(max_examples=60, deadline=None)
@given(months=st.integers(1, 28), wage=st.one_of(st.none(), st.floats(1, 100_000)))
def test_more_months_never_cost_less(months, wage):
    shorter = employee_amount(BEIJING, "employee", months, TODAY, wage)
    longer = employee_amount(BEIJING, "employee", months + 1, TODAY, wage)
    assert longer.total >= shorter.total
    assert longer.individual_total >= shorter.individual_total


@settings(max_examples=100, deadline=None)
@given(years=st.integers(0, 40), extra=st.integers(0, 10), in_window=st.booleans(),
       chain=st.sampled_from([NATIONAL, NANCHANG]))
def test_a_longer_lapse_never_shortens_the_resident_wait(years, extra, in_window, chain):
    shorter = resident_wait(chain, years, 2026, in_window, extra_years=extra)
    longer = resident_wait(chain, years + 1, 2026, in_window, extra_years=extra)
    assert longer.total >= shorter.total
    assert longer.benefits_from >= shorter.benefits_from


@settings(max_examples=60, deadline=None)
@given(months=st.integers(1, 479), itype=st.sampled_from(["employee", "flexible"]),
       chain=st.sampled_from([BEIJING, NATIONAL]))
def test_a_longer_lapse_never_shortens_the_employee_wait(months, itype, chain):
    def worst(m):
        e = eligibility(chain, TODAY, itype, "personal", m)
        return e.wait_months[1] if e.wait_months else 0
    assert worst(months + 1) >= worst(months) or eligibility(chain, TODAY, itype, "personal",
                                                               months + 1).can_backpay == "no_new_enrolment"


slot_values = st.one_of(st.none(), st.integers(-1000, 100_000), st.floats(allow_nan=True), st.text(max_size=8),
                        st.booleans(), st.dates())


@settings(max_examples=150, deadline=None)
@given(topic=st.sampled_from(TOPICS),
       slots=st.dictionaries(st.sampled_from(Case.field_names()), slot_values, max_size=8))
def test_answer_never_raises_for_any_slots(topic, slots):
    ans = answer(topic, Case.from_slots(slots), today=TODAY)
    assert ans.text


raw_values = st.one_of(st.none(), st.integers(-10**9, 10**9), st.floats(), st.text(max_size=6), st.booleans(),
                       st.dates(), st.decimals(allow_nan=False, places=2))


@settings(max_examples=150, deadline=None)
@given(topic=st.sampled_from(TOPICS),
       fields=st.dictionaries(st.sampled_from(Case.field_names()), raw_values, max_size=8))
def test_answer_never_raises_for_a_case_built_with_wrong_types(topic, fields):
    ans = answer(topic, Case(**fields), today=TODAY)
    assert ans.text
