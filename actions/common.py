"""Shared helpers for the actions: the case from slots, today's date, error handling."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

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
    """The person's case from the slots; fields skipped after invalid answers stay empty."""
    skipped = set(skipped_fields(tracker))
    values = {
        name: tracker.get_slot(name)
        for name in CASE_FIELDS
        if name in tracker.slots and name not in skipped
    }
    return Case.from_slots(values)


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
