"""Shared helpers for the actions: the case from slots, today's date, error handling."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from nlu_components.parsing import stated_phrases
from policy_engine import Case

logger = logging.getLogger(__name__)

QUESTION_PREFIX = "ask_"
CASE_FIELDS = tuple(Case.__dataclass_fields__)

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
    for name, value in implied_facts(values).items():
        if name not in skipped:
            values[name] = value
    for name, value in stated_facts(tracker).items():
        if name not in skipped and values.get(name) is None:
            values[name] = value
    return Case.from_slots(values)


def user_texts(tracker: Tracker) -> List[Text]:
    """The person's messages since the case was last cleared (重新开始, restart), oldest first."""
    texts: List[Text] = []
    for event in tracker.events or ():
        kind = event.get("event")
        if kind in ("reset_slots", "restart"):
            texts = []
        elif kind == "user" and event.get("text"):
            texts.append(str(event["text"]))
    latest = str((tracker.latest_message or {}).get("text") or "")
    if latest and (not texts or texts[-1] != latest):
        texts.append(latest)
    return texts


def stated_facts(tracker: Tracker) -> Dict[Text, Any]:
    """Case facts said in passing that no entity carries (nlu/lexicon/stated_facts.yml):
    employer_gone (公司倒闭了) and payment_year (今年交了, no date: this year)."""
    found: Dict[Text, Any] = {}
    for text in user_texts(tracker):
        said = stated_phrases(text)
        if "employer_gone" in said:
            found["employer_gone"] = True
        if "payment_year" in said:
            found["payment_year"] = today().year
    return found


def implied_facts(values: Dict[Text, Any]) -> Dict[Text, Any]:
    """Fields that what the person said settles without asking.

    * An employer that did not pay (公司没给交, 单位欠费, 公司倒闭) means the employee scheme:
      only 职工医保 is paid through an employer. (Whether a 灵活就业 or 居民 person is asked the
      reason is policy_engine.required_fields' decision, not implied here.)
    * 年度 named as unpaid (去年没交, 前年和去年都没交) are a lapse of 12 months each when no
      month count was given.
    """
    implied: Dict[Text, Any] = {}
    if values.get("lapse_reason") == "employer" and not values.get("insurance_type"):
        implied["insurance_type"] = "employee"
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
    value = None
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
        elif event.get("event") in ("reset_slots", "restart"):
            value = None
    return value


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
