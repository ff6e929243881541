"""The regional data files pass the one data checker (policy_engine/schema.py), and the checker
catches broken data: a data file without source or status, a fact id declared nowhere or twice,
overlapping 年度 / entries, a value whose 年度 is not explicit (no `until`, or a resident entry that
is not exactly one calendar 年度), a rate outside 0-1, a premium / base / amount that is not a
positive number, a region in regions.yaml whose file is missing (or a file nobody lists).
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

from policy_engine import params, schema

FOLDER = schema.DataFolder()
REGIONAL = sorted((r, p) for r, p in FOLDER.listed().items() if schema.is_regional(p))


def test_index_is_complete():
    assert schema.check_index(FOLDER) == []


def test_fact_ids_are_unique():
    _, dupes = schema.fact_ids(FOLDER)
    assert not dupes


@pytest.mark.parametrize("region,path", REGIONAL)
def test_region_file(region, path):
    ids, _ = schema.fact_ids(FOLDER)
    problems = schema.check_data_file(region, path, FOLDER, ids)
    assert not problems, "\n".join(problems)


# --- the checker catches what it must -------------------------------------------------------------

GOOD = {
    "description": "d", "unit": "premium_table", "fact": "X-R1", "status": "V",
    "reference": [{"title": "t", "href": "example.org/a"}],
    "values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [{"amount": 400}]}},
}


def _with(**changes):
    raw = dict(GOOD, **changes)
    return schema.check_parameter("resident_premium", raw, {"X-R1"}, regional=True)


def test_checker_accepts_the_good_example():
    assert _with() == []


@pytest.mark.parametrize("changes,expected", [
    ({"reference": []}, "missing"),
    ({"reference": [{"title": "t"}]}, "missing source"),
    ({"status": "maybe"}, "unknown status"),
    ({"fact": "NOPE"}, "declared nowhere"),
    ({"values": {dt.date(2026, 1, 1): [{"amount": 400}]}}, "年度 not explicit"),
    ({"values": {dt.date(2026, 1, 1): {"value": [{"amount": 400}]}}}, "年度 not explicit"),
    ({"values": {dt.date(2026, 1, 1): {"until": dt.date(2027, 6, 30), "value": [{"amount": 400}]}}}, "one 年度"),
    ({"values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [{"amount": -5}]}}}, "positive"),
    ({"values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [{"amount": "400元"}]}}}, "positive"),
    ({"values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31),
                                       "value": [{"monthly": 40.0, "rate": 0.006, "base": 6760}]}}}, "base x rate"),
    ({"values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [{"amount": 400, "tier": "low"}]}}},
     "tier_name"),
])
def test_checker_rejects(changes, expected):
    problems = _with(**changes)
    assert any(expected in p for p in problems), problems


def test_checker_rejects_overlapping_years_and_bad_rates():
    raw = {"description": "d", "unit": "rate", "fact": "X-E1", "status": "S",
           "reference": [{"title": "t", "href": "example.org"}],
           "values": {dt.date(2025, 1, 1): {"value": 0.02, "until": dt.date(2025, 12, 31)},
                      dt.date(2025, 7, 1): {"value": 2, "until": dt.date(2026, 6, 30)}}}
    problems = schema.check_parameter("employer_rate", raw, {"X-E1"}, regional=True)
    assert any("overlaps" in p for p in problems) and any("outside 0-1" in p for p in problems), problems


def test_checker_rejects_a_file_without_facts_or_sources():
    problems = schema.check_region_file({"region": "X", "kind": "city", "parameters": {"resident_premium": GOOD}},
                                        {"X-R1"}, regional=True)
    assert "file declares no facts" in problems
    facts = {"X-R1": {"region": "X", "summary": "s", "status": "V", "reference": []}}
    problems = schema.check_region_file({"region": "X", "kind": "city", "facts": facts,
                                         "parameters": {"resident_premium": GOOD}}, {"X-R1"}, regional=True)
    assert any("missing source" in p for p in problems)


def test_checker_rejects_overlapping_window_periods():
    value = {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 12, 31), "periods": [
        {"start": dt.date(2025, 10, 1), "end": dt.date(2026, 1, 31), "covered_from": "year_start"},
        {"start": dt.date(2026, 1, 1), "covered_from": "after_wait", "wait_months": 3}]}
    assert any("overlaps" in p for p in schema.check_window("w", value))


# --- the whole folder, as `python -m policy_engine.schema` (make validate) checks it ----------------

@pytest.fixture
def data(tmp_path):
    """A copy of the shipped data folder to break."""
    root = tmp_path / "data"
    shutil.copytree(params.DATA_DIR, root)
    return root


def _edit(root, name, change):
    path = root / name
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_copy_is_clean(data):
    assert schema.check_all(data) == []


def test_folder_check_reports_a_missing_and_an_unlisted_file(data):
    (data / "cities" / "chengdu.yaml").unlink()
    shutil.copy(data / "cities" / "wuhan.yaml", data / "cities" / "nobody.yaml")
    problems = schema.check_all(data)
    assert "cities/chengdu.yaml: missing file" in problems
    assert "regions.yaml: cities/nobody.yaml is not listed" in problems


def test_folder_check_covers_regional_files(data):
    def drop_until(raw):
        for item in raw["parameters"]["resident_premium"]["values"].values():
            item.pop("until", None)
        raw["facts"]["AH-R2"]["reference"] = [{"title": "no address"}]
    _edit(data, "provinces/anhui.yaml", drop_until)
    problems = schema.check_all(data)
    assert any(p.startswith("provinces/anhui.yaml: parameter resident_premium") and "年度 not explicit" in p
               for p in problems), problems
    assert any(p.startswith("provinces/anhui.yaml: fact AH-R2") and "missing source" in p for p in problems)


def test_folder_check_reports_a_fact_declared_twice_and_index_mismatches(data):
    def steal(raw):
        raw["facts"]["AH-R1"] = raw["facts"].pop("CD-R1")
        raw["province"] = "湖北"
    _edit(data, "cities/chengdu.yaml", steal)
    _edit(data, "regions.yaml", lambda raw: raw["bureaus"].pop("成都"))
    problems = schema.check_all(data)
    assert any(p.endswith("fact id AH-R1 declared twice") for p in problems), problems
    assert "cities/chengdu.yaml: province '湖北' != regions.yaml cities[成都]" in problems
    assert "regions.yaml: 成都 has a data file but no bureau" in problems
    assert any("CD-R1" in p and "declared nowhere" in p for p in problems), problems


@pytest.mark.parametrize("change,expected", [
    (lambda p: p["late_fee_daily_rate"]["values"].update({dt.date(2031, 1, 1): 9.8}), "outside 0-1"),
    (lambda p: p["resident_premium_min"]["values"].update({dt.date(2031, 1, 1): 0}), "not a positive number"),
    (lambda p: p["resident_premium_min"].update(reference=[]), "missing reference"),
    (lambda p: p["resident_premium_min"].update(status="maybe"), "unknown status"),
    (lambda p: p["resident_premium_min"]["values"].update({dt.date(2026, 6, 1): 500}), "overlaps"),
])
def test_folder_check_covers_the_national_file(data, change, expected):
    _edit(data, "national.yaml", lambda raw: change(raw["parameters"]))
    problems = schema.check_all(data)
    assert any(p.startswith("national.yaml: parameter") and expected in p for p in problems), problems


def test_checker_reports_a_window_date_that_is_not_a_date():
    problems = schema.check_value("w", "date_range", {"start": "soon", "end": dt.date(2025, 12, 31)})
    assert any("not a date" in p for p in problems), problems
