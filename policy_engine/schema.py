"""Schema check for every policy data file. `python -m policy_engine.schema` prints the problems.

One checker for the national, province and city files (shapes in data/README.md):

- index (`regions.yaml`): every listed file exists (data_files and pending_files), every file in
  provinces/ and cities/ is listed, the file's `region` is its index name, a city file has kind
  `city` and the province the index gives it, every city maps to a listed province, every
  prefecture-level city is listed, every regional file has a bureau;
- facts (`facts.yaml` and each file's `facts:`): region and summary, known status, a source
  (reference with title; href too in regional files), page_date format, ids declared once;
- parameters: description, unit, fact, status, reference and values present; a source; known
  status and declared fact ids (parameter, entry and premium rows); date keys; no missing value;
  no entry ending before it starts; entries neither overlapping nor leaving a gap; rates in 0-1;
  yuan amounts, bases and premiums positive; premium rows, payment windows, late rules, base
  choices and lapse rules of the documented shape;
- regional files (provinces/, cities/) also: declared facts, an explicit 年度 on each entry
  (`until`), a resident figure belongs to exactly one calendar 年度, references with href, only
  documented units;
- texts (`texts.yaml`): non-empty sections backed by declared facts; `who` of lines (policy_engine/who.py) well formed.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Optional

import yaml

from . import params
from .who import check_line

STATUSES = {"V", "S", "?"}
LEVELS = set(params.LEVELS)
REQUIRED_KEYS = ("description", "unit", "fact", "status", "reference", "values")
REGIONAL_DIRS = ("provinces/", "cities/")
MIN_CITIES = 300  # regions.yaml maps every prefecture-level city, not a hand-picked few

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
# Units of the original files whose values have no shape to check (counts, flags, phone numbers ...).
FREE_UNITS = {"bool", "enum", "example", "month", "months", "multiple", "phone", "ratio", "year", "years",
              "years_by_gender_options"}


_date = params._to_date  # a YAML date key (date, datetime or ISO text) -> date


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _rate(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _fen(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_regional(path: str) -> bool:
    return str(path).startswith(REGIONAL_DIRS)


# --- sources and status -------------------------------------------------------------------------

def check_refs(where: str, refs: Any, need_href: bool = False) -> list[str]:
    """A non-empty reference list; every item names its page (title, and href where required)."""
    if not isinstance(refs, list) or not refs:
        return [f"{where}: no reference (missing source)"]
    what = "title and href" if need_href else "title"
    return [f"{where}: reference without {what} (missing source)" for r in refs
            if not (isinstance(r, dict) and r.get("title") and (r.get("href") or not need_href))]


def _check_status(where: str, item: Any) -> list[str]:
    if isinstance(item, dict) and "status" in item and str(item["status"]) not in STATUSES:
        return [f"{where}: unknown status {item['status']!r}"]
    return []


def _check_fact(where: str, item: Any, fact_ids: set[str], what: str = "fact") -> list[str]:
    if isinstance(item, dict) and "fact" in item and str(item["fact"]) not in fact_ids:
        return [f"{where}: {what} {item['fact']!r} is declared nowhere"]
    return []


# --- values by unit ------------------------------------------------------------------------------

def check_row(where: str, row: Any) -> list[str]:
    """One row of a resident premium table."""
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


def check_period(where: str, period: Any) -> list[str]:
    """One period of a payment window, or a late rule."""
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


def check_window(where: str, value: Any) -> list[str]:
    """A payment window (`date_range`): start and/or end, periods in order without overlap."""
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


def _check_base_choice(where: str, value: Any) -> list[str]:
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


def check_value(where: str, unit: Any, value: Any, regional: bool = True) -> list[str]:
    """One entry's value by its unit. Outside regional files a unit without a shape passes."""
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
        return [p for j, table in enumerate(value)
                for p in check_value(f"{where} option {j}", "premium_table", table, regional)]
    if unit == "date_range":
        try:
            return check_window(where, value)
        except (ValueError, TypeError, AttributeError) as exc:
            return [f"{where}: a window date is not a date ({exc})"]
    if unit == "late_rule":
        return check_period(where, value) if isinstance(value, dict) else [f"{where}: not a mapping"]
    if unit == "base_choice":
        return _check_base_choice(where, value)
    if unit == "lapse_rule":
        if not isinstance(value, dict) or not value:
            return [f"{where}: lapse rule needs keys"]
        return [f"{where}: unknown lapse rule key {k!r}" for k in value if k not in LAPSE_KEYS]
    if unit == "switch_rule":
        return [] if isinstance(value, dict) and value else [f"{where}: switch rule needs keys"]
    if not regional and unit in FREE_UNITS:
        return []
    return [f"{where}: unknown unit {unit!r}"]


