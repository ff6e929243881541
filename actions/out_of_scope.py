"""The out-of-scope reply: names the neighbouring topic asked about and where to ask.

Whether a message is out of scope is the classifier's decision; this action only names the
topic from the keyword table in nlu/lexicon/out_of_scope_topics.yml (one home for the texts),
read by nlu_components.parsing."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nlu_components.parsing import neighbouring_topic, out_of_scope_table

from .common import safe_run


def out_of_scope_text(text: Any) -> Text:
    table = out_of_scope_table()
    topic = neighbouring_topic(text)
    if topic is None:
        return "\n".join((table["generic"], table["generic_where"], table["capabilities"]))
    return "\n".join((
        f"您问的是{topic['name']}的问题，不在我的范围内（我只解答基本医疗保险断缴和补缴的问题）。",
        topic["where"],
        table["capabilities"],
    ))


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=out_of_scope_text(tracker.latest_message.get("text")))
        return [SlotSet("fallback_count", 0)]
