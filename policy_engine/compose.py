"""Collects answer lines and the facts behind them, then renders the final Answer."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Iterable, Optional

from . import params
from .params import Chain, Found


def say(key: str, **values) -> str:
    """One sentence of data/sentences.yaml, filled with looked-up or computed values."""
    return params.sentences()[key].format(**values)

LEVEL_ORDER = {"city": 0, "province": 1, "national": 2}
STATUS_WORDS = {"S": "来自非官方转载（多处一致）", "?": "尚未核实或说法不一"}


@dataclass(frozen=True)
class Answer:
    topic: str
    text: str
    figures: dict
    sources: tuple[str, ...]
    unverified: tuple[str, ...]
    level: str  # "city" | "province" | "national"
    buttons: tuple[tuple[str, str], ...] = ()


def _fact_level(fact_id: str) -> str:
    info = params.facts().get(fact_id)
    if info is None or info.region == "全国":
        return "national"
    reg = params.region(info.region)
    return reg.level if reg is not None else "national"


@dataclass
class Composer:
    topic: str
    chain: Chain
    notices: list[str] = field(default_factory=list)  # invalid-input messages, shown first
    verdict: str = ""
    lines: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    fact_ids: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)  # fact id -> worst status seen
    references: list[str] = field(default_factory=list)
    short_sources: list[str] = field(default_factory=list)
    example_sources: set = field(default_factory=set)  # short sources that are other places' examples
    missing: tuple[str, ...] = ()
    buttons: tuple[tuple[str, str], ...] = ()
    show_level: bool = True
    today: Optional[_dt.date] = None

    def hotline(self, today: Optional[_dt.date] = None) -> str:
        found = self.chain.get("hotline_medical", today or self.today or _dt.date.today())
        return str(found.value) if found is not None else ""

    def use_found(self, other: "Composer") -> None:
        """Take over the facts another (scratch) composer used."""
        for fid in other.fact_ids:
            if fid not in self.fact_ids:
                self.fact_ids.append(fid)
            self._note_status(fid, other.statuses.get(fid, "V"))
        self.levels.extend(other.levels)
        for ref in other.references:
            if ref not in self.references:
                self.references.append(ref)
        for title in other.short_sources:
            self._add_source(title, example=title in other.example_sources)

    def _cite(self, refs) -> None:
        """The short source of a rule: a national or own-region page when the rule has one; a page
        about another place only as that place's example (社保网's Nanchang article in a 上海 answer)."""
        own = (self.chain.city, self.chain.province)
        for ref in refs:
            if ref.region is None or ref.region in own:
                self._add_source(ref.title)
                return
        self._add_source(say("example_source", region=refs[0].region, title=refs[0].title), example=True)

    def _add_source(self, title: str, example: bool = False) -> None:
        if title not in self.short_sources:
            self.short_sources.append(title)
        if example:
            self.example_sources.add(title)

    def line(self, text: str) -> None:
        self.lines.append(text)

    def bullet(self, text: str) -> None:
        self.lines.append(f"• {text}")

    def _note_status(self, fact_id: str, status: str) -> None:
        rank = {"V": 0, "S": 1, "?": 2}
        if rank.get(status, 2) >= rank.get(self.statuses.get(fact_id, "V"), 0):
            self.statuses[fact_id] = status

    def use(self, found: Iterable[Optional[Found]]) -> None:
        for f in found:
            if f is None:
                continue
            if f.fact not in self.fact_ids:
                self.fact_ids.append(f.fact)
            self._note_status(f.fact, f.status)
            self.levels.append(f.level)
            for ref in f.references:
                if str(ref) not in self.references:
                    self.references.append(str(ref))
            if f.references:
                self._cite(f.references)

    def use_facts(self, fact_ids: Iterable[str]) -> None:
        for fid in fact_ids:
            info = params.facts().get(fid)
            if info is None:
                continue
            if fid not in self.fact_ids:
                self.fact_ids.append(fid)
            self._note_status(fid, info.status)
            level = _fact_level(fid)
            # a regional fact outside the case's region is only an example: it does not set the level
            if level == "national" or info.region in (self.chain.city, self.chain.province):
                self.levels.append(level)
            for ref in info.references:
                if str(ref) not in self.references:
                    self.references.append(str(ref))
            if info.references:
                if level != "national" and info.region not in (self.chain.city, self.chain.province):
                    # another region's rule cited as an example says whose it is
                    title = say("other_region_source", region=info.region, title=info.references[0].title)
                    self._add_source(title, example=True)
                else:
                    self._cite(info.references)

    @property
    def level(self) -> str:
        if not self.levels:
            return "national"
        return min(self.levels, key=lambda lv: LEVEL_ORDER.get(lv, 2))

    def level_line(self) -> str:
        level = self.level
        city, province = self.chain.city, self.chain.province
        if level == "city":
            return say("level_city", place=self.chain.level_name("city"))
        if level == "province":
            name = self.chain.level_name("province")
            extra = ""
            if city and city != name:
                state = self._local_data_state([city])
                extra = say("level_province_extra_" + state, city=city)
            return say("level_province", place=name, extra=extra)
        place = city or province
        if place:
            local = [reg.name for reg in self.chain.regions if reg.level != "national"]
            return say("level_national_" + self._local_data_state(local), place=place)
        return say("level_national")

    def _local_data_state(self, regions: Iterable[str]) -> str:
        """What the data holds for these regions, none of it used in this answer: "none" (no
        local data), "unverified" (only unofficial or unverified rows, status S or ?) or "other"
        (verified rows exist, about other questions)."""
        names = {name for name in regions if name}
        statuses = {info.status for info in params.facts().values() if info.region in names}
        if not statuses:
            return "none"
        return "other" if "V" in statuses else "unverified"

    def _unsure_items(self, status: str) -> str:
        names = []
        for fid in self.fact_ids:
            if self.statuses.get(fid) != status:
                continue
            info = params.facts().get(fid)
            if info is not None:
                name = info.short or fid
                if name not in names:
                    names.append(name)
        return "、".join(names[:4])

    def render(self) -> Answer:
        from .validation import FIELD_LABELS

        out: list[str] = list(self.notices)
        out.append(self.verdict)
        if self.show_level:
            out.append(self.level_line())
        out.extend(self.lines)
        if self.missing:
            labels = "、".join(FIELD_LABELS[f].split("（")[0] for f in self.missing)
            out.append(say("ask_more", labels=labels))
        if self.short_sources:
            # the answer's own basis first; other places' examples after it
            ordered = sorted(self.short_sources, key=lambda t: t in self.example_sources)
            out.append(say("sources", titles="；".join(ordered[:3])))
        unsure = [fid for fid in self.fact_ids if self.statuses.get(fid) in ("S", "?")]
        hotline = self.hotline()
        if any(self.statuses.get(fid) == "?" for fid in unsure):
            out.append(say("warn_unverified", items=self._unsure_items("?"), hotline=hotline))
        if any(self.statuses.get(fid) == "S" for fid in unsure):
            out.append(say("warn_secondary", items=self._unsure_items("S"), hotline=hotline))
        place = self.chain.city or self.chain.province
        where = say("where_place", place=place) if place else say("where_any")
        out.append(say("confirm_where", where=where, hotline=hotline))
        text = "\n".join(line for line in out if line)
        return Answer(
            topic=self.topic,
            text=text,
            figures=dict(self.figures),
            sources=tuple(self.references),
            unverified=tuple(sorted(fid for fid in unsure)),
            level=self.level,
            buttons=self.buttons,
        )