# --- parameters, facts, files -------------------------------------------------------------------

def check_parameter(name: str, raw: Any, fact_ids: set[str], regional: bool = False) -> list[str]:
    """Problems in one raw parameter mapping (as read from YAML).

    `regional`: the stricter rules of provinces/ and cities/ (explicit 年度, href, one resident 年度)."""
    where = f"parameter {name}"
    if not isinstance(raw, dict):
        return [f"{where}: not a mapping"]
    out = [f"{where}: missing {key}" for key in REQUIRED_KEYS if not raw.get(key)]
    if out:
        return out
    out += check_refs(where, raw["reference"], regional) + _check_status(where, raw)
    out += _check_fact(where, raw, fact_ids)
    values = raw["values"]
    if not isinstance(values, dict):
        return out + [f"{where}: values must map the start of a 年度 to a value"]
    spans: list[tuple[dt.date, Optional[dt.date]]] = []
    for key, item in values.items():
        ew = f"{where} {key}"
        try:
            start = _date(key)
        except (ValueError, TypeError):
            out.append(f"{ew}: key is not a date")
            continue
        explicit = isinstance(item, dict) and "value" in item
        if regional and not (explicit and item.get("until") is not None):
            out.append(f"{ew}: 年度 not explicit (write {{value: ..., until: <last day>}})")
            continue
        until = None
        value = item
        if explicit:
            value = item["value"]
            try:
                until = _date(item["until"]) if item.get("until") is not None else None
            except (ValueError, TypeError):
                out.append(f"{ew}: until is not a date")
            out += _check_status(ew, item) + _check_fact(ew, item, fact_ids)
            if "reference" in item:
                out += check_refs(ew, item["reference"], regional)
            for row in value if isinstance(value, list) else ():
                out += _check_fact(ew, row, fact_ids, "row fact")
        if until is not None and until < start:
            out.append(f"{ew}: ends before it starts")
        if regional and name.startswith("resident_") and until is not None \
                and (start.month, start.day, until) != (1, 1, dt.date(start.year, 12, 31)):
            out.append(f"{ew}: a resident figure belongs to one 年度 ({start.year}-01-01 .. {start.year}-12-31)")
        out += check_value(ew, raw["unit"], value, regional)
        spans.append((start, until))
    spans.sort(key=lambda s: s[0])
    for (s1, u1), (s2, _) in zip(spans, spans[1:]):
        if s1 == s2:
            out.append(f"{where}: two values start on {s1} (overlap)")
        elif u1 is not None and s2 <= u1:
            out.append(f"{where}: {s1}..{u1} overlaps the value from {s2}")
        elif u1 is not None and s2 > u1 + dt.timedelta(days=1):
            out.append(f"{where}: gap between {u1} and {s2}")
    return out


def check_facts(raw: Any, regional: bool = False) -> list[str]:
    """A `facts:` mapping (facts.yaml, or the one of a regional file)."""
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
        out += check_refs(where, item.get("reference"), regional)
    return out


def check_region_file(raw: Any, fact_ids: set[str], regional: bool = False) -> list[str]:
    """One data file: kind, region, its own facts (required in regional files), its parameters."""
    if not isinstance(raw, dict):
        return ["not a mapping"]
    out = []
    if raw.get("kind") not in LEVELS:
        out.append(f"unknown kind {raw.get('kind')!r}")
    if not raw.get("region"):
        out.append("missing region")
    if regional or "facts" in raw:
        out += check_facts(raw.get("facts"), regional)
    parameters = raw.get("parameters")
    if not isinstance(parameters, dict) or not parameters:
        return out + ["no parameters"]
    for name, item in parameters.items():
        out += check_parameter(name, item, fact_ids, regional)
    return out


