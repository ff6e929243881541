"""Checks of the regional data files (policy_engine/data/provinces, cities; shapes in data/README.md).

Fails on: a data file without source or status, a fact id that is declared nowhere or twice,
overlapping 年度 / entries, a value whose 年度 is not explicit (no `until`, or a resident entry
that is not exactly one calendar 年度), a rate outside 0-1, a premium / base / amount that is not
a positive number, a region in regions.yaml whose file is missing (or a file nobody lists).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "policy_engine" / "data"
STATUSES = {"V", "S", "?"}
LEVELS = {"city", "province", "national"}
GROUPS = {"elderly", "adult", "student_child", "college"}
TIERS = {"low", "high"}
COVERED_FROM = {"year_start", "payment_day", "day_after_payment", "after_wait", "none",
                "third_natural_month_after_payment"}
PAYS = {"individual", "individual_and_fiscal"}
BASE_KINDS = {"between_limits", "fixed", "range", "ratio_of_average", "average_wage", "options"}
LAPSE_KEYS = {"short_lapse_months", "short_restored_from", "short_gap_costs_paid", "long_wait_months",
              "long_wait_from", "long_wait_months_options", "long_gap_costs_paid", "personal_backpay_allowed",
              "continuous_years_restart", "first_wait_months", "long_lapse_months_in_year",
              "long_outpatient_from", "long_inpatient_after_months", "employer_liable_after_months",
              "long_suspended"}
YUAN_UNITS = {"yuan", "yuan_per_year", "yuan_per_month"}
REQUIRED = ("description", "unit", "fact", "status", "reference", "values")


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _rate(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _fen(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _check_refs(where, refs) -> list[str]:
    if not isinstance(refs, list) or not refs:
        return [f"{where}: no reference (missing source)"]
    return [f"{where}: reference without title and href (missing source)"
            for r in refs if not (isinstance(r, dict) and r.get("title") and r.get("href"))]


def _check_status(where, item) -> list[str]:
    if isinstance(item, dict) and "status" in item and str(item["status"]) not in STATUSES:
        return [f"{where}: unknown status {item['status']!r}"]
    return []


def check_row(where, row) -> list[str]:
    if not isinstance(row, dict):
        return [f"{where}: row is not a mapping"]
    out = _check_status(where, row)
    groups = row.get("group")
    groups = groups if isinstance(groups, list) else ([groups] if groups is not None else [])
    out += [f"{where}: unknown group {g!r}" for g in groups if g not in GROUPS]
    if "tier" in row and (row["tier"] not in TIERS or not row.get("tier_name")):
        out.append(f"{where}: tier must be low/high with its local tier_name")
    if ("amount" in row) == ("monthly" in row):
        out.append(f"{where}: a row has either amount (per year) or monthly")
    for key in ("amount", "monthly", "fiscal", "ltc", "base"):
        if key in row and not _positive(row[key]):
            out.append(f"{where}: {key} {row[key]!r} is not a positive number")
    if "rate" in row and not _rate(row["rate"]):
        out.append(f"{where}: rate {row['rate']!r} outside 0-1")
    if _positive(row.get("monthly")) and _positive(row.get("base")) and _rate(row.get("rate")):
        if _fen(Decimal(str(row["base"])) * Decimal(str(row["rate"]))) != _fen(row["monthly"]):
            out.append(f"{where}: monthly {row['monthly']} != base x rate")
    if _positive(row.get("ltc")) and _positive(row.get("amount")) and row["ltc"] >= row["amount"]:
        out.append(f"{where}: ltc part not below the amount")
    return out


def check_window(where, value) -> list[str]:
    if not isinstance(value, dict) or not ("start" in value or "end" in value):
        return [f"{where}: a window needs start and/or end"]
    out = []
    if "start" in value and "end" in value and _date(value["start"]) > _date(value["end"]):
        out.append(f"{where}: window ends before it starts")
    prev_end = None
    for i, period in enumerate(value.get("periods") or ()):
        pw = f"{where} period {i}"
        if not isinstance(period, dict) or "start" not in period:
            out.append(f"{pw}: needs a start")
            continue
        out += check_period(pw, period)
        start = _date(period["start"])
        if "end" in period and _date(period["end"]) < start:
            out.append(f"{pw}: ends before it starts")
        if prev_end is not None and start <= prev_end:
            out.append(f"{pw}: overlaps the period before")
        prev_end = _date(period["end"]) if "end" in period else dt.date.max
    return out


def check_period(where, period) -> list[str]:
    out = _check_status(where, period)
    if period.get("covered_from") not in COVERED_FROM:
        out.append(f"{where}: unknown covered_from {period.get('covered_from')!r}")
    if "pays" in period and period["pays"] not in PAYS:
        out.append(f"{where}: unknown pays {period['pays']!r}")
    for key in ("amount", "wait_months", "wait_days"):
        if key in period and not _positive(period[key]):
            out.append(f"{where}: {key} {period[key]!r} is not a positive number")
    if period.get("for") not in (None, "continuous"):
        out.append(f"{where}: unknown for {period['for']!r}")
    return out


def check_value(where, unit, value) -> list[str]:
    if value is None:
        return [f"{where}: missing value"]
    if unit == "rate":
        return [] if _rate(value) else [f"{where}: rate {value!r} outside 0-1"]
    if unit == "rate_options":
        ok = isinstance(value, list) and value and all(_rate(v) for v in value)
        return [] if ok else [f"{where}: rate options {value!r} outside 0-1"]
    if unit in YUAN_UNITS:
        return [] if _positive(value) else [f"{where}: {value!r} is not a positive number"]
    if unit == "premium_table":
        if not isinstance(value, list) or not value:
            return [f"{where}: premium table needs rows"]
        return [p for i, row in enumerate(value) for p in check_row(f"{where} row {i}", row)]
    if unit == "premium_table_options":
        if not isinstance(value, list) or len(value) < 2:
            return [f"{where}: options need two or more tables"]
        return [p for j, table in enumerate(value) for p in check_value(f"{where} option {j}", "premium_table", table)]
    if unit == "date_range":
        return check_window(where, value)
    if unit == "late_rule":
        return check_period(where, value) if isinstance(value, dict) else [f"{where}: not a mapping"]
    if unit == "base_choice":
        if not isinstance(value, dict) or value.get("kind") not in BASE_KINDS:
            return [f"{where}: unknown base choice {value!r}"]
        out = []
        for key in ("base", "min", "max", "monthly", "average"):
            if key in value and not _positive(value[key]):
                out.append(f"{where}: {key} {value[key]!r} is not a positive number")
        for opt in value.get("options") or ():
            for key in ("base", "monthly", "yearly"):
                if key in opt and not _positive(opt[key]):
                    out.append(f"{where}: option {key} {opt[key]!r} is not a positive number")
            if "rate" in opt and not _rate(opt["rate"]):
                out.append(f"{where}: option rate {opt['rate']!r} outside 0-1")
        out += [f"{where}: ratio {r!r} outside 0-3" for r in value.get("ratios") or ()
                if not (_positive(r) and r <= 3)]
        return out
    if unit == "lapse_rule":
        if not isinstance(value, dict) or not value:
            return [f"{where}: lapse rule needs keys"]
        return [f"{where}: unknown lapse rule key {k!r}" for k in value if k not in LAPSE_KEYS]
    if unit == "switch_rule":
        return [] if isinstance(value, dict) and value else [f"{where}: switch rule needs keys"]
    return [f"{where}: unknown unit {unit!r}"]


def check_parameter(name, raw, fact_ids) -> list[str]:
    where = f"parameter {name}"
    if not isinstance(raw, dict):
        return [f"{where}: not a mapping"]
    out = [f"{where}: missing {key}" for key in REQUIRED if not raw.get(key)]
    if out:
        return out
    out += _check_refs(where, raw["reference"]) + _check_status(where, raw)
    if str(raw["fact"]) not in fact_ids:
        out.append(f"{where}: fact {raw['fact']!r} is declared nowhere")
    values = raw["values"]
    if not isinstance(values, dict):
        return out + [f"{where}: values must map the start of a 年度 to a value"]
    spans = []
    for key, item in values.items():
        ew = f"{where} {key}"
        try:
            start = _date(key)
        except ValueError:
            out.append(f"{ew}: key is not a date")
            continue
        if not isinstance(item, dict) or "value" not in item or item.get("until") is None:
            out.append(f"{ew}: 年度 not explicit (write {{value: ..., until: <last day>}})")
            continue
        until = _date(item["until"])
        if until < start:
            out.append(f"{ew}: ends before it starts")
        if name.startswith("resident_") and (start.month, start.day, until) != (1, 1, dt.date(start.year, 12, 31)):
            out.append(f"{ew}: a resident figure belongs to one 年度 ({start.year}-01-01 .. {start.year}-12-31)")
        out += _check_status(ew, item)
        if "fact" in item and str(item["fact"]) not in fact_ids:
            out.append(f"{ew}: fact {item['fact']!r} is declared nowhere")
        if "reference" in item:
            out += _check_refs(ew, item["reference"])
        for row in item["value"] if isinstance(item["value"], list) else ():
            if isinstance(row, dict) and "fact" in row and str(row["fact"]) not in fact_ids:
                out.append(f"{ew}: row fact {row['fact']!r} is declared nowhere")
        out += check_value(ew, raw["unit"], item["value"])
        spans.append((start, until))
    spans.sort()
    for (s1, u1), (s2, u2) in zip(spans, spans[1:]):
        if s2 <= u1:
            out.append(f"{where}: {s1}..{u1} overlaps {s2}..{u2}")
    return out


def check_facts(raw) -> list[str]:
    if not isinstance(raw, dict) or not raw:
        return ["file declares no facts"]
    out = []
    for fid, item in raw.items():
        where = f"fact {fid}"
        if not isinstance(item, dict) or not item.get("summary") or not item.get("region"):
            out.append(f"{where}: needs region and summary")
            continue
        if str(item.get("status")) not in STATUSES:
            out.append(f"{where}: unknown status {item.get('status')!r}")
        if "page_date" in item and not re.fullmatch(r"20\d\d(-[01]\d(-[0-3]\d)?)?", str(item["page_date"])):
            out.append(f"{where}: page_date {item['page_date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        out += _check_refs(where, item.get("reference"))
    return out


def check_region_file(raw, fact_ids) -> list[str]:
    if not isinstance(raw, dict):
        return ["not a mapping"]
    out = []
    if raw.get("kind") not in LEVELS:
        out.append(f"unknown kind {raw.get('kind')!r}")
    if not raw.get("region"):
        out.append("missing region")
    out += check_facts(raw.get("facts"))
    params = raw.get("parameters")
    if not isinstance(params, dict) or not params:
        return out + ["no parameters"]
    for name, item in params.items():
        out += check_parameter(name, item, fact_ids)
    return out


# --- the real files -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _index():
    return yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))


def _regional_files() -> dict[str, str]:
    index = _index()
    listed = {**(index.get("data_files") or {}), **(index.get("pending_files") or {})}
    return {region: path for region, path in listed.items() if path.startswith(("provinces/", "cities/"))}


@functools.lru_cache(maxsize=None)
def _load(path: str):
    return yaml.safe_load((DATA / path).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _all_fact_ids() -> tuple[frozenset, tuple]:
    ids = {str(k) for k in yaml.safe_load((DATA / "facts.yaml").read_text(encoding="utf-8"))}
    dupes = []
    for path in sorted(set(_regional_files().values())):
        if not (DATA / path).exists():
            continue
        for fid in (_load(path) or {}).get("facts") or {}:
            if str(fid) in ids:
                dupes.append(f"{path}: fact id {fid} declared twice")
            ids.add(str(fid))
    return frozenset(ids), tuple(dupes)


def test_every_listed_region_file_exists_and_every_file_is_listed():
    listed = _regional_files()
    missing = [f"{r}: {p}" for r, p in listed.items() if not (DATA / p).exists()]
    assert not missing, f"regions.yaml lists missing files: {missing}"
    on_disk = {str(p.relative_to(DATA)) for d in ("provinces", "cities") for p in (DATA / d).glob("*.yaml")}
    assert on_disk == set(listed.values()), f"files not listed: {sorted(on_disk - set(listed.values()))}"


def test_fact_ids_are_unique():
    _, dupes = _all_fact_ids()
    assert not dupes


@pytest.mark.parametrize("region,path", sorted(_regional_files().items()))
def test_region_file(region, path):
    raw = _load(path)
    fact_ids, _ = _all_fact_ids()
    problems = check_region_file(raw, fact_ids)
    if raw.get("region") != region:
        problems.append(f"region {raw.get('region')!r} does not match the index name {region!r}")
    index = _index()
    if path.startswith("cities/"):
        assert raw.get("kind") == "city"
        if index["cities"].get(region) != raw.get("province"):
            problems.append(f"province {raw.get('province')!r} != regions.yaml cities[{region}]")
    assert not problems, "\n".join(problems)


def test_every_city_maps_to_a_listed_province_and_has_a_bureau_when_it_has_data():
    index = _index()
    assert len(index["cities"]) > 300  # every prefecture-level city, not a hand-picked few
    bad = [c for c, p in index["cities"].items() if p not in index["provinces"]]
    assert not bad
    no_bureau = [r for r in _regional_files() if r not in index["bureaus"]]
    assert not no_bureau


# --- the checker catches what it must -------------------------------------------------------------

GOOD = {
    "description": "d", "unit": "premium_table", "fact": "X-R1", "status": "V",
    "reference": [{"title": "t", "href": "example.org/a"}],
    "values": {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [{"amount": 400}]}},
}


def _with(**changes):
    raw = dict(GOOD, **changes)
    return check_parameter("resident_premium", raw, {"X-R1"})


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
    problems = check_parameter("employer_rate", raw, {"X-E1"})
    assert any("overlaps" in p for p in problems) and any("outside 0-1" in p for p in problems), problems


def test_checker_rejects_a_file_without_facts_or_sources():
    problems = check_region_file({"region": "X", "kind": "city", "parameters": {"resident_premium": GOOD}}, {"X-R1"})
    assert "file declares no facts" in problems
    facts = {"X-R1": {"region": "X", "summary": "s", "status": "V", "reference": []}}
    problems = check_region_file({"region": "X", "kind": "city", "facts": facts,
                                  "parameters": {"resident_premium": GOOD}}, {"X-R1"})
    assert any("missing source" in p for p in problems)


def test_checker_rejects_overlapping_window_periods():
    value = {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 12, 31), "periods": [
        {"start": dt.date(2025, 10, 1), "end": dt.date(2026, 1, 31), "covered_from": "year_start"},
        {"start": dt.date(2026, 1, 1), "covered_from": "after_wait", "wait_months": 3}]}
    assert any("overlaps" in p for p in check_window("w", value))
