"""Actions that answer: the topic's answer from the engine, handoff, reset, clarification."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_engine import TOPICS, answer, handoff_text
from policy_engine import case_summary as engine_case_summary
from policy_engine.topics import intent_titles
from policy_engine.validation import validate

from .common import (
    QUESTION_PREFIX,
    begin_new_case,
    buttons_payload,
    case_from_tracker,
    latest_intent,
    safe_run,
    said_for,
    today,
)

# Button titles live with the topics in policy_engine/data/topics.yaml (one home).
TOPIC_TITLES: Dict[Text, Text] = intent_titles()
SUGGESTED = ("ask_can_backpay", "ask_backpay_amount", "ask_waiting_period")
# Fallback: below this confidence an intent is not offered as a clarification button.
MIN_SUGGESTION_CONFIDENCE = 0.05


def topic_buttons(intents) -> List[Dict[Text, Text]]:
    return [{"title": TOPIC_TITLES[i], "payload": f"/{i}"} for i in intents if i in TOPIC_TITLES]


def likely_topics(ranking, limit: int) -> List[Text]:
    """The offered intents (TOPIC_TITLES) of a parse's intent_ranking at or above
    MIN_SUGGESTION_CONFIDENCE, most likely first, at most ``limit``."""
    return [r["name"] for r in ranking or ()
            if r.get("name") in TOPIC_TITLES and (r.get("confidence") or 0) >= MIN_SUGGESTION_CONFIDENCE][:limit]


def case_summary(tracker: Tracker) -> Text:
    # the engine's labels, including facts said in passing (one home: policy_engine.case_summary)
    return engine_case_summary(case_from_tracker(tracker))


class ActionAnswer(Action):
    """Answers the question asked now, or re-answers the last one when facts changed."""

    def name(self) -> Text:
        return "action_answer"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        new_case = begin_new_case(tracker)
        intent = latest_intent(tracker)
        asked = intent[len(QUESTION_PREFIX):] if intent.startswith(QUESTION_PREFIX) else None
        topic = asked if asked in TOPICS else tracker.get_slot("topic")
        if topic not in TOPICS:
            # Facts given with no question are checked before they are recorded (断了500个月).
            problems, events = [], new_case + [SlotSet("fallback_count", 0)]
            for field, value in case_from_tracker(tracker).known().items():
                _, problem = validate(field, value, said_for(field, tracker.get_slot(field), tracker))
                if problem:
                    problems.append(problem)
                    events.append(SlotSet(field, None))
            if problems:
                dispatcher.utter_message(text="\n".join(problems))
                return events
            summary = case_summary(tracker)
            text = (f"好的，已记录：{summary}。\n" if summary else "") + "请问您想了解什么？"
            dispatcher.utter_message(text=text, buttons=topic_buttons(SUGGESTED))
            return events
        result = answer(topic, case_from_tracker(tracker), today=today())
        dispatcher.utter_message(text=result.text, buttons=buttons_payload(result.buttons))
        events: List[EventType] = new_case + [SlotSet("fallback_count", 0)]
        if tracker.active_loop_name is None:
            # Remember the question so a later correction recomputes it; inside a form the
            # form's own topic must stay.
            events.append(SlotSet("topic", topic))
        return events


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        new_case = begin_new_case(tracker)  # 「我妈在上海，电话多少」: the mother's city
        dispatcher.utter_message(text=handoff_text(case_from_tracker(tracker)))
        return new_case + [SlotSet("fallback_count", 0)]


class ActionResetCase(Action):
    def name(self) -> Text:
        return "action_reset_case"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        buttons = topic_buttons(SUGGESTED)
        # only what slots hold: facts read from the messages (stated_facts) are no slots to restore
        known = {k: v for k, v in case_from_tracker(tracker).known().items() if k in tracker.slots}
        if known:
            # Nothing is lost by a misunderstood 「重新开始」: one tap gives the case back.
            facts = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in known.items()}
            payload = "/inform" + json.dumps(facts, ensure_ascii=False, separators=(",", ":"))
            buttons.append({"title": "撤销，恢复刚才的信息", "payload": payload})
        dispatcher.utter_message(
            text="好的，之前的信息已清空。请重新告诉我您的情况，或直接提问。",
            buttons=buttons,
        )
        return [AllSlotsReset()]


class ActionClarify(Action):
    """Two-stage fallback: first offer the likeliest topics, then the hotline."""

    def name(self) -> Text:
        return "action_clarify"

    @safe_run
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        misses = int(tracker.get_slot("fallback_count") or 0) + 1
        if misses >= 2:
            dispatcher.utter_message(
                text="抱歉，我还是没能理解您的问题。\n" + handoff_text(case_from_tracker(tracker))
            )
            return [SlotSet("fallback_count", 0)]
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = likely_topics(ranking, 3)
        buttons = topic_buttons(likely or SUGGESTED)
        dispatcher.utter_message(
            text="抱歉，我不太确定您的意思。您是想问下面哪个问题？也可以换个说法再问一次。",
            buttons=buttons,
        )
        return [SlotSet("fallback_count", misses)]