def check_texts(raw: Any, fact_ids: set[str]) -> list[str]:
    problems = []
    for topic, sections in raw.items():
        for section in sections:
            if not section.get("lines") and not section.get("verdict"):
                problems.append(f"text {topic}: empty section")
            for fid in section.get("facts") or ():
                if fid not in fact_ids:
                    problems.append(f"text {topic}: unknown fact id {fid}")
            if not section.get("facts"):
                problems.append(f"text {topic}: section without facts (missing source)")
            for line in section.get("lines") or ():
                problems += [f"text {topic}: {p}" for p in check_line(line)]
    return problems


# --- the whole data folder ----------------------------------------------------------------------

class DataFolder:
    """The YAML files of one data folder (the shipped one, or a copy a test breaks)."""

    def __init__(self, root: Path = params.DATA_DIR) -> None:
        self.root = Path(root)
        self._cache: dict[str, Any] = {}

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def load(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = yaml.safe_load((self.root / name).read_text(encoding="utf-8"))
        return self._cache[name]

    def listed(self) -> dict[str, str]:
        """region -> file for every file regions.yaml lists (data_files and pending_files)."""
        index = self.load("regions.yaml")
        return {**(index.get("pending_files") or {}), **(index.get("data_files") or {})}


def fact_ids(folder: DataFolder) -> tuple[set[str], list[str]]:
    """Every declared fact id (facts.yaml and each listed file), and the ids declared twice."""
    ids = {str(k) for k in folder.load("facts.yaml") or {}}
    dupes = []
    for path in sorted(set(folder.listed().values())):
        if not folder.exists(path):
            continue
        for fid in (folder.load(path) or {}).get("facts") or {}:
            if str(fid) in ids:
                dupes.append(f"{path}: fact id {fid} declared twice")
            ids.add(str(fid))
    return ids, dupes


def check_index(folder: DataFolder) -> list[str]:
    index = folder.load("regions.yaml")
    listed = folder.listed()
    out = [f"regions.yaml: {region} lists missing file {path}"
           for region, path in listed.items() if not folder.exists(path)]
    on_disk = {str(p.relative_to(folder.root)) for d in REGIONAL_DIRS for p in (folder.root / d).glob("*.yaml")}
    out += [f"regions.yaml: {path} is not listed" for path in sorted(on_disk - set(listed.values()))]
    cities = index.get("cities") or {}
    if len(cities) <= MIN_CITIES:
        out.append(f"regions.yaml: only {len(cities)} cities (every prefecture-level city must be listed)")
    provinces = index.get("provinces") or {}
    out += [f"regions.yaml: city {city} maps to unknown province {province}"
            for city, province in cities.items() if province not in provinces]
    bureaus = index.get("bureaus") or {}
    out += [f"regions.yaml: {region} has a data file but no bureau"
            for region, path in listed.items() if is_regional(path) and region not in bureaus]
    return out


def check_data_file(region: str, path: str, folder: DataFolder, ids: set[str]) -> list[str]:
    """One listed data file, checked against its index entry."""
    if not folder.exists(path):
        return [f"{path}: missing file"]
    raw = folder.load(path)
    regional = is_regional(path)
    out = check_region_file(raw, ids, regional)
    if not isinstance(raw, dict):
        return [f"{path}: {p}" for p in out]
    if raw.get("region") != region:
        out.append(f"region {raw.get('region')!r} does not match index {region!r}")
    if path.startswith("cities/"):
        if raw.get("kind") != "city":
            out.append(f"a file in cities/ has kind {raw.get('kind')!r}, not city")
        cities = folder.load("regions.yaml").get("cities") or {}
        if cities.get(region) != raw.get("province"):
            out.append(f"province {raw.get('province')!r} != regions.yaml cities[{region}]")
    return [f"{path}: {p}" for p in out]


def check_all(root: Path = params.DATA_DIR) -> list[str]:
    folder = DataFolder(root)
    facts_raw = folder.load("facts.yaml")
    ids, problems = fact_ids(folder)
    problems += [f"facts.yaml: {p}" for p in check_facts(facts_raw)]
    problems += check_index(folder)
    for region, path in folder.listed().items():
        problems += check_data_file(region, path, folder, ids)
    problems += check_texts(folder.load("texts.yaml"), ids)
    return problems


if __name__ == "__main__":
    found = check_all()
    print("\n".join(found) or "policy data OK")
    sys.exit(1 if found else 0)
