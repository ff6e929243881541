"""Engine cases written as data (OpenFisca-style): every tests/engine/cases/*.yaml file is a list of
cases, each run through `policy_engine.answer` and checked against what the person should see.

Case format (one YAML list item per case):

    - name: 南昌 居民 paid inside the 2026 window after a 2025 lapse   # required, unique per file
      today: 2026-01-20                 # required: the date the question is asked
      topic: waiting_period             # required: a policy_engine.TOPICS name
      case:                             # Case fields (policy_engine/case.py), as slot values
        city: 南昌
        insurance_type: resident
        lapsed_years: [2025]
        payment_date: 2026-01-20
      figures:                          # Answer.figures that must be present and equal
        wait_months: 0                  #   (numbers compare to the fen; dates as "YYYY-MM-DD")
        benefits_from: "2026-01-21"
      contains: [2026年1月21日]          # phrases the answer text must contain
      absent: [等待期 0 个月]            # phrases the answer text must not contain
      missing: []                       # optional: exactly the fields still asked for
      level: city                       # optional: city | province | national
      unverified: [J1]                  # optional: fact ids that must be labelled S / ?
      buttons: [多久能恢复报销]          # optional: exactly the follow-up buttons offered (titles)

Policy people add a file (regions use regions_*.yaml); no Python is needed.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from policy_engine import TOPICS, Case, answer, required_fields

CASES_DIR = Path(__file__).parent / "cases"
KEYS = {"name", "today", "topic", "case", "figures", "contains", "absent", "missing", "level", "unverified",
        "buttons"}


def _load():
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for i, item in enumerate(items):
            name = item.get("name", f"#{i}") if isinstance(item, dict) else f"#{i}"
            out.append(pytest.param(path.name, item, id=f"{path.stem}: {name}"))
    return out


def _same(actual, expected) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected or actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return round(float(actual), 2) == round(float(expected), 2)
    if isinstance(expected, dt.date):
        expected = expected.isoformat()
    if isinstance(actual, dt.date):
        actual = actual.isoformat()
    return actual == expected


@pytest.mark.parametrize("filename,item", _load())
def test_case(filename, item):
    assert isinstance(item, dict), f"{filename}: each case is a mapping"
    unknown = set(item) - KEYS
    assert not unknown, f"{filename}: unknown keys {sorted(unknown)}"
    assert item.get("name") and item.get("topic") in TOPICS, f"{filename}: name and a known topic needed"
    today = item["today"]
    assert isinstance(today, dt.date), f"{filename}: today must be a date"
    case_fields = item.get("case") or {}
    unknown_fields = set(case_fields) - set(Case.field_names())
    assert not unknown_fields, f"{filename}: unknown Case fields {sorted(unknown_fields)}"
    case = Case.from_slots(case_fields)
    result = answer(item["topic"], case, today=today)
    text = result.text
    for key, expected in (item.get("figures") or {}).items():
        assert key in result.figures, f"figure {key!r} missing; figures: {result.figures}\n{text}"
        assert _same(result.figures[key], expected), f"{key}: {result.figures[key]!r} != {expected!r}\n{text}"
    for phrase in item.get("contains") or ():
        assert str(phrase) in text, f"expected {phrase!r} in:\n{text}"
    for phrase in item.get("absent") or ():
        assert str(phrase) not in text, f"unexpected {phrase!r} in:\n{text}"
    if "missing" in item:
        assert list(required_fields(item["topic"], case)) == list(item["missing"] or ()), text
    if "level" in item:
        assert result.level == item["level"], text
    for fid in item.get("unverified") or ():
        assert fid in result.unverified, f"{fid} not labelled unverified: {result.unverified}\n{text}"
    if "buttons" in item:
        assert [t for t, _ in result.buttons] == list(item["buttons"] or ()), f"buttons {result.buttons}\n{text}"
