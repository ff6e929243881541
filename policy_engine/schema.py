"""Schema check for the policy data files. `python -m policy_engine.schema` prints problems."""
from __future__ import annotations

import datetime as _dt
import sys
from typing import Any

from . import params

STATUSES = {"V", "S", "?"}
RATE_UNITS = {"rate"}
REQUIRED_KEYS = ("description", "unit", "fact", "status", "reference", "values")


def check_parameter(name: str, raw: Any, fact_ids: set[str]) -> list[str]:
    """Problems in one raw parameter mapping (as read from YAML)."""
    where = f"parameter {name}"
    if not isinstance(raw, dict):
        return [f"{where}: not a mapping"]
    problems = [f"{where}: missing {key}" for key in REQUIRED_KEYS if not raw.get(key)]
    if problems:
        return problems
    refs = raw["reference"]
    if not isinstance(refs, list) or not all(isinstance(r, dict) and r.get("title") for r in refs):
        problems.append(f"{where}: every reference needs a title (missing source)")
    if str(raw["status"]) not in STATUSES:
        problems.append(f"{where}: unknown status {raw['status']!r}")
    if str(raw["fact"]) not in fact_ids:
        problems.append(f"{where}: unknown fact id {raw['fact']!r}")
    values = raw["values"]
    if not isinstance(values, dict):
        return problems + [f"{where}: values must be a mapping of start date -> value"]
    try:
        param = params.parse_parameter(name, raw, "?", "?")
    except (ValueError, TypeError) as exc:
        return problems + [f"{where}: bad date key ({exc})"]
    for entry in param.entries:
        if entry.status not in STATUSES:
            problems.append(f"{where} {entry.start}: unknown status {entry.status!r}")
        if entry.fact not in fact_ids:
            problems.append(f"{where} {entry.start}: unknown fact id {entry.fact!r}")
        if entry.value is None:
            problems.append(f"{where} {entry.start}: missing value")
        if raw["unit"] in RATE_UNITS:
            if not isinstance(entry.value, (int, float)) or isinstance(entry.value, bool) \
                    or not 0 <= entry.value <= 1:
                problems.append(f"{where} {entry.start}: rate {entry.value!r} outside 0-1")
        if entry.until is not None and entry.until < entry.start:
            problems.append(f"{where} {entry.start}: ends before it starts")
    for prev, nxt in zip(param.entries, param.entries[1:]):
        if prev.start == nxt.start:
            problems.append(f"{where}: two values start on {prev.start} (overlap)")
        elif prev.until is not None:
            expected = prev.until + _dt.timedelta(days=1)
            if nxt.start < expected:
                problems.append(f"{where}: {prev.start}..{prev.until} overlaps the value from {nxt.start}")
            elif nxt.start > expected:
                problems.append(f"{where}: gap between {prev.until} and {nxt.start}")
    return problems


def check_region_file(raw: Any, fact_ids: set[str]) -> list[str]:
    if not isinstance(raw, dict) or "parameters" not in raw:
        return ["region file: missing parameters"]
    problems = []
    if raw.get("kind") not in params.LEVELS:
        problems.append(f"region file: unknown kind {raw.get('kind')!r}")
    for name, item in (raw["parameters"] or {}).items():
        problems.extend(check_parameter(name, item, fact_ids))
    return problems


def check_facts(raw: Any) -> list[str]:
    problems = []
    for fid, item in raw.items():
        if str(item.get("status")) not in STATUSES:
            problems.append(f"fact {fid}: unknown status {item.get('status')!r}")
        if not item.get("reference") or not all(r.get("title") for r in item["reference"]):
            problems.append(f"fact {fid}: missing source")
    return problems


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
    return problems


def check_all() -> list[str]:
    fact_raw = params.raw_facts()
    fact_ids = {str(k) for k in fact_raw}
    problems = check_facts(fact_raw)
    index = params.load_yaml("regions.yaml")
    for region_name, filename in index["data_files"].items():
        raw = params.load_yaml(filename)
        problems.extend(f"{filename}: {p}" for p in check_region_file(raw, fact_ids))
        if raw.get("region") != region_name:
            problems.append(f"{filename}: region {raw.get('region')!r} does not match index {region_name!r}")
    for city, province in index["cities"].items():
        if province not in index["provinces"]:
            problems.append(f"regions.yaml: city {city} maps to unknown province {province}")
    problems.extend(check_texts(params.load_yaml("texts.yaml"), fact_ids))
    return problems


if __name__ == "__main__":
    found = check_all()
    print("\n".join(found) or "policy data OK")
    sys.exit(1 if found else 0)
