"""The out-of-scope reply: names the neighbouring topic asked about and where to ask.

Whether a message is out of scope is the classifier's decision; this action only names the
topic from the keyword table in nlu/lexicon/out_of_scope_topics.yml (one home for the texts)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nlu_components.parsing import normalize_chars

from .common import safe_run

TABLE_PATH = Path(__file__).resolve().parents[1] / "nlu" / "lexicon" / "out_of_scope_topics.yml"
TABLE: Dict[Text, Any] = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8"))


def neighbouring_topic(text: Any) -> Optional[Dict[Text, Any]]:
    """The first topic in the table whose keyword occurs in the message, or None."""
    s = normalize_chars(text)
    for topic in TABLE.get("topics") or []:
        if any(str(k) in s for k in topic.get("keywords") or []):
            return topic
    return None


def out_of_scope_text(text: Any) -> Text:
    topic = neighbouring_topic(text)
    if topic is None:
        return "\n".join((TABLE["generic"], TABLE["generic_where"], TABLE["capabilities"]))
    return "\n".join((
        f"您问的是{topic['name']}的问题，不在我的范围内（我只解答基本医疗保险断缴和补缴的问题）。",
        topic["where"],
        TABLE["capabilities"],
    ))


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=out_of_scope_text(tracker.latest_message.get("text")))
        return [SlotSet("fallback_count", 0)]
