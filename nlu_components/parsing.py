"""Pure parsing helpers for Chinese numbers, durations, money, dates, years paid and gender.

No Rasa import. Every function is total: bad input gives ``None`` / ``[]``, never an exception.

Decisions (documented so that tests and the dialogue agree):

* Text is NFKC-normalised character by character (全角 ３ -> 3) without changing its length, so
  entity offsets always point into the original message.
* Durations become whole months (CONTRACT.md ``lapse_months``): 三个月 -> 3, 半年 -> 6,
  一年半 -> 18, 两年 -> 24, 1年2个月 -> 14. Days and weeks: ``ceil(days / 30)`` (90天 -> 3,
  45天 -> 2, 两周 -> 1). The vague part of an amount rounds UP to the next whole month:
  三个多月 -> 4, 两个半月 -> 3, 半年多 -> 7, 一年多 -> 13; ranges take the upper end:
  四五个月 -> 5, 两三个月 -> 3, 3到5个月 -> 5.
* Bounds (``_apply_bound``; the rules are listed in the header of tests/entity_cases.yml):
  超过三个月 -> 4, 超过半年 -> 7, 超过一年 -> 13; 3个月以上 / 至少三个月 -> 3; 不到三个月 /
  三个月以内 give no duration entity (the count is not fixed).
* A month range (去年8月到今年1月) counts both ends: 2025-08..2026-01 -> 6. "从去年8月(开始)到现在"
  counts up to and including the current month of ``today``.
* Money is a float in yuan: 3000元, 3千块, 1万, 五千, 8k, 1.2万, 四千五 (colloquial = 4500),
  一万二 (= 12000). 万分之五 / 百分之十 are rates, not money. A bare number (月薪3000) is money only in
  a wage or owed-money context, or when it is the whole message (a form answer).
* Context decides the entity name (docs/architecture.md): money -> ``monthly_wage`` (工资/月薪/
  收入/基数/挣 ...), ``arrears`` (欠/欠缴/滞纳/拖欠/补缴金额 ...) or ``amount``; a duration ->
  ``overdue_days`` in late-fee context (滞纳金/逾期/晚交/拖了 ...; 3个月 -> 90 days; 欠/拖欠 alone
  is not late-fee context: 单位欠缴了三个月 is a lapse), ``years_paid`` (float years) after a
  paying verb (交了/缴了/缴费/累计缴费 N年), ``continuous_years`` (int) after 连续参保/连续缴费, and
  ``claim_free_years`` (int) before 没报销/没住院, and otherwise ``lapse_months``. Rates
  (一年交多少, 每月), waiting periods (等3个月才能报销), requirements (要交够25年吗) and shortfalls
  (还差3年) give no duration entity.

jionlp was measured and is not used at parse time: ``parse_time`` costs ~80 ms on its first call
per pattern, raises on 四五个月 and returns {'year': 0.5} for 半年 (fine) but nothing usable for
三个多月; ``parse_money`` reads 四千五 as 4005 and 一万二 as 10002 and rejects surrounding text.
"""
from __future__ import annotations

import functools
import importlib.util
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------


_LEXICON_DIR = Path(__file__).resolve().parents[1] / "nlu" / "lexicon"


@functools.lru_cache(maxsize=1)
def _traditional_table() -> Dict[int, str]:
    """str.translate table: traditional -> simplified, one character to one character.

    jionlp's character table (a dependency already) plus the overrides in
    nlu/lexicon/traditional_chars.yml. Missing files give an empty table, never an error."""
    table: Dict[int, str] = {}
    try:
        spec = importlib.util.find_spec("jionlp")
        if spec and spec.origin:
            path = Path(spec.origin).parent / "dictionary" / "tra2sim_char.txt"
            for line in path.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) == 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
                    table[ord(parts[0])] = parts[1]
    except (OSError, ImportError, ValueError):  # pragma: no cover - packaging problem
        pass
    try:
        import yaml

        conf = yaml.safe_load((_LEXICON_DIR / "traditional_chars.yml").read_text(encoding="utf-8"))
        for trad, simp in ((conf or {}).get("overrides") or {}).items():
            if len(str(trad)) == 1 and len(str(simp)) == 1:
                table[ord(str(trad))] = str(simp)
    except (OSError, ImportError, AttributeError):  # pragma: no cover
        pass
    return table


def to_simplified(text: str) -> str:
    """Traditional characters to simplified, keeping the length (斷繳 -> 断缴)."""
    return text.translate(_traditional_table())


