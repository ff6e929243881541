"""Shared helpers for the actions: the case from slots, today's date, error handling."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nlu_components.parsing import case_person, stated_phrases
from policy_engine import Case
from policy_engine.case import RESIDENT_ONLY_GROUPS

logger = logging.getLogger(__name__)

QUESTION_PREFIX = "ask_"
CASE_FIELDS = tuple(Case.__dataclass_fields__)
# Slots that belong to one person's case besides its fields; cleared when a new case begins.
CASE_BOOKKEEPING = ("lapse_months_stated", "skipped_fields", "retry_count")
# Facts that, given with another place, make a message a new situation rather than a correction.
SITUATION_FACTS = ("insurance_type", "lapse_reason", "lapse_months", "lapsed_years", "lapse_start")

APOLOGY = (
    "抱歉，系统暂时出了点问题，没能完成计算。\n"
    "您可以稍后再试，或拨打 12393 医保服务热线（社保问题可拨 12333）咨询。"
)


def today() -> dt.date:
    """Today's date; ASSISTANT_TODAY=YYYY-MM-DD pins it (used by reproducible tests)."""
    pinned = os.environ.get("ASSISTANT_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.date.today()


def skipped_fields(tracker: Tracker) -> List[Text]:
    return list(tracker.get_slot("skipped_fields") or [])


def case_from_tracker(tracker: Tracker) -> Case:
    """The person's case from the slots; fields skipped after invalid answers stay empty.

    Facts the case implies are filled in (see implied_facts); the slots keep what was said."""
    skipped = set(skipped_fields(tracker))
    values = {
        name: tracker.get_slot(name)
        for name in CASE_FIELDS
        if name in tracker.slots and name not in skipped
    }
    for name, value in stated_facts(tracker).items():
        if name not in skipped and values.get(name) is None:
            values[name] = value
    for name, value in implied_facts(values).items():
        if name not in skipped:
            values[name] = value
    return Case.from_slots(values)


def user_texts(tracker: Tracker) -> List[Text]:
    """The person's messages since the current case began (case_start: 重新开始, restart, or a
    message that began another case), oldest first."""
    events = list(tracker.events or ())
    start, _ = case_start(events)
    texts = [str(e["text"]) for e in events[start:] if e.get("event") == "user" and e.get("text")]
    latest = str((tracker.latest_message or {}).get("text") or "")
    if latest and (not texts or texts[-1] != latest):
        texts.append(latest)
    return texts


def stated_facts(tracker: Tracker) -> Dict[Text, Any]:
    """Case facts said in passing that no entity carries (nlu/lexicon/stated_facts.yml):
    employer_gone (公司倒闭了), payment_year (今年交了, no date: this year), newborn (孩子刚出生) and
    left_job (辞职, 换工作; not a Case field: only implied_facts reads it)."""
    found: Dict[Text, Any] = {}
    for text in user_texts(tracker):
        said = stated_phrases(text)
        if "employer_gone" in said:
            found["employer_gone"] = True
        if "payment_year" in said:
            found["payment_year"] = today().year
        if "newborn" in said:
            found["newborn"] = True
        if "left_job" in said:
            found["left_job"] = True
    return found


def _begins_case(text: Any, entities: List[Dict[Text, Any]], person: Text,
                 before: Dict[Text, Any]) -> Optional[Text]:
    """The person a new case begins for with this message, or None when it continues the case
    of `person` (whose slots were `before`). A new case begins when the message names someone
    else (我老公…, after the person's own case), or gives another place together with a
    situation (「北京灵活就业，断了4个月」 after a 南昌 case); a place alone (「那在北京呢」) or a
    number alone is a correction of the same case."""
    named = case_person(text)
    if named and named != person:
        return named
    given = {e.get("entity"): e.get("value") for e in entities or ()}
    place = given.get("city") or given.get("province")
    held = {before.get("city"), before.get("province")} - {None}
    if place and held and place not in held and any(f in given for f in SITUATION_FACTS):
        return person if person == "self" else "unnamed"  # whose situation it is was not said
    return None


def case_start(events: List[Dict[Text, Any]]) -> Tuple[int, Text]:
    """Where the current case begins in the events (the message that began it, or the last
    重新开始 / restart; 0 when neither), and whose case it is (nlu/lexicon/case_person.yml keys;
    "self" unless someone else was named). Derived from the events alone, so every action reads
    the same answer and none needs to be told."""
    start, person, before = 0, "self", {}
    for i, event in enumerate(events):
        kind = event.get("event")
        if kind in ("reset_slots", "restart"):
            start, person, before = i, "self", {}
        elif kind == "slot":
            before[event.get("name")] = event.get("value")
        elif kind == "user":
            entities = (event.get("parse_data") or {}).get("entities") or []
            began = _begins_case(event.get("text"), entities, person, before)
            if began:
                start, person = i, began
    return start, person


def begin_new_case(tracker: Tracker) -> List[Dict[Text, Any]]:
    """Empties the previous case's facts when the latest message begins a new case (see
    _begins_case), in the tracker this action reads and in the events it returns: the facts
    this message gives stay. Idempotent within a turn: a slot already set after the message
    (emptied by an earlier action of the turn, or validated) counts as given."""
    events = list(tracker.events or ())
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    if last_user < 0 or case_start(events)[0] != last_user:
        return []
    before = _slots_before(events[:last_user])
    given = {e.get("entity") for e in (tracker.latest_message or {}).get("entities") or ()}
    given.update(e.get("name") for e in events[last_user + 1:]
                 if e.get("event") == "slot" and e.get("value") != before.get(e.get("name")))
    cleared = [name for name in CASE_FIELDS + CASE_BOOKKEEPING
               if name in tracker.slots and name not in given and before.get(name) not in (None, [], 0)]
    # Slot candidates a form re-validates (prefilled values) must not bring the old facts back.
    tracker.events[:] = [e for i, e in enumerate(tracker.events)
                         if i <= last_user or not (e.get("event") == "slot" and e.get("name") in cleared)]
    result: List[Dict[Text, Any]] = []
    for name in cleared:
        empty = [] if name == "skipped_fields" else (0 if name == "retry_count" else None)
        tracker.slots[name] = empty
        result.append(SlotSet(name, empty))
    return result


def _slots_before(events: List[Dict[Text, Any]]) -> Dict[Text, Any]:
    """Slot values the events leave (a reset empties them)."""
    values: Dict[Text, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            values[event.get("name")] = event.get("value")
        elif event.get("event") in ("reset_slots", "restart"):
            values = {}
    return values


def implied_facts(values: Dict[Text, Any]) -> Dict[Text, Any]:
    """Fields that what the person said settles without asking.

    * An employer that did not pay (公司没给交, 单位欠费, 公司倒闭) means the employee scheme:
      only 职工医保 is paid through an employer. (Whether a 灵活就业 or 居民 person is asked the
      reason is policy_engine.required_fields' decision, not implied here.)
    * 年度 named as unpaid (去年没交, 前年和去年都没交) are a lapse of 12 months each when no
      month count was given.
    * A newborn (孩子刚出生) is enrolled in the resident scheme, and so is a child or a student
      (小孩, 学生, 大学生: policy_engine.case.RESIDENT_ONLY_GROUPS) unless an employer is named.
    * A lapse after leaving a job (辞职后断了两个月, 换工作断了一个半月) is not an employer's
      arrears: personal, unless the person said the employer did not pay.
    """
    implied: Dict[Text, Any] = {}
    if values.get("lapse_reason") == "employer" and not values.get("insurance_type"):
        implied["insurance_type"] = "employee"
    if values.get("left_job") and not values.get("lapse_reason"):
        implied["lapse_reason"] = "personal"
    if values.get("newborn") and not values.get("insurance_type"):
        implied["insurance_type"] = "resident"  # a baby is enrolled in the resident scheme
    if values.get("resident_group") in RESIDENT_ONLY_GROUPS and not (values.get("insurance_type")
                                                                     or implied.get("insurance_type")):
        implied["insurance_type"] = "resident"
    years = expand_years(values.get("lapsed_years"))
    if years:
        implied["lapsed_years"] = years
        if values.get("lapse_months") is None:
            implied["lapse_months"] = 12 * len(years)
    return implied


def expand_years(raw: Any) -> List[int]:
    """lapsed_years slot values (2025, "2025", "2023-2025") -> sorted unique years."""
    items = raw if isinstance(raw, (list, tuple)) else ([raw] if raw is not None else [])
    years = set()
    for item in items:
        text = str(item).strip()
        if "-" in text:
            a, _, b = text.partition("-")
            if a.isdigit() and b.isdigit() and int(a) <= int(b) <= int(a) + 50:
                years.update(range(int(a), int(b) + 1))
        elif text.isdigit():
            years.add(int(text))
    return sorted(years)


def slot_before_latest_message(tracker: Tracker, name: Text) -> Any:
    """The slot's value before the latest user message (None when never set)."""
    events = list(tracker.events or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return _slots_before(events[:last_user]).get(name)


def fraction_note(months: Any, stated: Any) -> Text:
    """「3.5个月超过3个月」: the whole months the rules use when the person gave a fraction."""
    try:
        months_i, stated_f = int(months), float(stated)
    except (TypeError, ValueError):
        return ""
    if stated_f == int(stated_f) or math.ceil(stated_f) != months_i:
        return ""
    shown = f"{stated_f:g}"
    return (f"说明：{shown}个月超过{int(stated_f)}个月，下面按{months_i}个月计算"
            "（不满一个月按一个月算，实际以当地医保经办机构核定为准）。")


def said_for(field: Text, value: Any, tracker: Tracker) -> Optional[Text]:
    """The person's own words for a slot value, for messages that quote them.

    The words the latest message's entity of this field was read from (「新农合」 for the value
    `resident`; the entity whose value matches, else the last one, as Rasa fills a slot from it),
    else the message itself when the value is its text (a free-text answer); None when the value
    came from an earlier turn or a button."""
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    spans = []
    for ent in message.get("entities") or ():
        start, end = ent.get("start"), ent.get("end")
        if ent.get("entity") == field and isinstance(start, int) and isinstance(end, int) \
                and 0 <= start < end <= len(text):
            spans.append((str(ent.get("value")) == _plain(value), text[start:end]))
    if spans:
        matching = [words for same, words in spans if same]
        return (matching or [spans[-1][1]])[-1]
    if text.strip() and _plain(value).strip() == text.strip():
        return text.strip()
    return None


def _plain(value: Any) -> Text:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def latest_intent(tracker: Tracker) -> Text:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def buttons_payload(buttons) -> List[Dict[Text, Text]]:
    return [{"title": title, "payload": payload} for title, payload in buttons]


def safe_run(run: Callable) -> Callable:
    """Wraps an action's run: a failure is logged and answered with an apology and the hotline."""

    @functools.wraps(run)
    async def wrapper(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - the person must always get an answer
            logger.exception("action %s failed (sender %s)", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=APOLOGY)
            return []

    return wrapper
