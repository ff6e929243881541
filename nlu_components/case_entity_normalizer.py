"""CaseEntityNormalizer: runs after SpacyEntityExtractor.

1. Rewrites ruler entities (city, province, insurance_type, lapse_reason) to their normalized
   values (北京市 -> 北京, 新农合 -> resident, 公司倒闭 -> employer). SpacyEntityExtractor drops
   the ruler's ``id``, so the surface -> value map is read from the same EntityRuler patterns in
   the loaded spaCy pipeline (one source of truth: scripts/build_nlu_assets.py). An entity whose
   text holds several known names (江西南昌 as one jieba token) is split into them.
2. Scans the whole text with the same lexicon (plus the lapse-reason regexes and 在/去/到 + an
   ambiguous city name) as a safety net for phrases jieba segmented differently; matches that
   overlap an existing entity are ignored.
3. De-duplicates (same entity and value: first one wins). A province next to one of its
   cities is kept (江西南昌 -> province 江西 + city 南昌).
4. Appends parsed durations, money, dates, years paid and gender from
   ``nlu_components.parsing.extract_entities`` with normalized Python types (int months,
   float yuan), so slots fill without further parsing.
"""
import logging
import os
import re
from datetime import date
from typing import Any, Dict, List, Optional, Pattern, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components import parsing

logger = logging.getLogger(__name__)

RULER_LABELS = ("city", "province", "insurance_type", "lapse_reason")
EXTRACTOR_NAME = "CaseEntityNormalizer"
_CITY_CONTEXT_BEFORE = r"(?:在|去|到|回|住在|来自|老家|户口在|户籍在|参保地|参保地是)"
_CITY_CONTEXT_AFTER = r"(?=$|[，。,.!?！？\s的这那本当工上交参医社市区县人])"


class Lexicon:
    """surface -> (label, value) plus one compiled scanner over all surfaces."""

    def __init__(
        self,
        surfaces: Dict[str, Tuple[str, str]],
        reason_regexes: List[Tuple[str, str]],
        ambiguous_cities: List[str],
    ) -> None:
        self.surfaces = dict(surfaces)
        self.values = {(label, value) for label, value in self.surfaces.values()}
        names = sorted(self.surfaces, key=lambda s: (-len(s), s))
        self._scanner: Optional[Pattern] = (
            re.compile("|".join(re.escape(n) for n in names)) if names else None
        )
        self._reasons = [(value, re.compile(rx)) for value, rx in reason_regexes]
        city_values = {v for label, v in self.values if label == "city"}
        amb = sorted((c for c in ambiguous_cities if c in city_values), key=len, reverse=True)
        self._ambiguous: Optional[Pattern] = (
            re.compile(_CITY_CONTEXT_BEFORE + "(" + "|".join(map(re.escape, amb)) + ")"
                       + _CITY_CONTEXT_AFTER)
            if amb else None
        )

    @classmethod
    def from_spacy(cls, nlp: Any) -> "Lexicon":
        surfaces: Dict[str, Tuple[str, str]] = {}
        for pipe_name in nlp.pipe_names:
            pipe = nlp.get_pipe(pipe_name)
            for pattern in getattr(pipe, "patterns", []) or []:
                label, value, tokens = pattern.get("label"), pattern.get("id"), pattern.get("pattern")
                if not value or label not in RULER_LABELS:
                    continue
                if isinstance(tokens, str):
                    surface = tokens
                elif isinstance(tokens, list) and all(
                    isinstance(t, dict) and isinstance(t.get("TEXT", t.get("ORTH")), str)
                    for t in tokens
                ):
                    surface = "".join(t.get("TEXT", t.get("ORTH")) for t in tokens)
                else:
                    continue
                surfaces.setdefault(surface, (label, value))
        return cls(surfaces, *_yaml_extras())

    @classmethod
    def from_sources(cls) -> "Lexicon":
        """Straight from nlu/ (used when no spaCy pipeline is available)."""
        from nlu.entries import surface_map

        return cls(surface_map(), *_yaml_extras())

    def split_province_prefix(self, surface: str, city_value: str) -> Optional[Tuple[str, int]]:
        """(province value, prefix length) when a city surface starts with a province name
        (广西来宾 -> 广西), else None."""
        for n in range(len(surface) - 1, 1, -1):
            hit = self.surfaces.get(surface[:n])
            if hit and hit[0] == "province" and surface[n:]:
                return hit[1], n
        return None

    def scan(self, text: str, offset: int = 0) -> List[Dict[str, Any]]:
        """Non-overlapping lexicon matches in ``text`` (longest first)."""
        found: List[Tuple[int, int, str, str]] = []
        if self._scanner is not None:
            for m in self._scanner.finditer(text):
                label, value = self.surfaces[m.group(0)]
                found.append((m.start(), m.end(), label, value))
        for value, rx in self._reasons:
            for m in rx.finditer(text):
                found.append((m.start(), m.end(), "lapse_reason", value))
        if self._ambiguous is not None:
            for m in self._ambiguous.finditer(text):
                found.append((m.start(1), m.end(1), "city", m.group(1)))
        kept: List[Tuple[int, int, str, str]] = []
        for item in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
            if not any(item[0] < k[1] and k[0] < item[1] for k in kept):
                kept.append(item)
        kept.sort()
        return [
            {"entity": label, "value": value, "start": s + offset, "end": e + offset}
            for s, e, label, value in kept
        ]


