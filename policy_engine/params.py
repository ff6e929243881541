"""Policy parameters: YAML data files, looked up "as of a date" with city -> province -> national fallback."""
from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

DATA_DIR = Path(__file__).parent / "data"
LEVELS = ("city", "province", "national")


@dataclass(frozen=True)
class Reference:
    title: str
    href: Optional[str] = None
    # The place a local page is about (社保网's Nanchang article: 南昌). Cited for another place's
    # answer it is named as that place's example, never as the rule's own source.
    region: Optional[str] = None

    def __str__(self) -> str:
        return f"{self.title}（{self.href}）" if self.href else self.title


@dataclass(frozen=True)
class FactInfo:
    id: str
    region: str
    summary: str
    status: str
    references: tuple[Reference, ...]
    short: str = ""  # a few words naming the fact in the "please confirm" line


@dataclass(frozen=True)
class Entry:
    start: _dt.date
    until: Optional[_dt.date]  # explicit end (inclusive); None = until the next entry / open-ended
    value: Any
    status: str
    fact: str


@dataclass(frozen=True)
class Parameter:
    name: str
    region: str
    level: str
    description: str
    unit: str
    fact: str
    status: str
    references: tuple[Reference, ...]
    entries: tuple[Entry, ...]  # sorted by start

    def entry_at(self, day: _dt.date) -> Optional[Entry]:
        for i, entry in enumerate(self.entries):
            if day < entry.start:
                continue
            nxt = self.entries[i + 1].start if i + 1 < len(self.entries) else None
            if nxt is not None and day >= nxt:
                continue
            if entry.until is not None and day > entry.until:
                continue
            return entry
        return None


@dataclass(frozen=True)
class Found:
    """One parameter value used in an answer, with where it came from."""
    name: str
    value: Any
    fact: str
    status: str
    region: str
    level: str
    start: _dt.date
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Region:
    name: str
    level: str
    parameters: dict  # name -> Parameter


def _refs(raw: Any) -> tuple[Reference, ...]:
    refs = []
    for item in raw or ():
        if isinstance(item, dict) and item.get("title"):
            region = item.get("region")
            refs.append(Reference(str(item["title"]), item.get("href"), str(region) if region else None))
    return tuple(refs)


def _to_date(key: Any) -> _dt.date:
    if isinstance(key, _dt.datetime):
        return key.date()
    if isinstance(key, _dt.date):
        return key
    return _dt.date.fromisoformat(str(key))


def parse_parameter(name: str, raw: dict, region: str, level: str) -> Parameter:
    status = str(raw.get("status"))
    fact = str(raw.get("fact"))
    entries = []
    for key, item in (raw.get("values") or {}).items():
        if isinstance(item, dict) and "value" in item:
            until = _to_date(item["until"]) if item.get("until") is not None else None
            entries.append(Entry(_to_date(key), until, item["value"], str(item.get("status", status)),
                                 str(item.get("fact", fact))))
        else:
            entries.append(Entry(_to_date(key), None, item, status, fact))
    entries.sort(key=lambda e: e.start)
    return Parameter(name, region, level, str(raw.get("description", "")), str(raw.get("unit", "")),
                     fact, status, _refs(raw.get("reference")), tuple(entries))


def load_yaml(name: str) -> Any:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _fact(fid, item) -> FactInfo:
    summary = str(item["summary"])
    short = str(item.get("short") or summary.split("；")[0].split("（")[0].split("，")[0].split("：")[0])
    if len(short) > 18:
        short = short[:16] + "等"
    return FactInfo(str(fid), str(item["region"]), summary, str(item["status"]), _refs(item.get("reference")), short)


def raw_facts() -> dict:
    """facts.yaml plus the `facts:` mapping of every regional data file (ids unique over all)."""
    raw = dict(load_yaml("facts.yaml"))
    for filename in region_index()["data_files"].values():
        extra = load_yaml(filename).get("facts") or {}
        raw.update(extra)
    return raw


@functools.lru_cache(maxsize=None)
def facts() -> dict[str, FactInfo]:
    return {str(fid): _fact(fid, item) for fid, item in raw_facts().items()}


@functools.lru_cache(maxsize=None)
def sentences() -> dict[str, str]:
    return load_yaml("sentences.yaml")


@functools.lru_cache(maxsize=None)
def region_index() -> dict:
    return load_yaml("regions.yaml")


@functools.lru_cache(maxsize=None)
def region(name: str) -> Optional[Region]:
    index = region_index()
    filename = index["data_files"].get(name)
    if not filename:
        return None
    raw = load_yaml(filename)
    level = str(raw["kind"])
    params = {pname: parse_parameter(pname, praw, str(raw["region"]), level)
              for pname, praw in (raw.get("parameters") or {}).items()}
    return Region(str(raw["region"]), level, params)


def _short(name: Optional[str], suffixes: tuple[str, ...]) -> Optional[str]:
    if not isinstance(name, str) or not name:
        return None
    for suffix in suffixes:
        if len(name) > 2 and name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Chain:
    """Regions to consult, most specific first; always ends with national."""
    city: Optional[str]
    province: Optional[str]
    regions: tuple[Region, ...]

    def get(self, name: str, day: _dt.date) -> Optional[Found]:
        for reg in self.regions:
            param = reg.parameters.get(name)
            if param is None:
                continue
            entry = param.entry_at(day)
            if entry is None:
                continue
            refs = param.references
            if entry.fact != param.fact:
                refs = facts()[entry.fact].references or refs
            return Found(name, entry.value, entry.fact, entry.status, reg.name, reg.level, entry.start, refs)
        return None

    def get_or_nearest(self, name: str, day: _dt.date) -> Optional[Found]:
        """`get`, else the national value nearest to `day` (for rules, never for yearly figures:
        callers use it only where code would otherwise hold the rule's number as a default)."""
        found = self.get(name, day)
        if found is not None:
            return found
        national = region("全国")
        param = national.parameters.get(name) if national else None
        if param is None or not param.entries:
            return None
        entry = param.entries[0] if day < param.entries[0].start else param.entries[-1]
        return Found(name, entry.value, entry.fact, entry.status, national.name, national.level, entry.start,
                     param.references)

    def defined_anywhere(self, name: str) -> bool:
        """True when some region of the chain has the parameter for any date."""
        return any(name in reg.parameters and reg.parameters[name].entries for reg in self.regions)

    @property
    def place(self) -> Optional[str]:
        return self.city or self.province

    def level_name(self, level: str) -> str:
        for reg in self.regions:
            if reg.level == level:
                return reg.name
        return "全国"


def resolve(city: Optional[str] = None, province: Optional[str] = None) -> Chain:
    city = _short(city, ("市",))
    province = _short(province, ("省", "市", "自治区"))
    index = region_index()
    if city and not province:
        province = index["cities"].get(city)
    regions: list[Region] = []
    for name in (city, province, "全国"):
        if not name:
            continue
        reg = region(name)
        if reg is not None and reg not in regions:
            regions.append(reg)
    return Chain(city, province, tuple(regions))


@functools.lru_cache(maxsize=None)
def load_texts() -> dict:
    return load_yaml("texts.yaml")