def normalize_chars(text: Any) -> str:
    """NFKC per character and traditional -> simplified, keeping the string length (offsets
    stay valid). None -> ''."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not unicodedata.is_normalized("NFKC", text):
        out = []
        for ch in text:
            n = unicodedata.normalize("NFKC", ch)
            out.append(n if len(n) == 1 else ch)
        text = "".join(out)
    return to_simplified(text)


def normalize_text(text: Any) -> str:
    """NFKC (full-width digits and letters to ASCII), traditional -> simplified, and strip."""
    if text is None:
        return ""
    return to_simplified(unicodedata.normalize("NFKC", str(text))).strip()


@functools.lru_cache(maxsize=1)
def _stated_patterns() -> Dict[str, List["re.Pattern"]]:
    import yaml

    conf = yaml.safe_load((_LEXICON_DIR / "stated_facts.yml").read_text(encoding="utf-8")) or {}
    return {name: [re.compile(p) for p in patterns or ()] for name, patterns in conf.items()}


def stated_phrases(text: Any) -> List[str]:
    """The names in nlu/lexicon/stated_facts.yml whose phrases the message says (traditional
    characters read as simplified): facts said in passing that no entity carries."""
    plain = normalize_chars(text)
    return [name for name, patterns in _stated_patterns().items() if any(p.search(plain) for p in patterns)]


@functools.lru_cache(maxsize=1)
def _person_patterns() -> Dict[str, List["re.Pattern"]]:
    import yaml

    conf = yaml.safe_load((_LEXICON_DIR / "case_person.yml").read_text(encoding="utf-8")) or {}
    return {name: [re.compile(p) for p in patterns or ()] for name, patterns in conf.items()}


def case_person(text: Any) -> Optional[str]:
    """Whose case the message is about (nlu/lexicon/case_person.yml): 「我老公在深圳上班」 ->
    ``spouse``, 「我自己呢」 -> ``self``; None when it names nobody. The earliest mention wins."""
    plain = normalize_chars(text)
    found = [(m.start(), name) for name, patterns in _person_patterns().items()
             for p in patterns for m in [p.search(plain)] if m]
    return min(found)[1] if found else None


@functools.lru_cache(maxsize=1)
def out_of_scope_table() -> Dict[str, Any]:
    """nlu/lexicon/out_of_scope_topics.yml: the neighbouring topics, their keywords and replies."""
    import yaml

    return yaml.safe_load((_LEXICON_DIR / "out_of_scope_topics.yml").read_text(encoding="utf-8")) or {}


def neighbouring_topic(text: Any) -> Optional[Dict[str, Any]]:
    """The first topic in the out-of-scope table whose keyword the message says, or None."""
    s = normalize_chars(text)
    for topic in out_of_scope_table().get("topics") or []:
        if any(str(k) in s for k in topic.get("keywords") or []):
            return topic
    return None


def names_medical_insurance(text: Any) -> bool:
    """Whether the message names medical insurance itself (the table's ``medical_words``)."""
    s = normalize_chars(text)
    return any(str(w) in s for w in out_of_scope_table().get("medical_words") or [])


def other_scheme_topic(text: Any) -> Optional[Dict[str, Any]]:
    """The topic when a message names another scheme or fund (a topic marked ``other_scheme``:
    公积金, 养老, 失业, 工伤, 生育) and no word for medical insurance itself (``medical_words``):
    「公积金断了几个月有什么影响」 is about 公积金 whatever its lapse words say. None otherwise."""
    if names_medical_insurance(text):
        return None
    s = normalize_chars(text)
    for topic in out_of_scope_table().get("topics") or []:
        if topic.get("other_scheme") and any(str(k) in s for k in topic.get("keywords") or []):
            return topic
    return None


# A question sentence: from the end of the previous sentence up to its question mark.
_QUESTION = re.compile(r"[^?？!！。;；\n]*[?？]")


def first_question(text: str) -> str:
    """The message's first question sentence, or the whole message when it has no question mark.

    CONTRACT.md: the question decides the intent, and of several questions the first. Real
    messages often tell a situation, then ask, then ask again (「医保不能断交几个月?断交后如何补交?」
    is ask_lapse_impact); the intent classifier sees the first question's n-grams a second time,
    as features of their own, and the decisive neighbour words are looked for in it."""
    match = _QUESTION.search(text)
    return match.group(0) if match else text


def decisive_topic(text: Any) -> Optional[Dict[str, Any]]:
    """The topic when the message's first question says one of a topic's ``decisive`` words
    (异地就医, 百万医疗, 报销比例, 生育, 落户 ...): a neighbouring question even when it names
    medical insurance and uses lapse words (CONTRACT.md: 「医保断了生育险还能报销吗」 is about
    maternity). Looked for in the first question only, so that 「医保断了三个月怎么办？异地就医能
    报吗」 is still the lapse question. None otherwise."""
    question = first_question(normalize_chars(text))
    for topic in out_of_scope_table().get("topics") or []:
        if any(str(k) in question for k in topic.get("decisive") or []):
            return topic
    return None


def out_of_scope_rule(text: Any) -> Optional[Dict[str, Any]]:
    """The neighbouring topic that makes a message out_of_scope whatever the intent model says
    (another scheme named without medical insurance, or a decisive word in the first question),
    or None: the model decides."""
    return other_scheme_topic(text) or decisive_topic(text)


# --------------------------------------------------------------------------------------------
# Chinese numerals
# --------------------------------------------------------------------------------------------

CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
    "三": 3, "叁": 3, "仨": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
    "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}

_SCI_RX = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d{1,4}")
_DIGIT_CHARS = "".join(CN_DIGITS)
_UNIT_CHARS = "".join(CN_UNITS) + "".join(CN_BIG)
# A run that may be a number: Arabic (with decimals) and/or Chinese numerals.
NUM = rf"(?:\d+(?:\.\d+)?[{_DIGIT_CHARS}{_UNIT_CHARS}\d]*|[{_DIGIT_CHARS}{_UNIT_CHARS}]+(?:\d+)?)"
_NUM_CHAR = rf"[\d.{_DIGIT_CHARS}{_UNIT_CHARS}]"


def _parse_section(s: str) -> Optional[float]:
    """Value of a section below 万 (may contain Arabic digits): 三千二百, 两千五, 3千, 二十."""
    if s == "":
        return 0.0
    total = 0.0
    cur: Optional[float] = None
    last_unit = 0
    after_zero = False
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() or ch == ".":
            m = re.match(r"\d+(?:\.\d+)?", s[i:])
            if not m:
                return None
            if cur is not None:
                return None
            cur = float(m.group(0))
            i += len(m.group(0))
            continue
        if ch in CN_DIGITS:
            d = CN_DIGITS[ch]
            if d == 0:
                after_zero = True
                cur = None
            else:
                if cur is not None:
                    return None  # two digits in a row inside a unit number: not a number
                cur = float(d)
            i += 1
            continue
        if ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if last_unit and unit >= last_unit:
                return None
            total += (cur if cur is not None else 1.0) * unit
            cur = None
            last_unit = unit
            after_zero = False
            i += 1
            continue
        return None
    if cur is not None:
        if last_unit and not after_zero and last_unit >= 100 and cur < 10:
            # Colloquial: 两千五 = 2500, 三百五 = 350.
            total += cur * last_unit / 10
        else:
            total += cur
    return total


def parse_number(text: Any) -> Optional[float]:
    """Parse an Arabic, Chinese or mixed number. Returns None when it is not a number.

    >>> parse_number("十一"), parse_number("两千五"), parse_number("一万二"), parse_number("1.2万")
    (11.0, 2500.0, 12000.0, 12000.0)
    """
    s = normalize_text(text).replace(",", "").replace("，", "")
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if _SCI_RX.fullmatch(s):
        # 1.5e4 -> 15000.0; overflow (1e999) gives inf, which no caller accepts.
        v = float(s)
        return v if math.isfinite(v) else None
    # A plain string of Chinese digits: 二零二五 -> 2025 (one digit: 三 -> 3).
    if all(ch in CN_DIGITS for ch in s):
        return float("".join(str(CN_DIGITS[ch]) for ch in s))
    if not re.fullmatch(rf"[\d.{_DIGIT_CHARS}{_UNIT_CHARS}]+", s):
        return None
    total = 0.0
    rest = s
    for big_char, big in sorted(CN_BIG.items(), key=lambda kv: -kv[1]):
        if big_char not in rest:
            continue
        head, _, rest = rest.partition(big_char)
        if big_char in rest:
            return None
        v = _parse_section(head) if head else 1.0
        if v is None:
            return None
        total += v * big
        # Colloquial tail after 万: 一万二 = 12000, 1万5 = 15000.
        if rest and (re.fullmatch(r"\d", rest) or (len(rest) == 1 and rest in CN_DIGITS)):
            d = float(rest) if rest.isdigit() else float(CN_DIGITS[rest])
            return total + d * big / 10
    v = _parse_section(rest)
    if v is None:
        return None
    return total + v


def _num(s: Optional[str]) -> Optional[float]:
    return parse_number(s) if s else None


# --------------------------------------------------------------------------------------------
# Spans
# --------------------------------------------------------------------------------------------


@dataclass
class Span:
    """A parsed piece of text. ``kind``: duration, range, date, money, gender."""

    start: int
    end: int
    kind: str
    value: Any
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


_NOT_AFTER_NUM = rf"(?<!{_NUM_CHAR})"


# --------------------------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------------------------

_CONSEC = {
    "一二": 2, "一两": 2, "两三": 3, "二三": 3, "三四": 4, "四五": 5, "五六": 6, "六七": 7,
    "七八": 8, "八九": 9, "九十": 10,
}
_RANGE_SEP = r"\s*(?:到|至|~|～|-|－|—|或|、)\s*"
_DAY_UNIT = r"(?:天|日(?![子期常])|号(?=以上|左右))"
_WEEK_UNIT = r"(?:个)?(?:星期|礼拜|周(?![一二三四五六日末岁年]))"
_MONTH_UNIT = r"(?:个多月|多个月|个半月|个月|個月|个整月|月(?![份号日底初中]))"
_YEAR_UNIT = r"(?:年(?![级龄代纪前度份底初中终]))"


def _months_from_days(days: float) -> int:
    return max(1, int(math.ceil(days / 30.0 - 1e-9)))


_DURATION_PATTERNS: List[Tuple[re.Pattern, str]] = []


def _dp(regex: str, name: str) -> None:
    _DURATION_PATTERNS.append((re.compile(regex), name))


# Order matters only for readability; overlaps are resolved longest-first.
_dp(_NOT_AFTER_NUM + rf"(?P<y>{NUM})年(?:零|又)?(?P<m>{NUM})(?:个)?(?P<half>半|多)?个?月(?![份号日底初中])", "ym")
# 多 after a unit is vague (一年多 -> 13) unless it begins 多少 (一年多少钱: how much a year).
_dp(_NOT_AFTER_NUM + rf"(?P<y>{NUM})年(?P<q>半|多(?!少))", "y_half")
_dp(_NOT_AFTER_NUM + rf"(?P<y>{NUM})(?P<q>多|来)?个?(?:整)?{_YEAR_UNIT}(?P<q2>多(?!少)|半)?", "y")
_dp(r"(?P<big>大)?半年(?P<q>多(?!少))?", "half_year")
_dp(r"半个(?:多)?月", "half_month")
_dp(_NOT_AFTER_NUM + rf"(?P<a>[一二两三四五六七八九])(?P<b>[两二三四五六七八九十])(?P<u>个多月|个月|多个月|年|天|个星期|星期|周)", "consec")
_dp(_NOT_AFTER_NUM + rf"十(?P<a>[一二三四五六七八])(?P<b>[二三四五六七八九])(?P<u>个月|年|天)", "consec10")
_dp(_NOT_AFTER_NUM + rf"(?P<a>{NUM}){_RANGE_SEP}(?P<b>{NUM})(?P<u>个多月|个月|多个月|年|天|个星期|星期|周)", "range")
_dp(_NOT_AFTER_NUM + rf"(?P<n>{NUM})(?P<u>个多月|多个月|个半月|个月|個月|个整月|月(?![份号日底初中]))", "m")
_dp(_NOT_AFTER_NUM + rf"(?P<n>{NUM})(?P<q>多)?个?季度", "quarter")
_dp(_NOT_AFTER_NUM + rf"(?P<n>{NUM})(?P<q>多|来)?{_WEEK_UNIT}", "week")
_dp(_NOT_AFTER_NUM + rf"(?P<n>{NUM})(?P<q>多|来)?{_DAY_UNIT}", "day")


_BARE_MONTH_BEFORE = re.compile(r"(?:断|停|断缴|停缴|断交|停交|停保|断档|中断|欠|欠缴|欠费|补|补缴|补交|没交|没缴|未缴|没续上)了?$")


def _duration_from_match(name: str, m: re.Match) -> Optional[Tuple[int, Optional[int], str, bool]]:
    """(months, days or None, unit, vague) for one regex match, or None if not a duration."""
    g = m.groupdict()
    if name == "ym":
        y, mo = _num(g["y"]), _num(g["m"])
        if y is None or mo is None or y >= 100 or mo >= 12:
            return None
        if "个" not in m.group(0) and not re.search(r"[零又]", m.group(0)) and y >= 10:
            return None  # 25年3月 is a date, not 25 years 3 months
        extra = 1 if g.get("half") else 0
        return int(y * 12 + mo + extra), None, "year", bool(extra)
    if name == "y_half":
        y = _num(g["y"])
        if y is None or y >= 100 or y != int(y):
            return None
        return int(y * 12 + (6 if g["q"] == "半" else 1)), None, "year", g["q"] == "多"
    if name == "y":
        y = _num(g["y"])
        if y is None or y <= 0 or y >= 100:
            return None  # 2025年 is a calendar year
        if re.match(rf"\s*(?:{NUM})月", m.string[m.end():]):
            return None  # 25年3月 is a date
        months = y * 12
        vague = bool(g.get("q") or g.get("q2"))
        if g.get("q2") == "半":
            months += 6
            vague = False
        elif vague and g.get("q") != "来":
            months += 1
        return int(math.ceil(months)), None, "year", vague
    if name == "half_year":
        return (7 if (g.get("q") or g.get("big")) else 6), None, "month", bool(g.get("q") or g.get("big"))
    if name == "half_month":
        return 1, 15, "day", True
    if name in ("consec", "consec10"):
        a, b = g["a"], g["b"]
        if name == "consec":
            if a + b not in _CONSEC:
                return None
            upper = _CONSEC[a + b]
        else:
            if CN_DIGITS[b] != CN_DIGITS[a] + 1:
                return None
            upper = 10 + CN_DIGITS[b]
        return _with_unit(upper, g["u"], vague=True)
    if name == "range":
        a, b = _num(g["a"]), _num(g["b"])
        if a is None or b is None or not (0 < a < b) or b > 1000:
            return None
        return _with_unit(b, g["u"], vague=True)
    if name == "m":
        n = _num(g["n"])
        # Absurd counts (断了500个月) are kept for the dialogue to question; only numbers too
        # long to be a duration at all are dropped.
        if n is None or n <= 0 or n > MAX_MONTHS_READ:
            return None
        u = g["u"]
        if u.startswith("月"):
            # Bare "3月" is a calendar month (3月交的) unless a lapse verb sits right before it.
            colloquial = g["n"] in ("仨", "俩", "两")  # 仨月 / 俩月 are never calendar months
            if n > 12 or not (colloquial or _BARE_MONTH_BEFORE.search(
                    m.string[max(0, m.start() - 6):m.start()])):
                return None
        if u in ("个多月", "多个月", "个半月"):
            return int(math.floor(n)) + 1, None, "month", True
        return int(math.ceil(n)), None, "month", n != int(n)
    if name == "quarter":
        n = _num(g["n"])
        if n is None or n <= 0 or n > 100:
            return None
        return int(n * 3) + (1 if g.get("q") else 0), None, "month", bool(g.get("q"))
    if name == "week":
        n = _num(g["n"])
        if n is None or n <= 0 or n > 520:
            return None
        days = int(n * 7) + (1 if g.get("q") == "多" else 0)
        return _months_from_days(days), days, "day", bool(g.get("q"))
    if name == "day":
        n = _num(g["n"])
        if n is None or n <= 0 or n > 20000 or n != int(n):
            return None
        days = int(n) + (1 if g.get("q") == "多" else 0)
        return _months_from_days(days), days, "day", bool(g.get("q"))
    return None


def _exact_months(name: str, m: re.Match) -> Optional[float]:
    """The months as stated when they are not whole (3.5个月 -> 3.5, 两个半月 -> 2.5), else None.

    Vague amounts (三个多月) have no exact value; whole months need no note."""
    g = m.groupdict()
    try:
        if name == "m":
            n = _num(g["n"])
            if n is None:
                return None
            exact = n + 0.5 if g["u"] == "个半月" else (n if g["u"] not in ("个多月", "多个月") else None)
        elif name == "ym" and g.get("half") == "半":
            exact = _num(g["y"]) * 12 + _num(g["m"]) + 0.5
        elif name == "y" and not (g.get("q") or g.get("q2")):
            exact = _num(g["y"]) * 12
        else:
            return None
    except (TypeError, ValueError):
        return None
    if exact is None or exact == int(exact):
        return None
    return round(float(exact), 2)


MAX_MONTHS_READ = 99_999


def _with_unit(n: float, unit: str, vague: bool) -> Tuple[int, Optional[int], str, bool]:
    if unit in ("年",):
        return int(n * 12), None, "year", vague
    if unit == "天":
        return _months_from_days(n), int(n), "day", vague
    if unit in ("个星期", "星期", "周"):
        return _months_from_days(n * 7), int(n * 7), "day", vague
    if unit in ("个多月", "多个月"):
        return int(n) + 1, None, "month", True
    return int(n), None, "month", vague


# Bounds on a duration (the header of tests/entity_cases.yml states the rules):
# * strict lower bound, "more than N whole units": 超过三个月 -> 4, 超过半年 -> 7, 超过一年 -> 13,
#   超过90天 -> 91 days (4 months); the span takes in the bound word and counts as vague;
# * inclusive lower bound (以上 / 及以上 / 至少 / 最少 / 起码): the number itself, unchanged;
# * upper bound (不到 / 不满 / 不超过 / 以内 / 之内 / 以下 ...): the count is not fixed, so the span
#   is kept (its words are a duration, nothing else) but marked and gives no entity or answer.
_NOT = r"(?:不|没有?|未)"
_STRICT_BEFORE = re.compile(r"(?<![不没未])(?:超过|超出|多于|大于)了?$")
_STRICT_AFTER = re.compile(r"^(?:还多|多(?![少久长次个人交缴付])|出头|开外)")
_UPPER_BEFORE = re.compile(
    rf"(?:(?:不到|不满|未满|没满|没有?到|未到|不足|少于|小于|{_NOT}超过|{_NOT}超出|{_NOT}多于)了?"
    r"|(?:最多|顶多|至多)(?:断缴|断交|停缴|停交|断|停|欠|没交|没缴)?了?)$"
)
_UPPER_AFTER = re.compile(r"^(?:以内|之内|以下|之下|不到)")


def _apply_bound(s: str, sp: Span) -> Span:
    """The span with its bound word read (see the rules above); unchanged when it has none."""
    before = s[max(0, sp.start - 8):sp.start]
    after = s[sp.end:sp.end + 4]
    upper_before = _UPPER_BEFORE.search(before)
    if upper_before or _UPPER_AFTER.match(after):
        sp.extra["bound"] = "upper"
        return sp
    strict_before = _STRICT_BEFORE.search(before)
    strict_after = None if strict_before else _STRICT_AFTER.match(after)
    if not (strict_before or strict_after) or sp.extra.get("vague") or sp.extra.get("exact"):
        return sp  # 超过三个多月 is already rounded up; 超过3.5个月 keeps its own rounding
    days = sp.extra.get("days")
    if days is not None:
        days = int(days) + 1
        value = _months_from_days(days)
    else:
        value = int(sp.value) + 1
    start = sp.start - len(strict_before.group(0)) if strict_before else sp.start
    end = sp.end + len(strict_after.group(0)) if strict_after else sp.end
    return Span(start, end, sp.kind, value,
                {**sp.extra, "days": days, "vague": True, "bound": "over"})


def parse_durations(text: Any) -> List[Span]:
    """All durations in ``text`` as spans with value = months (int).

    A span under an upper bound (不到三个月) has ``extra["bound"] == "upper"``: its value is the
    bound, not a count, and callers give no entity for it."""
    s = normalize_chars(text)
    found: List[Span] = []
    for rx, name in _DURATION_PATTERNS:
        for m in rx.finditer(s):
            try:
                r = _duration_from_match(name, m)
            except (ValueError, KeyError, OverflowError):
                r = None
            if r is None:
                continue
            months, days, unit, vague = r
            if months <= 0:
                continue
            found.append(Span(m.start(), m.end(), "duration", months,
                              {"days": days, "unit": unit, "vague": vague,
                               "exact": _exact_months(name, m)}))
    return [_apply_bound(s, sp) for sp in _resolve(found)]


def duration_to_months(text: Any) -> Optional[int]:
    """Months of the first duration in ``text`` (三个多月 -> 4, 超过三个月 -> 4), or None
    (also when it is only an upper bound: 不到三个月)."""
    spans = parse_durations(text)
    if not spans or spans[0].extra.get("bound") == "upper":
        return None
    return spans[0].value


# --------------------------------------------------------------------------------------------
# Dates and month ranges
# --------------------------------------------------------------------------------------------

_CN_MONTH = r"(?:十[一二]|[一二三四五六七八九十]|1[0-2]|0?[1-9])"
_CN_DAY = r"(?:三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]|3[01]|[12]\d|0?[1-9])"
_YEAR_REF = r"(?:(?P<{p}y>(?:19|20)\d{{2}}|\d{{2}}|[二〇零一九]{{4}})年|(?P<{p}rel>今年|去年|前年|明年|大前年))"
_MONTH_REF = (r"(?:" + _YEAR_REF + r")?(?P<{p}m>" + _CN_MONTH + r")月(?:份)?"
              r"(?:(?P<{p}d>" + _CN_DAY + r")[日号])?")
_NOW = r"(?P<now>现在|目前|今天|至今|当前|这个月|本月|如今)"

_RANGE_RX = re.compile(
    r"(?:从|自)?\s*" + _MONTH_REF.format(p="a") + r"\s*(?:开始|起)?\s*"
    + r"(?:[^，。,.;；!?！？]{0,6}?)"
    + r"(?:到|至|~|～|-|－|—|一直到|直到)\s*(?:"
    + _MONTH_REF.format(p="b") + r"|" + _NOW + r")"
)
_SINCE_RX = re.compile(
    r"(?:从|自)\s*" + _MONTH_REF.format(p="a") + r"\s*(?:开始|起|以来)"
    r"|" + _MONTH_REF.format(p="c") + r"\s*(?:以来|至今)"
)
_DATE_RX = re.compile(
    r"(?:" + _YEAR_REF.format(p="") + r")?(?P<m>" + _CN_MONTH + r")月(?P<d>" + _CN_DAY + r")[日号]"
    r"|(?P<iy>(?:19|20)\d{2})[-/.](?P<im>1[0-2]|0?[1-9])[-/.](?P<id>3[01]|[12]\d|0?[1-9])(?!\d)"
)
_REL_YEAR = {"今年": 0, "去年": -1, "前年": -2, "大前年": -3, "明年": 1}


def _year_of(y: Optional[str], rel: Optional[str], today: date) -> Optional[int]:
    if rel:
        return today.year + _REL_YEAR[rel]
    if y:
        if all(ch in CN_DIGITS for ch in y):
            return int("".join(str(CN_DIGITS[ch]) for ch in y))
        v = int(y)
        return 2000 + v if v < 100 else v
    return None


def _month_of(m: str) -> Optional[int]:
    v = parse_number(m)
    if v is None or not (1 <= v <= 12):
        return None
    return int(v)


def month_range_months(start_year: int, start_month: int, end_year: int, end_month: int) -> Optional[int]:
    """Months from start to end, both included; None when end is before start."""
    n = (end_year - start_year) * 12 + (end_month - start_month) + 1
    return n if 0 < n <= 1200 else None


def parse_month_ranges(text: Any, today: Optional[date] = None) -> List[Span]:
    """Month ranges (去年8月到今年1月 -> 6) and 'since' phrases (从去年8月开始 -> to today)."""
    today = today or date.today()
    s = normalize_chars(text)
    out: List[Span] = []
    for m in _RANGE_RX.finditer(s):
        g = m.groupdict()
        sm = _month_of(g["am"])
        if sm is None:
            continue
        sy = _year_of(g.get("ay"), g.get("arel"), today)
        if g.get("now"):
            ey, em = today.year, today.month
        else:
            em = _month_of(g["bm"] or "")
            if em is None:
                continue
            ey = _year_of(g.get("by"), g.get("brel"), today)
        if ey is None:
            ey = sy if sy is not None else (today.year if em <= today.month else today.year - 1)
            if sy is not None and em < sm:
                ey = sy + 1
        if sy is None:
            sy = ey if sm <= em else ey - 1
        n = month_range_months(sy, sm, ey, em)
        if n is None:
            continue
        out.append(Span(m.start(), m.end(), "range", n,
                        {"start": f"{sy:04d}-{sm:02d}", "end": f"{ey:04d}-{em:02d}"}))
    for m in _SINCE_RX.finditer(s):
        g = m.groupdict()
        p = "a" if g.get("am") else "c"
        sm = _month_of(g[p + "m"] or "")
        if sm is None:
            continue
        sy = _year_of(g.get(p + "y"), g.get(p + "rel"), today)
        if sy is None:
            sy = today.year if sm <= today.month else today.year - 1
        n = month_range_months(sy, sm, today.year, today.month)
        if n is None:
            continue
        out.append(Span(m.start(), m.end(), "range", n,
                        {"start": f"{sy:04d}-{sm:02d}", "end": f"{today.year:04d}-{today.month:02d}"}))
    return _resolve(out)


def parse_dates(text: Any, today: Optional[date] = None) -> List[Span]:
    """Full dates with a day (2025年3月15日, 3月15号, 2025-03-15) as ISO strings.

    Without a year: this year, or last year if that date is still in the future.
    """
    today = today or date.today()
    s = normalize_chars(text)
    out: List[Span] = []
    for m in _DATE_RX.finditer(s):
        g = m.groupdict()
        try:
            if g.get("iy"):
                y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
            else:
                mo = _month_of(g["m"])
                dv = parse_number(g["d"])
                if mo is None or dv is None:
                    continue
                d = int(dv)
                y = _year_of(g.get("y"), g.get("rel"), today)
                if y is None:
                    y = today.year
                    if date(y, mo, d) > today:
                        y -= 1
            iso = date(y, mo, d).isoformat()
        except (ValueError, TypeError):
            continue
        out.append(Span(m.start(), m.end(), "date", iso))
    return out


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------

_MONEY_UNIT_RX = re.compile(
    _NOT_AFTER_NUM + r"(?<!分之)"
    rf"(?P<n>\d+(?:\.\d+)?[eE][+-]?\d{{1,4}}(?![\d.])|\d+(?:\.\d+)?|{NUM})\s*(?P<mag>[kKwW千万](?!分之))?\s*(?P<yuan>块钱|元钱|元|块|圆|rmb|RMB)?"
    r"(?![\d.]|个|年|月|天|日|号|岁|次|倍|%|％|周|星期|季度|分之|多个|人|家|分钟|小时)"
)
_WAGE_WORDS = r"工资|月薪|薪水|薪资|收入|基数|挣|底薪|月入|税前|到手|缴费基数|每月拿|一个月拿"
_OWED_WORDS = r"欠|欠缴|滞纳|拖欠|补缴金额|补交金额|欠费|未缴金额|罚款|罚"
_WAGE_RX = re.compile(_WAGE_WORDS)
# Bare numbers next to these words are money too (amount unless wage/owed words decide).
_PAY_MONEY_RX = re.compile(r"交|缴|付|花|保费|费用|每年|每月|一年|一个月|标准|多少钱")
_OWED_RX = re.compile(_OWED_WORDS)
_CLAUSE_BREAK = re.compile(r"[，。,;；!?！？\n]")


def _money_value(n: str, mag: Optional[str]) -> Optional[float]:
    v = parse_number(n)
    if v is None:
        return None
    if mag in ("k", "K", "千"):
        v *= 1000
    elif mag in ("w", "W", "万"):
        v *= 10000
    return round(v, 2)


def parse_money(text: Any) -> List[Span]:
    """Money amounts in yuan. Only spans with a currency unit, a magnitude (千/万/k/w) in the
    number, or a bare number >= 100 in wage/owed context (or as the whole message)."""
    s = normalize_chars(text)
    out: List[Span] = []
    whole = s.strip()
    for m in _MONEY_UNIT_RX.finditer(s):
        n, mag, yuan = m.group("n"), m.group("mag"), m.group("yuan")
        # Chinese numbers: "一" alone (一直, 一下) is not money; rates 万分之五 are excluded above.
        has_magnitude = bool(mag) or bool(re.search(r"[千万仟萬kKwW]", n))
        if not (yuan or has_magnitude):
            if not (re.fullmatch(r"\d+(?:\.\d+)?", n) or _SCI_RX.fullmatch(n)):
                continue
            v = float(n)
            if v < 100:
                continue
            ctx = _context_before(s, m.start(), 10) + s[m.end():m.end() + 4]
            is_whole = whole in (n, n + "左右", n + "多")
            if not (is_whole or _WAGE_RX.search(ctx) or _OWED_RX.search(ctx)
                    or _PAY_MONEY_RX.search(_context_before(s, m.start(), 4))):
                continue
            if re.fullmatch(r"(19|20)\d{2}", n) and not (is_whole or _WAGE_RX.search(ctx)):
                continue  # a year, most likely
        v = _money_value(n, mag)
        if v is None or v <= 0:
            continue
        # Absurd amounts (1e20元) are kept: the dialogue questions them instead of the parser
        # silently reading a neighbouring number (20元).
        end = m.end()
        # Do not swallow trailing spaces into the span.
        while end > m.start() and s[end - 1].isspace():
            end -= 1
        out.append(Span(m.start(), end, "money", v))
    return _resolve(out)


def _context_before(s: str, pos: int, width: int) -> str:
    left = s[max(0, pos - width):pos]
    parts = _CLAUSE_BREAK.split(left)
    return parts[-1] if parts else left


def classify_money(text: str, span: Span) -> str:
    """monthly_wage | arrears | amount, from the nearest context word in the same clause."""
    s = normalize_chars(text)
    before = _context_before(s, span.start, 12)
    after = _CLAUSE_BREAK.split(s[span.end:span.end + 8])[0]
    best: Optional[Tuple[int, str]] = None
    for rx, name in ((_WAGE_RX, "monthly_wage"), (_OWED_RX, "arrears")):
        for m in rx.finditer(before):
            dist = len(before) - m.end()
            if best is None or dist < best[0]:
                best = (dist, name)
        m = rx.search(after)
        if m:
            dist = m.start() + 1
            if best is None or dist < best[0]:
                best = (dist, name)
    return best[1] if best else "amount"


# --------------------------------------------------------------------------------------------
# Gender
# --------------------------------------------------------------------------------------------

_GENDER_RX = re.compile(
    r"(?:我是|本人|性别\s*[:：]?\s*|我)(?:是)?(?:一[个名位])?(?P<g1>男|女)(?:性|的|生|士|同志|职工)?(?![朋友儿婿方孩子人])"
    r"|(?<![儿子孙外甥])(?P<g2>男|女)(?:性|职工|员工|同志)"
    r"|(?<![我你他她])(?P<g3>女)士"
    r"|我是.{0,3}?(?P<g4>先生)"
    r"|(?:^|(?<=[，,。.?？!！;；:：\s]))(?P<g5>男|女)(?:的|性)?(?=[，,。.?？!！;；\s]|$)"
)


def parse_gender(text: Any) -> List[Span]:
    s = normalize_chars(text)
    out: List[Span] = []
    whole = s.strip().rstrip("。.!！")
    if whole in ("男", "女", "男的", "女的", "男性", "女性", "男士", "女士", "男生", "女生"):
        start = s.index(whole[0])
        return [Span(start, start + len(whole), "gender", "male" if whole[0] == "男" else "female")]
    for m in _GENDER_RX.finditer(s):
        key = next((k for k in ("g1", "g2", "g3", "g5") if m.group(k)), None)
        if key:
            g = m.group(key)
            out.append(Span(m.start(key), m.end(), "gender", "male" if g == "男" else "female"))
        elif m.group("g4"):
            out.append(Span(m.start("g4"), m.end("g4"), "gender", "male"))
    return _resolve(out)


# --------------------------------------------------------------------------------------------
# Context rules and the one-call extractor
# --------------------------------------------------------------------------------------------

_LATE_FEE_STRONG = re.compile(r"滞纳|逾期|晚交|晚缴|迟交|迟缴|超期|延迟|过期|晚了|拖了|拖延|拖到|拖过")
_LAPSE_VERBS = re.compile(r"断|停|没交|没缴|没有交|没有缴|未交|未缴|漏|欠|补|空了|中断|间断|没续|断档")
_WAITING_BEFORE = re.compile(r"(?:等待期|观察期|等|再等|要等|需要等)(?:是|为|有|了|:|：)?(?:大概|大约|至少|最少)?$")
_WAITING_AFTER = re.compile(r"^(?:以?后|之后|以后)?(?:才|就能|就可以|能|可以|开始|恢复|内)")
_SHORTFALL = re.compile(r"(?:还差|差|还需|还需要|还要|需要|要交满|交满|缴满|满|没交够|没缴够|未交够|未缴够|不够)$")
_RATE_BEFORE = re.compile(r"(?:每|按|一次性)$")
# 多少钱一个月 / 多少钱一年: the price of a period, asked (a rate when the period is one unit).
_PRICE_BEFORE = re.compile(r"(?:多少钱|多少|几块钱|多少元)$")
_RATE_AFTER = re.compile(r"^(?:要|得|需要)?(?:交|缴|付)?(?:多少|几|大概|费用|的钱|的费用|保费)")
_CLAIM_FREE_AFTER = re.compile(r"^(?:都|也|一直|一次)?(?:没有?|未)(?:怎么)?(?:报销|看病|看过病|住院|生病|用过?(?:医保)?|报过|刷)")
_REQUIREMENT_BEFORE = re.compile(r"(?:要|需要|得|必须|应该|应|规定|最少|至少)(?:交|缴|缴费|参保)(?:够|满|足)?$")
_PER_PERIOD_AFTER = re.compile(r"^(?:的)?(?:收入|挣|赚|工资|薪水|拿|到手|交|缴|多少|要|大概|能|得|的费用|费用|保费)")
_PAY_VERB_BEFORE = re.compile(
    r"(?<![补没未欠断停漏晚迟少])(?:交了|缴了|交满了?|缴满了?|交够了?|缴够了?|交足了?|缴足了?|已交|已缴|"
    r"已经交了|已经缴了|累计缴费|累计缴纳|累计交了|累计缴了|累计交|累计缴|缴费|交费|参保|参保了|"
    r"缴费年限(?:是|有|为|:|：)?|年限(?:是|有|为|:|：)?|工龄|交社保|缴社保|交医保|缴医保)"
    r"(?:医保|社保|职工医保)?(?:有|都)?$"
)
_CONTINUOUS_BEFORE = re.compile(
    r"连续(?:参保|缴费|缴纳|交费|交了|缴了|交|缴|参保了)(?:医保|社保)?(?:了|有|都)?$"
)


def _clause(s: str, span: Span, width: int = 40) -> str:
    """The clause around a span (bounded to ``width`` characters on each side)."""
    left = _CLAUSE_BREAK.split(s[max(0, span.start - width):span.start])[-1]
    right = _CLAUSE_BREAK.split(s[span.end:span.end + width])[0]
    return left + s[span.start:span.end] + right


class _Occupancy:
    """Characters already claimed by a kept span (linear-time overlap checks)."""

    def __init__(self, size: int) -> None:
        self._taken = bytearray(size + 1)

    def claim(self, sp: Span) -> bool:
        if sp.end > len(self._taken):
            self._taken.extend(bytearray(sp.end - len(self._taken) + 1))
        if any(self._taken[sp.start:sp.end]):
            return False
        self._taken[sp.start:sp.end] = b"\x01" * (sp.end - sp.start)
        return True


def _resolve(spans: List[Span]) -> List[Span]:
    """Keep non-overlapping spans, longest first, then leftmost; return them in text order."""
    occ = _Occupancy(max((sp.end for sp in spans), default=0))
    kept = [sp for sp in sorted(spans, key=lambda x: (-x.length, x.start)) if occ.claim(sp)]
    return sorted(kept, key=lambda x: x.start)


def _entity(name: str, value: Any, span: Span) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": span.start, "end": span.end}


def _duration_entities(s: str, sp: Span) -> List[Dict[str, Any]]:
    if sp.extra.get("bound") == "upper":
        return []  # 不到三个月 / 三个月以内: no count stated; the form asks
    before = s[max(0, sp.start - 14):sp.start]
    before_clause = _CLAUSE_BREAK.split(before)[-1]
    after = s[sp.end:sp.end + 8]
    clause = _clause(s, sp)
    months = int(sp.value)
    unit = sp.extra.get("unit")
    days = sp.extra.get("days")
    overdue = int(days) if days is not None else months * 30
    if _LATE_FEE_STRONG.search(clause):
        return [_entity("overdue_days", overdue, sp)]
    if _CONTINUOUS_BEFORE.search(before_clause):
        return [_entity("continuous_years", max(1, months // 12) if months >= 12 else 0, sp)] \
            if months >= 12 else []
    if _CLAIM_FREE_AFTER.search(after):
        # 两年没报销: claim-free years (incentives), not a lapse.
        return [_entity("claim_free_years", months // 12, sp)] if unit == "year" and months >= 12 else []
    if _REQUIREMENT_BEFORE.search(before_clause):
        return []  # 要交够25年吗: a rule being asked about, not the user's own years
    if _PAY_VERB_BEFORE.search(before_clause):
        if unit == "year":
            years = months / 12.0
            if sp.extra.get("vague"):
                years = math.floor(years)  # 交了二十多年 -> 20: never overstate years paid
            return [_entity("years_paid", round(float(years), 2), sp)]
        return []  # 交了三个月: months paid, neither a lapse nor years
    if _SHORTFALL.search(before_clause):
        return []
    if (re.fullmatch(r"[一1]\s*(?:个)?(?:月|年)", s[sp.start:sp.end])
            and (_PER_PERIOD_AFTER.search(after) or _PRICE_BEFORE.search(before_clause))
            and not _BARE_MONTH_BEFORE.search(before_clause)):
        return []  # 一个月收入五千 / 一年交多少 / 多少钱一个月: a rate, not a duration
    if _RATE_BEFORE.search(before_clause) or (
        _RATE_AFTER.search(after) and not _LAPSE_VERBS.search(clause)
    ):
        return []
    if _WAITING_BEFORE.search(before_clause) or (
        _WAITING_AFTER.search(after) and not re.search(r"断|停|没交|没缴|未缴|欠", before_clause)
    ):
        return []
    if re.match(r"(?:之?前|以前)", after) and not _LAPSE_VERBS.search(clause):
        return []
    out = [_entity("lapse_months", months, sp)]
    if sp.extra.get("exact") is not None:
        # 3.5个月: the rule gets the whole months (4, "more than 3"); the dialogue says so.
        out.append(_entity("lapse_months_stated", sp.extra["exact"], sp))
    if sp.kind == "range" and sp.extra.get("start"):
        out.append(_entity("lapse_start", sp.extra["start"] + "-01", sp))
    return out


# --------------------------------------------------------------------------------------------
# Lapsed 年度, age, resident group, premium tier
# --------------------------------------------------------------------------------------------

_ONE_YEAR = r"(?:(?:19|20)\d{2}|[二〇零一九]{4})年(?:度)?(?![\d一二三四五六七八九十]{1,2}月)|大前年|前年|去年|今年"
_YEAR_LIST_SEP = r"\s*(?:和|、|跟|与|及|以及|还有|加上|,|，|/)\s*"
_YEAR_RANGE_SEP = r"\s*(?:到|至|~|～|-|—)\s*"
_NOT_PAID = (r"(?:没有?|未|漏|忘了?|忘记|没来得及)(?:交|缴|续|参保|买)|断缴|断交|停缴|停交|停保|欠缴|欠费"
             r"|没续上|断档|空着|空了")
_LAPSED_YEARS_RX = re.compile(
    rf"(?P<list>(?:{_ONE_YEAR})(?:(?:{_YEAR_LIST_SEP}|{_YEAR_RANGE_SEP})(?:{_ONE_YEAR}))*)"
    rf"(?P<mid>[^，。,.;；!?！？\d]{{0,10}}?)(?:{_NOT_PAID})"
)
_ONE_YEAR_RX = re.compile(_ONE_YEAR)


def _year_value(token: str, today: date) -> Optional[int]:
    token = token.rstrip("度").rstrip("年") if token not in _REL_YEAR else token
    if token in _REL_YEAR:
        return today.year + _REL_YEAR[token]
    if all(ch in CN_DIGITS for ch in token):
        return int("".join(str(CN_DIGITS[ch]) for ch in token))
    try:
        return int(token)
    except ValueError:
        return None


def parse_lapsed_years(text: Any, today: Optional[date] = None) -> List[Span]:
    """年度 named as not paid: 去年没交 -> [2025], 前年和去年都没交, 2023年到2025年没交.

    One span per statement; value is the sorted list of years (a range counts both ends);
    ``extra["parts"]`` holds (start, end, value) per named year or range, value an int year
    or a "2023-2025" range string, so each entity has its own words in the message."""
    today = today or date.today()
    s = normalize_chars(text)
    out: List[Span] = []
    for m in _LAPSED_YEARS_RX.finditer(s):
        mid = m.group("mid")
        if re.search(r"交了|缴了|交过|缴过|已交|已缴|交的|缴的|开始交|补", mid):
            continue  # 去年交了，今年没交: the named year was paid
        rest = _CLAUSE_BREAK.split(s[m.end():m.end() + 20])[0]
        if any(sp.extra.get("unit") != "year" for sp in parse_durations(mid + rest)):
            continue  # 去年漏交了三个月: some months of that year, not the whole 年度
        listed = m.group("list")
        tokens = list(_ONE_YEAR_RX.finditer(listed))
        years: List[int] = []
        base = m.start("list")
        parts: List[Tuple[int, int, Any]] = []
        for i, tok in enumerate(tokens):
            y = _year_value(tok.group(0), today)
            if y is None:
                years = []
                break
            if i > 0 and re.fullmatch(_YEAR_RANGE_SEP, listed[tokens[i - 1].end():tok.start()]):
                prev = years[-1]
                if not prev < y <= prev + 50:
                    years = []
                    break
                years.extend(range(prev + 1, y + 1))
                first = parts.pop()
                parts.append((first[0], base + tok.end(), f"{prev}-{y}"))
            else:
                years.append(y)
                parts.append((base + tok.start(), base + tok.end(), y))
        years = sorted(set(years))
        if not years or years[0] < 1990 or years[-1] > today.year + 1:
            continue
        out.append(Span(m.start("list"), m.end("list"), "years", years, {"parts": parts}))
    return out


_AGE_RX = re.compile(
    rf"(?P<n>\d{{1,3}}|[{_DIGIT_CHARS}十百]{{1,4}})(?:周岁|岁)(?=了|啦|$|[^多])"
    r"(?!以上|以下|及以上|及以下|之前|之后|以前|以后|前|后|起|开始|的人|的老人)"
)


def parse_age(text: Any) -> List[Span]:
    """Ages: 我妈60岁了 -> 60. Rules about ages (60岁以上) are not a person's age."""
    s = normalize_chars(text)
    out: List[Span] = []
    for m in _AGE_RX.finditer(s):
        before = s[max(0, m.start() - 4):m.start()]
        if re.search(r"满|超过|不满|年满|到了?$|以上$", before) and not s.startswith("了", m.end()):
            continue  # 满60岁 / 超过60岁: a threshold being asked about
        v = parse_number(m.group("n"))
        if v is None or not (0 <= v <= 120) or v != int(v):
            continue
        out.append(Span(m.start(), m.end(), "age", int(v)))
    return _resolve(out)


@functools.lru_cache(maxsize=1)
def _group_terms() -> Tuple[Tuple[str, str, str], ...]:
    """(surface, entity, value), longest first, from nlu/lexicon/resident_group.yml."""
    try:
        import yaml

        conf = yaml.safe_load((_LEXICON_DIR / "resident_group.yml").read_text(encoding="utf-8")) or {}
    except (OSError, ImportError):  # pragma: no cover
        return ()
    terms = []
    for entity in ("resident_group", "premium_tier"):
        for value, surfaces in (conf.get(entity) or {}).items():
            for surface in surfaces or []:
                terms.append((str(surface), entity, str(value)))
    return tuple(sorted(terms, key=lambda t: -len(t[0])))


def parse_groups(text: Any) -> List[Span]:
    """Resident premium group (老人, 学生, 大学生 ...) and premium tier (一档/二档) words."""
    s = normalize_chars(text)
    out: List[Span] = []
    seen = set()
    for surface, entity, value in _group_terms():
        start = s.find(surface)
        while start >= 0:
            out.append(Span(start, start + len(surface), entity, value))
            start = s.find(surface, start + 1)
    kept = []
    for sp in _resolve(out):
        if (sp.kind, sp.value) not in seen:
            seen.add((sp.kind, sp.value))
            kept.append(sp)
    return kept


def extract_entities(text: Any, today: Optional[date] = None) -> List[Dict[str, Any]]:
    """Project entities found in ``text``: dicts with entity, value, start, end.

    Values are normalized types: lapse_months/overdue_days/continuous_years int,
    money and years_paid float, payment_date ISO string, gender 'male'|'female'.
    """
    try:
        return _extract(text, today or date.today())
    except Exception:  # pragma: no cover - defensive: NLU must never crash on odd input
        return []


MAX_CHARS = 5000  # longer messages are parsed up to this length


def _extract(text: Any, today: date) -> List[Dict[str, Any]]:
    s = normalize_chars(text)[:MAX_CHARS]
    if not s.strip():
        return []
    ranges = parse_month_ranges(s, today)
    dates = parse_dates(s, today)
    durations = parse_durations(s)
    money = parse_money(s)
    gender = parse_gender(s)
    years = parse_lapsed_years(s, today)
    ages = parse_age(s)
    # Priority: month ranges > dates > lapsed 年度 > durations > ages > money > gender.
    occ = _Occupancy(len(s))
    kept = [sp for group in (ranges, dates, years, durations, ages, money, gender) for sp in group
            if occ.claim(sp)]
    # Group words may overlap other entities (大学生医保 is also a scheme word).
    kept.extend(parse_groups(s))
    kept.sort(key=lambda x: x.start)
    out: List[Dict[str, Any]] = []
    for sp in kept:
        if sp.kind == "range":
            ents = _duration_entities(s, sp)
            out.extend(e for e in ents
                       if e["entity"] in ("lapse_months", "overdue_days", "lapse_start"))
        elif sp.kind == "duration":
            out.extend(_duration_entities(s, sp))
        elif sp.kind == "date":
            out.append(_entity("payment_date", sp.value, sp))
        elif sp.kind == "money":
            out.append(_entity(classify_money(s, sp), float(sp.value), sp))
        elif sp.kind == "gender":
            out.append(_entity("gender", sp.value, sp))
        elif sp.kind == "years":
            # One entity per named 年度 or range: Rasa fills the list slot lapsed_years with all
            # of them (a range as "2023-2025", expanded by the dialogue).
            out.extend({"entity": "lapsed_years", "value": value, "start": a, "end": b}
                       for a, b, value in sp.extra["parts"])
        elif sp.kind == "age":
            out.append(_entity("age", sp.value, sp))
        elif sp.kind in ("resident_group", "premium_tier"):
            out.append(_entity(sp.kind, sp.value, sp))
    return _lapse_over_back_pay(s, out)


# A duration right after a back-pay verb (补交一年, 要补缴三个月): what the person would buy.
_BACK_PAY_BEFORE = re.compile(r"(?:补交|补缴|补齐|补足|补上|补)(?:了|上)?$")


def _lapse_over_back_pay(s: str, out: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The stated lapse when a message also names a back-pay period.

    「医保断了一年多，补交一年多少钱」 gives two durations; the case's lapse_months is the lapse the
    person describes (13), not the period they ask the price of (12). A back-pay period alone is
    the lapse (「补交了两年」), as before."""
    lapses = [e for e in out if e["entity"] == "lapse_months"]
    if len(lapses) < 2:
        return out
    back_pay = {(e["start"], e["end"]) for e in lapses
                if _BACK_PAY_BEFORE.search(_CLAUSE_BREAK.split(s[max(0, e["start"] - 6):e["start"]])[-1])}
    if not back_pay or len(back_pay) == len(lapses):
        return out
    return [e for e in out if not (e["entity"] in ("lapse_months", "lapse_months_stated", "lapse_start")
                                   and (e["start"], e["end"]) in back_pay)]


# --------------------------------------------------------------------------------------------
# Form answers: the value of the field being asked, read from the whole message
# --------------------------------------------------------------------------------------------

_FILLER = re.compile(r"[\s,，。!！?？~～、:：;；\"'“”‘’()（）]|\.(?!\d)|大概|大约|左右|差不多|应该是|应该|可能|估计|"
                     r"好像|吧|啊|呀|呢|哦|噢|嗯|了|的|是|有|就|约|将近|快|一共|总共|共")
_BARE_NUMBER = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?(?:[eE][+-]?\d{1,4})?|"
                          rf"[{_DIGIT_CHARS}{_UNIT_CHARS}]+)\s*$")
NUMBER_FIELDS = ("lapse_months", "overdue_days", "arrears", "monthly_wage", "years_paid",
                 "continuous_years")


def _leftover(s: str, span: Span) -> str:
    return _FILLER.sub("", s[:span.start] + s[span.end:])


def parse_answer(field_name: str, text: Any) -> Optional[Dict[str, Any]]:
    """The value of ``field_name`` when the whole message answers it, else None.

    Used while the form is asking for that field, whatever intent the classifier gave
    (「90天」 asked for 欠缴天数 is 90 days, not goodbye; a bare 「30」 is 30 days). Returns
    {"value": ..., "stated": exact months or None}. Only answers that are essentially the
    value (plus fillers such as 大概, 左右, 了) count: a sentence about something else does not.
    """
    try:
        return _parse_answer(field_name, normalize_chars(text)[:200])
    except Exception:  # pragma: no cover - defensive
        return None


def _parse_answer(name: str, s: str) -> Optional[Dict[str, Any]]:
    if not s.strip() or name not in NUMBER_FIELDS + ("gender",):
        return None
    if name == "gender":
        spans = parse_gender(s)
        if len(spans) == 1 and len(_leftover(s, spans[0])) <= 2:
            return {"value": spans[0].value, "stated": None}
        return None
    bare = _BARE_NUMBER.match(_FILLER.sub("", s) or "")
    if bare:
        v = parse_number(bare.group("n"))
        if v is None:
            return None
        if name in ("arrears", "monthly_wage", "years_paid"):
            return {"value": float(v), "stated": None}
        whole = int(math.ceil(v - 1e-9))
        stated = round(v, 2) if name == "lapse_months" and v != int(v) else None
        return {"value": whole, "stated": stated}
    if name in ("arrears", "monthly_wage"):
        spans = parse_money(s)
        if len(spans) == 1 and len(_leftover(s, spans[0])) <= 2:
            return {"value": float(spans[0].value), "stated": None}
        return None
    spans = parse_durations(s)
    if len(spans) != 1 or len(_leftover(s, spans[0])) > 2:
        return None
    sp = spans[0]
    if sp.extra.get("bound") == "upper":
        return None  # 不到三个月 answers no count
    if name == "overdue_days":
        days = sp.extra.get("days")
        return {"value": int(days) if days is not None else int(sp.value) * 30, "stated": None}
    if name == "lapse_months":
        return {"value": int(sp.value), "stated": sp.extra.get("exact")}
    if sp.extra.get("unit") != "year":
        return None
    years = sp.value / 12.0
    if name == "continuous_years":
        return {"value": int(years), "stated": None} if years == int(years) else None
    return {"value": round(years, 2), "stated": None}
