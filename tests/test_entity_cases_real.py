"""tests/entity_cases_real.yml: entity cases copied from corpus/real_questions.tsv.

Checks the file itself (not the extractor): it loads, every text is a TSV row's exact text with
that row's source_url, cases follow the TSV's order, and every entity is one of the
contract's five with a normalized value.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "entity_cases_real.yml"
TSV = ROOT / "corpus" / "real_questions.tsv"

ENTITIES = {"city", "province", "insurance_type", "lapse_reason", "lapse_months"}
INSURANCE_TYPES = {"employee", "flexible", "resident"}
LAPSE_REASONS = {"employer", "personal"}
CASE_KEYS = {"text", "entities", "source_url"}
OPTIONAL_KEYS = {"unsure"}
MUNICIPALITIES = {"北京市", "上海市", "天津市", "重庆市"}


@pytest.fixture(scope="module")
def data():
    return yaml.safe_load(CASES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tsv_rows():
    with TSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _alias(value):
    return value if isinstance(value, str) else value[0]


@pytest.fixture(scope="module")
def places():
    from jionlp.dictionary.dictionary_loader import china_location_loader

    provinces, cities = set(), set()
    for prov_full, prov in china_location_loader().items():
        provinces.add(_alias(prov["_alias"]))
        if prov_full in MUNICIPALITIES:
            cities.add(_alias(prov["_alias"]))
            continue
        for city_full, city in prov.items():
            if city_full.startswith("_") or "直辖" in city_full:
                continue
            cities.add(_alias(city["_alias"]))
    return provinces, cities


def test_file_loads_with_today_and_cases(data):
    assert set(data) == {"today", "cases"}
    assert data["today"] == "2026-11-23"
    assert isinstance(data["cases"], list) and len(data["cases"]) > 100


def test_every_case_is_a_tsv_row_in_file_order(data, tsv_rows):
    index = {}
    for i, row in enumerate(tsv_rows):
        index.setdefault(row["text"], []).append(i)
    last = -1
    for case in data["cases"]:
        keys = set(case)
        assert CASE_KEYS <= keys <= CASE_KEYS | OPTIONAL_KEYS, case
        assert case["text"] in index, case["text"]
        later = [i for i in index[case["text"]] if i > last]
        assert later, f"case out of TSV order: {case['text']}"
        row = tsv_rows[later[0]]
        last = later[0]
        assert case["source_url"] == row["source_url"], case["text"]
        if "unsure" in case:
            assert case["unsure"] is True, case["text"]


def test_every_entity_is_a_contract_entity_with_a_normalized_value(data, places):
    provinces, cities = places
    for case in data["cases"]:
        ents = case["entities"]
        assert isinstance(ents, dict) and ents, case["text"]
        assert set(ents) <= ENTITIES, case["text"]
        if "city" in ents:
            city = ents["city"]
            assert isinstance(city, str) and not city.endswith("市"), case["text"]
            assert city in cities, (case["text"], city)
            assert city in case["text"], case["text"]
        if "province" in ents:
            prov = ents["province"]
            assert isinstance(prov, str) and not prov.endswith("省"), case["text"]
            assert prov in provinces, (case["text"], prov)
            assert prov in case["text"], case["text"]
        if "insurance_type" in ents:
            assert ents["insurance_type"] in INSURANCE_TYPES, case["text"]
        if "lapse_reason" in ents:
            assert ents["lapse_reason"] in LAPSE_REASONS, case["text"]
        if "lapse_months" in ents:
            months = ents["lapse_months"]
            assert type(months) is int and 0 < months <= 240, case["text"]
