"""Who a rule is for: the machine-readable `who` of a line (or of one group in a line) of
data/texts.yaml, checked against what the case says. A rule is kept unless a known fact rules the
person out; nothing known about a condition keeps it (the person may belong to the group).

`who` keys (all optional; every key given must hold):
  schemes:          insurance types the rule is for (Case.insurance_type values)
  resident_groups:  居民 premium groups it is for (Case.resident_group values)
  min_age, max_age: whole years of age (a newborn's first enrolment counts as age 0)
  born_from:        earliest birth date (ruled out when the age makes a later birth impossible)
  max_lapse_months: longest lapse it is for (the case's lapse_months, else 12 per unpaid 年度)
  newborn:          false = not for a newborn's first enrolment; true = only for it

Line forms in texts.yaml `lines`:
  - "text"                                      always shown
  - {text: "...", who: {...}}                   shown unless the case rules it out
  - {text: "...{groups}...", groups: [{text: "...", who: {...}}, ...], join: "、"}
                                                the groups the case does not rule out, joined;
                                                the line is left out when every group is ruled out
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterator, Optional

from .case import Case
from .dates import MONTHS_PER_YEAR

WHO_KEYS = ("schemes", "resident_groups", "min_age", "max_age", "born_from", "max_lapse_months", "newborn")


def _age(case: Case) -> Optional[int]:
    if case.age is not None:
        return case.age
    return 0 if case.newborn else None


def _latest_birth(age: int, today: _dt.date) -> _dt.date:
    """The latest birth date of someone `age` whole years old today."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def _lapse_months(case: Case) -> Optional[int]:
    if case.lapse_months is not None:
        return case.lapse_months
    if case.lapsed_years:  # a 年度 not paid for is a lapse of at least a whole year
        return MONTHS_PER_YEAR * len(case.lapsed_years)
    return None


def rules_out(who: Optional[dict], case: Case, today: _dt.date) -> bool:
    """True when a known fact of the case excludes the person from the rule's group."""
    if not who:
        return False
    age = _age(case)
    schemes = who.get("schemes")
    if schemes and case.insurance_type is not None and case.insurance_type not in schemes:
        return True
    groups = who.get("resident_groups")
    if groups and case.resident_group is not None and case.resident_group not in groups:
        return True
    if age is not None:
        if who.get("min_age") is not None and age < who["min_age"]:
            return True
        if who.get("max_age") is not None and age > who["max_age"]:
            return True
        born_from = who.get("born_from")
        if born_from is not None and _latest_birth(age, today) < born_from:
            return True
    lapse = _lapse_months(case)
    if who.get("max_lapse_months") is not None and lapse is not None and lapse > who["max_lapse_months"]:
        return True
    if "newborn" in who:
        if who["newborn"] is False and case.newborn:
            return True
        if who["newborn"] is True and case.newborn is False:
            return True
    return False


def line_text(line: Any, case: Case, today: _dt.date) -> Optional[str]:
    """The text a `lines` entry shows for this case (its template still holding {p:...} names),
    or None when the case rules it out."""
    if isinstance(line, str):
        return line
    if rules_out(line.get("who"), case, today):
        return None
    groups = line.get("groups")
    if groups is None:
        return line["text"]
    kept = [g["text"] for g in groups if not rules_out(g.get("who"), case, today)]
    if not kept:
        return None
    return line["text"].replace("{groups}", line.get("join", "、").join(kept))


def texts_of(line: Any) -> Iterator[str]:
    """Every piece of product text a `lines` entry can show (for data checks)."""
    if isinstance(line, str):
        yield line
        return
    yield line.get("text", "")
    for group in line.get("groups") or ():
        yield group.get("text", "")


# `who` keys that list canonical values of a Case field
_CASE_FIELDS = {"schemes": "insurance_type", "resident_groups": "resident_group"}


def check_line(line: Any) -> list[str]:
    """Shape problems of one `lines` entry (schema check)."""
    from .validation import VALUE_LABELS

    if isinstance(line, str):
        return []
    if not isinstance(line, dict) or not isinstance(line.get("text"), str):
        return [f"line {line!r}: a string or a mapping with text"]
    problems = []
    whos = [line.get("who")] + [g.get("who") for g in line.get("groups") or () if isinstance(g, dict)]
    if "groups" in line:
        if "{groups}" not in line["text"]:
            problems.append(f"line {line['text']}: groups without {{groups}} in the text")
        if not line["groups"] or not all(isinstance(g, dict) and isinstance(g.get("text"), str)
                                         for g in line["groups"]):
            problems.append(f"line {line['text']}: groups must be mappings with text")
    for who in whos:
        if who is None:
            continue
        if not isinstance(who, dict):
            problems.append(f"line {line['text']}: who must be a mapping")
            continue
        for key, value in who.items():
            if key not in WHO_KEYS:
                problems.append(f"line {line['text']}: unknown who key {key}")
            elif key in _CASE_FIELDS and not (isinstance(value, list) and value):
                problems.append(f"line {line['text']}: who {key} must be a non-empty list")
            elif key in _CASE_FIELDS and any(v not in VALUE_LABELS[_CASE_FIELDS[key]] for v in value):
                problems.append(f"line {line['text']}: who {key} must name {_CASE_FIELDS[key]} values: {value}")
            elif key in ("min_age", "max_age", "max_lapse_months") and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 0):
                problems.append(f"line {line['text']}: who {key} must be a whole number")
            elif key == "born_from" and not isinstance(value, _dt.date):
                problems.append(f"line {line['text']}: who born_from must be a date")
            elif key == "newborn" and not isinstance(value, bool):
                problems.append(f"line {line['text']}: who newborn must be true or false")
    return problems
