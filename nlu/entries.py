"""Lexicon entries for the rule-based entities (city, province, insurance_type, lapse_reason).

Single source of truth for the spaCy EntityRuler patterns, the jieba user dictionary and the
surface -> value map used by ``nlu_components.CaseEntityNormalizer``.

Places come from jionlp's administrative division data (``china_location_loader``); the YAML
files in ``nlu/lexicon/`` only hold scheme words, lapse reasons and place exceptions (``stated_facts.yml`` is read by ``nlu_components.parsing.stated_phrases`` for the actions, not by the pipeline).
No Rasa import here.
"""
from __future__ import annotations

import functools
import io
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

CITY = "city"
PROVINCE = "province"
INSURANCE_TYPE = "insurance_type"
LAPSE_REASON = "lapse_reason"
LABELS = (CITY, PROVINCE, INSURANCE_TYPE, LAPSE_REASON)


@dataclass(frozen=True)
class Entry:
    """One surface form of an entity value."""

    label: str
    value: str
    surface: str
    # "ambiguous" entries must not go into the bare-word jieba dictionary or substring regexes.
    ambiguous: bool = False


def _load_yaml(name: str) -> dict:
    with open(LEXICON_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


@functools.lru_cache(maxsize=1)
def load_divisions() -> Dict[str, dict]:
    """jionlp's province -> city tree (three levels, no towns). Quiet import."""
    with contextlib.redirect_stdout(io.StringIO()):
        from jionlp.dictionary.dictionary_loader import china_location_loader

        return china_location_loader(detail=False)


def _short_province(full: str, alias: str) -> str:
    return alias or full


def _city_value(full: str, aliases: List[str]) -> str:
    value = aliases[0] if aliases else full
    if value.endswith("市") and len(value) > 2:
        value = value[:-1]
    return value


def place_entries() -> List[Entry]:
    """Province and prefecture-level city entries generated from the division data."""
    conf = _load_yaml("places.yml")
    ambiguous = set(conf.get("ambiguous_city_names") or [])
    skip_cities = set(conf.get("skip_cities_of_provinces") or [])
    entries: List[Entry] = []
    municipalities = {"北京市", "上海市", "天津市", "重庆市"}

    for prov_full, prov in load_divisions().items():
        prov_alias = prov.get("_alias") or prov_full
        if isinstance(prov_alias, list):
            prov_alias = prov_alias[0]
        prov_short = _short_province(prov_full, prov_alias)
        if prov_full in municipalities:
            # A municipality is a city (contract: 北京市 -> city 北京); no province entity.
            for surface in {prov_full, prov_short}:
                entries.append(Entry(CITY, prov_short, surface))
            continue
        prov_surfaces = {prov_full, prov_short}
        if prov_full.endswith("自治区"):
            # 广西壮族自治区 -> 广西 (alias already), keep the full name too.
            prov_surfaces.add(prov_short + "自治区")
        if prov_full.endswith("省"):
            prov_surfaces.add(prov_short + "省")
        for surface in prov_surfaces:
            entries.append(Entry(PROVINCE, prov_short, surface))
        if prov_full in skip_cities:
            continue

        for city_full, city in prov.items():
            if city_full.startswith("_") or not isinstance(city, dict):
                continue
            aliases = city.get("_alias") or []
            if isinstance(aliases, str):
                aliases = [aliases]
            value = _city_value(city_full, aliases)
            if "直辖" in city_full:
                # 省直辖县级行政区划: county-level units, not a prefecture-level city.
                continue
            names = {city_full, value, *aliases}
            if city_full.endswith("市"):
                names.add(value + "市")
            if city_full.endswith("自治州") and not value.endswith("州"):
                names.add(value + "州")
            if city_full.endswith("地区"):
                names.add(value + "地区")
            is_ambiguous = value in ambiguous
            for name in names:
                # A bare ambiguous name (来宾, 安康 ...) is only matched with a suffix or prefix.
                bare = name == value or name in aliases and not name.endswith(("市", "州", "盟"))
                if is_ambiguous and bare:
                    continue
                entries.append(Entry(CITY, value, name))
            if is_ambiguous:
                # Province-prefixed forms make the ambiguous bare name safe: 甘肃白银, 福建三明.
                for p in sorted(prov_surfaces):
                    entries.append(Entry(CITY, value, p + value, ambiguous=True))

    for surface, value in (conf.get("extra_province_surfaces") or {}).items():
        entries.append(Entry(PROVINCE, value, surface))
    for surface, value in (conf.get("extra_city_surfaces") or {}).items():
        entries.append(Entry(CITY, value, surface))
    return entries


def ambiguous_city_names() -> List[str]:
    return list(_load_yaml("places.yml").get("ambiguous_city_names") or [])


def term_entries() -> List[Entry]:
    """insurance_type and lapse_reason surfaces from the YAML lexicons."""
    entries: List[Entry] = []
    for value, surfaces in _load_yaml("insurance_type.yml").items():
        for s in surfaces:
            entries.append(Entry(INSURANCE_TYPE, value, str(s)))
    for value, block in _load_yaml("lapse_reason.yml").items():
        for s in block.get("surfaces") or []:
            entries.append(Entry(LAPSE_REASON, value, str(s)))
    return entries


def lapse_reason_regexes() -> List[Tuple[str, str]]:
    """(value, regex) pairs used as a segmentation-independent safety net."""
    out = []
    for value, block in _load_yaml("lapse_reason.yml").items():
        for rx in block.get("regex") or []:
            out.append((value, rx))
    return out


def all_entries() -> List[Entry]:
    """All entries, de-duplicated; a surface maps to exactly one (label, value)."""
    seen: Dict[str, Entry] = {}
    for entry in place_entries() + term_entries():
        if not entry.surface or len(entry.surface) < 2:
            continue
        prev = seen.get(entry.surface)
        if prev is None:
            seen[entry.surface] = entry
        elif (prev.label, prev.value) != (entry.label, entry.value):
            # Province names win over identically spelled city aliases (吉林 is the province;
            # the city is 吉林市). Otherwise first come, first served.
            if entry.label == PROVINCE and prev.label == CITY:
                seen[entry.surface] = entry
    return sorted(seen.values(), key=lambda e: (e.label, e.value, e.surface))


def surface_map() -> Dict[str, Tuple[str, str]]:
    """surface -> (label, value)."""
    return {e.surface: (e.label, e.value) for e in all_entries()}