def _yaml_extras() -> Tuple[List[Tuple[str, str]], List[str]]:
    from nlu.entries import ambiguous_city_names, lapse_reason_regexes

    return lapse_reason_regexes(), ambiguous_city_names()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class CaseEntityNormalizer(GraphComponent, EntityExtractorMixin):
    """Normalizes ruler entities and adds parsed case facts (months, money, dates ...)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Scan the whole text with the lexicon as a safety net for jieba segmentation.
            "scan_text": True,
            # Fixed "today" (ISO date) for reproducible tests; None = the real date.
            "today": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **(config or {})}
        self._lexicon: Optional[Lexicon] = None
        self._lexicon_owner: Optional[int] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CaseEntityNormalizer":
        return cls(config)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "yaml"]

    # -- lexicon ------------------------------------------------------------------------------

    def _get_lexicon(self, model: Optional[SpacyModel]) -> Lexicon:
        nlp = getattr(model, "model", None) if model is not None else None
        owner = id(nlp) if nlp is not None else 0
        if self._lexicon is None or self._lexicon_owner != owner:
            if nlp is not None:
                self._lexicon = Lexicon.from_spacy(nlp)
            else:
                self._lexicon = Lexicon.from_sources()
            if not self._lexicon.surfaces:
                logger.warning("CaseEntityNormalizer: spaCy pipeline has no ruler patterns; "
                               "using nlu/ lexicons directly.")
                self._lexicon = Lexicon.from_sources()
            self._lexicon_owner = owner
        return self._lexicon

    def _today(self) -> date:
        # Relative years (去年没交) resolve against this date: the config's, else
        # ASSISTANT_TODAY (the same variable the action server reads), else the real date.
        t = self._config.get("today") or os.environ.get("ASSISTANT_TODAY")
        if t:
            try:
                return date.fromisoformat(str(t))
            except ValueError:
                logger.warning(f"CaseEntityNormalizer: bad 'today' {t!r}, using the real date")
        return date.today()

    # -- processing ---------------------------------------------------------------------------

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Rewrites and adds entities on each message."""
        lexicon = self._get_lexicon(model)
        for message in messages:
            entities = self.normalize(message.get(TEXT) or "", message.get(ENTITIES) or [],
                                      lexicon)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def normalize(
        self, text: Text, entities: List[Dict[Text, Any]], lexicon: Lexicon
    ) -> List[Dict[Text, Any]]:
        """Returns the new entity list for one message (see module docstring)."""
        text = text if isinstance(text, str) else str(text or "")
        others: List[Dict[str, Any]] = []
        places: List[Dict[str, Any]] = []
        for ent in entities:
            if ent.get("extractor") == EXTRACTOR_NAME:
                continue  # idempotent: our own additions are recomputed
            if ent.get("entity") in RULER_LABELS:
                places.extend(self._rewrite(text, ent, lexicon))
            else:
                others.append(ent)

        if self._config.get("scan_text", True):
            for found in lexicon.scan(parsing.normalize_chars(text)):
                clash = [p for p in places if _overlaps(found, p)]
                if not clash:
                    places.append(self._new_entity(found))
                elif found["entity"] == "lapse_reason" and all(
                        _within(p, found) and p.get("entity") in ("lapse_reason", "insurance_type") for p in clash):
                    # 公司没钱交 holds the person's 没钱交, 单位医保没交 the scheme word 单位医保: the
                    # longer phrase says whose lapse it is; a scheme word inside it stays a scheme.
                    places = [p for p in places if not (p in clash and p.get("entity") == "lapse_reason")]
                    places.append(self._new_entity(found))

        places = _dedupe(sorted(places, key=lambda e: (e.get("start", 0), e.get("end", 0))))
        places = _scheme_held_now(text, places)
        places = _not_negated(text, places)
        result = others + places
        for parsed in parsing.extract_entities(text, self._today()):
            if any(_overlaps(parsed, e) and e["entity"] == parsed["entity"] for e in result):
                continue
            for e in result:
                _trim_around(e, parsed)
            result.append(self._new_entity(parsed))
        return sorted(result, key=lambda e: (e.get("start", 0), e.get("end", 0)))

    def _rewrite(
        self, text: str, ent: Dict[str, Any], lexicon: Lexicon
    ) -> List[Dict[str, Any]]:
        start, end = ent.get("start"), ent.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            surface = text[start:end]
        else:
            surface, start = str(ent.get("value", "")), None
        norm_surface = parsing.normalize_chars(surface).strip()
        hit = lexicon.surfaces.get(norm_surface)
        if hit:
            label, value = hit
            if label == "city" and start is not None:
                split = lexicon.split_province_prefix(norm_surface, value)
                if split:
                    (p_val, p_len) = split
                    return [
                        self._rewritten(ent, "province", p_val, start, start + p_len),
                        self._rewritten(ent, "city", value, start + p_len, end),
                    ]
            return [self._rewritten(ent, label, value, ent.get("start"), ent.get("end"))]
        if (ent.get("entity"), ent.get("value")) in lexicon.values:
            return [dict(ent)]  # already normalized upstream
        inner = lexicon.scan(norm_surface, offset=start or 0)
        if not inner:
            logger.debug(f"CaseEntityNormalizer: dropping unknown {ent.get('entity')} {surface!r}")
        return [
            self._rewritten(ent, f["entity"], f["value"],
                            f["start"] if start is not None else ent.get("start"),
                            f["end"] if start is not None else ent.get("end"))
            for f in inner
        ]

    @staticmethod
    def _rewritten(ent: Dict[str, Any], label: str, value: str, start: Any, end: Any) -> Dict[str, Any]:
        new = dict(ent)
        new.update({"entity": label, "value": value, "start": start, "end": end})
        processors = list(new.get("processors") or [])
        if EXTRACTOR_NAME not in processors:
            processors.append(EXTRACTOR_NAME)
        new["processors"] = processors
        return new

    @staticmethod
    def _new_entity(found: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "entity": found["entity"],
            "value": found["value"],
            "start": found["start"],
            "end": found["end"],
            "confidence_entity": 1.0,
            "extractor": EXTRACTOR_NAME,
        }


