"""The policy data files pass the schema check, and the check catches broken data."""
import datetime as dt

from policy_engine import schema
from policy_engine.params import facts, resolve


def _param(**overrides):
    raw = {"description": "测试", "unit": "rate", "fact": "N9", "status": "V",
           "reference": [{"title": "《社会保险法》"}], "values": {dt.date(2020, 1, 1): 0.1}}
    raw.update(overrides)
    return raw


def test_shipped_data_is_valid():
    assert schema.check_all() == []


def test_valid_parameter_has_no_problem():
    assert schema.check_parameter("p", _param(), {"N9"}) == []


def test_missing_source_is_caught():
    assert any("missing reference" in p for p in schema.check_parameter("p", _param(reference=[]), {"N9"}))
    assert any("source" in p for p in schema.check_parameter("p", _param(reference=[{"href": "x"}]), {"N9"}))


def test_unknown_status_is_caught():
    assert any("unknown status" in p for p in schema.check_parameter("p", _param(status="X"), {"N9"}))


def test_rate_outside_0_1_is_caught():
    problems = schema.check_parameter("p", _param(values={dt.date(2020, 1, 1): 9.8}), {"N9"})
    assert any("outside 0-1" in p for p in problems)


def test_overlapping_date_ranges_are_caught():
    values = {dt.date(2020, 1, 1): {"value": 0.1, "until": dt.date(2020, 12, 31)},
              dt.date(2020, 7, 1): 0.2}
    assert any("overlap" in p for p in schema.check_parameter("p", _param(values=values), {"N9"}))


def test_gap_between_date_ranges_is_caught():
    values = {dt.date(2020, 1, 1): {"value": 0.1, "until": dt.date(2020, 6, 30)},
              dt.date(2021, 1, 1): 0.2}
    assert any("gap" in p for p in schema.check_parameter("p", _param(values=values), {"N9"}))


def test_every_fact_of_policy_facts_is_registered_with_its_status():
    registry = facts()
    # POLICY_FACTS as corrected 2026-11-23 (B5, N2a, N8 now V; N14 new); A1 is the engine's own
    # labelled assumption about unknown windows. Regional files add their own ids.
    expected = {"N1": "V", "N2": "V", "N2a": "V", "N3": "V", "N4": "V", "N5": "V", "N6": "V", "N7": "V",
                "N8": "V", "N9": "V", "N10": "?", "N11": "S", "N12": "S", "N13": "S", "N14": "V",
                "B1": "S", "B2": "S", "B3": "S", "B4": "?", "B5": "V", "B6": "?", "B7": "S",
                "J1": "S", "J2": "S", "J3": "S", "J4": "V", "J5": "?", "J6": "?", "J7": "?", "A1": "?"}
    assert {k: v.status for k, v in registry.items() if k in expected} == expected


def test_lookups_fall_back_city_province_national():
    chain = resolve("南昌")
    assert [r.name for r in chain.regions] == ["南昌", "江西", "全国"]
    assert chain.get("resident_critical_cap", dt.date(2026, 1, 1)).level == "city"
    assert chain.get("incentive_continuous_step", dt.date(2026, 1, 1)).value == 3000
    assert chain.get("late_fee_daily_rate", dt.date(2026, 1, 1)).level == "national"
    assert [r.name for r in resolve("赣州").regions] == ["江西", "全国"]
    assert [r.name for r in resolve("某地").regions] == ["全国"]  # a place without any data file


def test_lookups_are_as_of_a_date():
    chain = resolve("北京")
    assert chain.get("employee_base_min", dt.date(2025, 6, 30)).value == 6821
    assert chain.get("employee_base_min", dt.date(2025, 7, 1)).value == 7162
    assert chain.get("employee_base_min", dt.date(2027, 7, 1)) is None  # not published: never extended


def test_per_value_status_overrides_the_parameter_status():
    chain = resolve("南昌")
    assert chain.get("resident_premium_min", dt.date(2025, 1, 1)).fact == "J2"
    assert chain.get("resident_premium_min", dt.date(2026, 1, 1)).fact == "J1"
    beijing = resolve("北京")  # B5 corrected: 2025年度 430 / 405 / 750, V
    assert beijing.get("resident_premium_working", dt.date(2025, 1, 1)).value == 750
    assert beijing.get("resident_premium_working", dt.date(2025, 1, 1)).status == "V"
