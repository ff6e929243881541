"""The out-of-scope reply: names the neighbouring topic asked about and where to ask.

Whether a message is out of scope is the classifier's decision; this action only names the
topic from the keyword table in nlu/lexicon/out_of_scope_topics.yml (one home for the texts),
read by nlu_components.parsing. A message that names medical insurance and no topic of the table
is sent to 12393, and offered the questions this assistant answers that the classifier ranked
next (at most SUGGESTIONS, as the fallback's clarification offers them)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nlu_components.parsing import names_medical_insurance, neighbouring_topic, out_of_scope_table

from .answers import likely_topics, topic_buttons
from .common import safe_run

SUGGESTIONS = 2


def out_of_scope_text(text: Any, suggested: bool = False) -> Text:
    table = out_of_scope_table()
    topic = neighbouring_topic(text)
    if topic is None:
        where = table["generic_where_medical"] if names_medical_insurance(text) else table["generic_where"]
        lines = [table["generic"], where, table["capabilities"]]
        if suggested:
            lines.append(table["suggest_intro"])
        return "\n".join(lines)
    return "\n".join((
        f"您问的是{topic['name']}的问题，不在我的范围内（我只解答基本医疗保险断缴和补缴的问题）。",
        topic["where"],
        table["capabilities"],
    ))


def suggested_intents(text: Any, ranking: Optional[Sequence[Dict[Text, Any]]]) -> List[Text]:
    """The assistant's own questions the classifier ranked after out_of_scope, for a message that
    names medical insurance and no neighbouring topic; [] otherwise."""
    if neighbouring_topic(text) is not None or not names_medical_insurance(text):
        return []
    questions = [r for r in ranking or () if str(r.get("name") or "").startswith("ask_")]
    return likely_topics(questions, SUGGESTIONS)


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text")
        suggested = suggested_intents(text, message.get("intent_ranking"))
        dispatcher.utter_message(text=out_of_scope_text(text, suggested=bool(suggested)),
                                 buttons=topic_buttons(suggested))
        return [SlotSet("fallback_count", 0)]