def _trim_around(outer: Dict[str, Any], inner: Dict[str, Any]) -> None:
    """公司三个月没给交: the lapse reason keeps the words before the duration inside it
    (公司), so every entity has its own words (one annotation per span)."""
    try:
        if (outer.get("entity") == "lapse_reason"
                and outer["start"] < inner["start"] and inner["end"] <= outer["end"]):
            outer["end"] = inner["start"]
    except (KeyError, TypeError):
        pass


# 「职工医保怎么转居民医保」: the scheme before the transfer word is the one the person holds.
_TRANSFER_RX = re.compile(r"^[^，。,.？?！!]{0,8}?(?:转到|转入|转成|转为|转办成|转办|转|换成|换到|改成|改为|改交)")


def _scheme_held_now(text: str, places: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Drops the target of a transfer between two schemes (A转B keeps A): the case is about the
    scheme the person holds now; the question (ask_switch_scheme) is about moving to the other."""
    schemes = [e for e in places if e.get("entity") == "insurance_type" and isinstance(e.get("start"), int)]
    dropped = []
    for first, second in zip(schemes, schemes[1:]):
        between = parsing.normalize_chars(text[first["end"]:second["start"]])
        if first.get("value") != second.get("value") and _TRANSFER_RX.match(between):
            dropped.append(second)
    return [e for e in places if not any(e is d for d in dropped)]


# 「我是居民医保，不是职工」: a scheme the person says they do not hold.
_NEGATED_BEFORE = re.compile(r"(?:不是|并非|而非|而不是|不属于|不算)(?:交的?|参加的?|买的?)?$")


def _not_negated(text: str, places: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Drops a scheme word right after a negation (不是职工医保): it is not the person's scheme."""
    def negated(e: Dict[str, Any]) -> bool:
        start = e.get("start")
        return (e.get("entity") == "insurance_type" and isinstance(start, int)
                and bool(_NEGATED_BEFORE.search(parsing.normalize_chars(text[max(0, start - 6):start]))))
    return [e for e in places if not negated(e)]


def _within(inner: Dict[str, Any], outer: Dict[str, Any]) -> bool:
    """Whether `inner` lies inside `outer` and is shorter."""
    try:
        return (outer["start"] <= inner["start"] and inner["end"] <= outer["end"]
                and inner["end"] - inner["start"] < outer["end"] - outer["start"])
    except (KeyError, TypeError):
        return False


def _overlaps(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    try:
        return a["start"] < b["end"] and b["start"] < a["end"]
    except (KeyError, TypeError):
        return False


def _dedupe(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    seen = set()
    out = []
    for e in entities:
        key = (e.get("entity"), e.get("value"))
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out
