"""Collects answer lines and the facts behind them, then renders the final Answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from . import params
from .params import Chain, Found

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
    missing: tuple[str, ...] = ()
    buttons: tuple[tuple[str, str], ...] = ()
    show_level: bool = True

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
            if f.references and f.references[0].title not in self.short_sources:
                self.short_sources.append(f.references[0].title)

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
            if info.references and info.references[0].title not in self.short_sources:
                self.short_sources.append(info.references[0].title)

    @property
    def level(self) -> str:
        if not self.levels:
            return "national"
        return min(self.levels, key=lambda lv: LEVEL_ORDER.get(lv, 2))

    def level_line(self) -> str:
        level = self.level
        city, province = self.chain.city, self.chain.province
        if level == "city":
            return f"（以下按{self.chain.level_name('city')}市规定）"
        if level == "province":
            name = self.chain.level_name("province")
            extra = f"，暂无{city}的市级数据" if city and city != name else ""
            return f"（以下按{name}省规定{extra}）"
        place = city or province
        if place:
            has_local = any(reg.level != "national" for reg in self.chain.regions)
            return f"（暂无{place}的{'相关' if has_local else ''}地方数据，以下按全国通用规则）"
        return "（未说明所在城市，以下按全国通用规则）"

    def render(self) -> Answer:
        from .validation import FIELD_LABELS

        out: list[str] = list(self.notices)
        out.append(self.verdict)
        if self.show_level:
            out.append(self.level_line())
        out.extend(self.lines)
        if self.missing:
            labels = "、".join(FIELD_LABELS[f].split("（")[0] for f in self.missing)
            out.append(f"告诉我{labels}，我可以按您的情况算得更准确。")
        if self.short_sources:
            out.append("依据：" + "；".join(self.short_sources[:3]))
        unsure = [fid for fid in self.fact_ids if self.statuses.get(fid) in ("S", "?")]
        if any(self.statuses.get(fid) == "?" for fid in unsure):
            out.append("提示：以上部分数据尚未核实或说法不一，仅供参考，请务必向当地医保局或拨打12393确认。")
        elif unsure:
            out.append("提示：以上部分数据来自非官方转载，请向当地医保局或拨打12393确认。")
        place = self.chain.city or self.chain.province
        where = f"{place}医保局或经办窗口" if place else "参保地医保局或经办窗口"
        out.append(f"具体以{where}答复为准（医保服务热线12393）。")
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
