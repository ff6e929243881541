"""Validation of case_form: asks only for what the engine still needs, re-asks invalid answers."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from nlu_components.parsing import NUMBER_FIELDS, parse_answer, parse_groups
from policy_engine import TOPICS, required_fields, validate
from policy_engine.validation import FIELD_LABELS, quoted, reask

from .common import (
    begin_new_case,
    case_from_tracker,
    fraction_note,
    latest_intent,
    said_for,
    skipped_fields,
    slot_before_latest_message,
)

# An invalid answer is asked again with the reason at most twice; the third skips the field.
MAX_RETRIES = 3
# Fields whose answer can be read from the message text whatever intent was classified.
TEXT_ANSWER_FIELDS = NUMBER_FIELDS + ("gender",)
# Intents that, with nothing extracted, let the form step aside for their own rule (greeting,
# goodbye, out-of-scope redirect ...); the form counts that turn as a failed answer when it
# resumes, so the question is never repeated without limit. Questions asked inside the form
# (材料, 转人工 ...) step aside too but are not failed answers: they are answered and the form
# resumes. A message that reads as the asked value fills it whatever the intent.
STEP_ASIDE_INTENTS = ("goodbye", "greet", "thank", "affirm", "deny", "bot_challenge",
                      "out_of_scope", "nlu_fallback")


def _turn(tracker: Tracker) -> Text:
    """How the form was reached this time: "answer" (right after the person's message),
    "after_bypass" (the form had rejected the message and another rule answered it),
    or "resumed" (after a question answered inside the form, or a new activation)."""
    events = list(tracker.events or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    after = events[last_user + 1:]
    if any(e.get("event") == "action_execution_rejected" and e.get("name") == "case_form" for e in after):
        return "after_bypass"
    others = [e.get("name") for e in after if e.get("event") == "action"
              and e.get("name") not in ("action_extract_slots", "case_form", "action_listen", "validate_case_form")]
    return "resumed" if others else "answer"


def _first_missing(fields: List[Text], tracker: Tracker) -> Optional[Text]:
    """The first field neither given nor implied by the case (公司没给交 -> 职工医保)."""
    case = case_from_tracker(tracker)
    return next((f for f in fields if tracker.slots.get(f) is None and getattr(case, f, None) is None), None)


def _candidate_index(events: List[Dict[Text, Any]]) -> int:
    """Index where the trailing slot events (the form's slot candidates) begin."""
    i = len(events)
    while i > 0 and events[i - 1].get("event") == "slot":
        i -= 1
    return i


def fields_for_topic(topic: Optional[Text], case) -> List[Text]:
    """Every field the topic needs for this case, filled or not, in asking order.

    A filled field counts as needed when the engine would ask for it were it empty, so its
    new value is validated too.
    """
    if topic not in TOPICS:
        return []
    needed = []
    for name in dataclasses.fields(case):
        blanked = dataclasses.replace(case, **{name.name: None})
        if name.name in required_fields(topic, blanked):
            needed.append(name.name)
    order = list(required_fields(topic, type(case)()))
    return sorted(needed, key=lambda f: order.index(f) if f in order else len(order))


class ValidateCaseForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_case_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        # Another person's case (我老公…) or another place with a situation: the old facts go.
        new_case = begin_new_case(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        turn = _turn(tracker) if requested else "resumed"
        read: List[Dict[Text, Any]] = []
        if turn == "answer" and requested in TEXT_ANSWER_FIELDS:
            read = self._read_answer_from_text(requested, tracker)
        events = await super().run(dispatcher, tracker, domain)
        intent = latest_intent(tracker)
        if turn == "after_bypass" and intent in STEP_ASIDE_INTENTS:
            events = self._count_bypass(requested, dispatcher, tracker, domain, events)
        elif (turn == "answer" and not read and not self._anything_set(events) and intent == "inform"
              and not self._message_filled_a_slot(tracker)):
            # Nothing in the message answers the question and no other rule will take it:
            # a failed answer like any invalid one (re-asked, then skipped).
            label = FIELD_LABELS.get(requested, requested)
            invalid = self._invalid(requested, reask("not_understood", label=label), dispatcher, tracker)
            tracker.slots.update(invalid)
            events = [SlotSet(k, v) for k, v in invalid.items()]
            events.append(await self.next_requested_slot(dispatcher, tracker, domain))
        return new_case + read + events

    @staticmethod
    def _message_filled_a_slot(tracker: Tracker) -> bool:
        """Whether an entity of the message filled a slot before this action ran (Rasa's slot
        mappings): 「去年没交」 asked for the lapse fills lapsed_years, which has no validator and
        so sets nothing here, yet answers the question (the lapse is the 年度 named)."""
        return any(e.get("entity") in tracker.slots and tracker.get_slot(e.get("entity")) is not None
                   for e in tracker.latest_message.get("entities") or [])

    @staticmethod
    def _anything_set(events: List[Dict[Text, Any]]) -> bool:
        return any(e.get("event") == "slot" and e.get("name") != REQUESTED_SLOT for e in events)

    def _read_answer_from_text(self, field: Text, tracker: Tracker) -> List[Dict[Text, Any]]:
        """The asked field read from the whole message when the mappings did not fill it
        (「90天」 classified as goodbye, a bare 「30」). Slots the same words filled by
        accident (90天 as a lapse of 3 months) go back to what they were."""
        entities = tracker.latest_message.get("entities") or []
        if any(e.get("entity") == field for e in entities):
            return []
        text = str(tracker.latest_message.get("text") or "")
        parsed = parse_answer(field, text)
        if parsed is None:
            return []
        events = tracker.events
        start = _candidate_index(events)
        candidates = [e for e in events[start:] if e.get("name") not in TEXT_ANSWER_FIELDS]
        del events[start:]
        events.extend(candidates)
        events.append({"event": "slot", "name": field, "value": parsed["value"], "timestamp": None})
        restored = []
        for name in TEXT_ANSWER_FIELDS:
            # Only numbers the parser read from these same words; places and schemes given
            # alongside (北京，90天) stay.
            if name == field or name not in tracker.slots:
                continue
            before = slot_before_latest_message(tracker, name)
            if tracker.slots.get(name) != before:
                tracker.slots[name] = before
                restored.append(SlotSet(name, before))
        tracker.slots[field] = parsed["value"]
        if field == "lapse_months":
            tracker.slots["lapse_months_stated"] = parsed["stated"]
            restored.append(SlotSet("lapse_months_stated", parsed["stated"]))
        return restored

    def _count_bypass(self, field: Text, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict, events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """The message was answered by another rule; the asked field is still missing."""
        if tracker.get_slot(field) is not None:
            return events
        retries = int(tracker.get_slot("retry_count") or 0) + 1
        if retries < MAX_RETRIES:
            return events + [SlotSet("retry_count", retries)]
        dispatcher.utter_message(text=reask("skipped"))
        tracker.slots["skipped_fields"] = skipped_fields(tracker) + [field]
        tracker.slots["retry_count"] = 0
        updates = [SlotSet("retry_count", 0), SlotSet("skipped_fields", tracker.slots["skipped_fields"])]
        kept = [e for e in events if e.get("name") != REQUESTED_SLOT]
        return kept + updates + [self._next_slot_sync(tracker)]

    def _next_slot_sync(self, tracker: Tracker) -> Dict[Text, Any]:
        skipped = set(skipped_fields(tracker))
        fields = fields_for_topic(tracker.get_slot("topic"), case_from_tracker(tracker))
        return SlotSet(REQUESTED_SLOT, _first_missing([f for f in fields if f not in skipped], tracker))

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        skipped = set(skipped_fields(tracker))
        fields = fields_for_topic(tracker.get_slot("topic"), case_from_tracker(tracker))
        return [f for f in fields if f not in skipped]

    async def next_requested_slot(self, dispatcher, tracker, domain):
        # Always decide here: the domain lists every possible field, the topic needs a few.
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, _first_missing(required, tracker))

    def _invalid(self, field: Text, message: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != field:
            dispatcher.utter_message(text=message)
            return {field: None}
        retries = int(tracker.get_slot("retry_count") or 0) + 1
        if retries >= MAX_RETRIES:
            dispatcher.utter_message(text=message + "\n" + reask("skipped"))
            return {field: None, "retry_count": 0, "skipped_fields": skipped_fields(tracker) + [field]}
        dispatcher.utter_message(text=message)
        return {field: None, "retry_count": retries}

    def _check(self, field: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        said = said_for(field, value, tracker)  # the re-ask quotes the person's words, not the value
        if field in TEXT_ANSWER_FIELDS and self._typed(value, tracker):
            parsed = parse_answer(field, value)
            if parsed is not None:
                value = parsed["value"]  # 「3个月」 asked as days is 90 days, 「1.5e4」 is 15000
        normalized, error = validate(field, value, said)
        if error and self._answers_something_else(field, value, tracker):
            # 「断了5个月」 typed while the reason was asked: the text filled the asked slot too,
            # but it recognisably gives other facts; no complaint, the question is asked again.
            return {field: None}
        if error:
            return self._invalid(field, error, dispatcher, tracker)
        return self._valid(field, normalized, tracker)

    @staticmethod
    def _typed(value: Any, tracker: Tracker) -> bool:
        """Whether the value is the latest message's whole text (a free-text answer)."""
        return str(value).strip() == str(tracker.latest_message.get("text") or "").strip()

    def _answers_something_else(self, field: Text, value: Any, tracker: Tracker) -> bool:
        others = {e.get("entity") for e in tracker.latest_message.get("entities", [])} - {field}
        return self._typed(value, tracker) and bool(others)

    @staticmethod
    def _valid(field: Text, value: Any, tracker: Tracker) -> Dict[Text, Any]:
        # The retry count belongs to the field being asked; other fields leave it alone.
        if tracker.get_slot("requested_slot") == field:
            return {field: value, "retry_count": 0}
        return {field: value}

    async def validate_lapse_months(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        result = self._check("lapse_months", value, dispatcher, tracker)
        note = fraction_note(result.get("lapse_months"), tracker.get_slot("lapse_months_stated"))
        if note:
            dispatcher.utter_message(text=note)
        return result

    async def validate_city(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        message = tracker.latest_message
        entities = {e.get("entity"): e.get("value") for e in message.get("entities", [])}
        if entities.get("city"):
            return self._check("city", entities["city"], dispatcher, tracker)
        if not self._typed(value, tracker):
            # Given earlier in the conversation (the form validates prefilled slots again).
            return self._check("city", value, dispatcher, tracker)
        if entities.get("province"):
            # A province alone is enough: answers use its data or the national rules.
            dispatcher.utter_message(text=reask("province_for_city", province=entities["province"]))
            return {
                **self._valid("city", None, tracker),
                "province": entities["province"],
                "skipped_fields": skipped_fields(tracker) + ["city"],
            }
        return self._invalid("city", reask("city_not_recognised"), dispatcher, tracker)


GROUP_CHOICES = {
    "resident_group": ("elderly", "adult", "student_child", "college"),
    "premium_tier": ("low", "high"),
}


def _make_group_validator(field: Text):
    async def validator(self, value, dispatcher, tracker, domain):
        if value in GROUP_CHOICES[field]:
            return self._valid(field, value, tracker)
        found = [sp.value for sp in parse_groups(value) if sp.kind == field]
        if len(set(found)) == 1:
            return self._valid(field, found[0], tracker)
        message = reask(f"unknown_{field}", said=quoted(said_for(field, value, tracker)))
        return self._invalid(field, message, dispatcher, tracker)

    validator.__name__ = f"validate_{field}"
    return validator


for _field in GROUP_CHOICES:
    setattr(ValidateCaseForm, f"validate_{_field}", _make_group_validator(_field))


def _make_validator(field: Text):
    async def validator(self, value, dispatcher, tracker, domain):
        return self._check(field, value, dispatcher, tracker)

    validator.__name__ = f"validate_{field}"
    return validator


for _field in ("insurance_type", "lapse_reason", "monthly_wage", "arrears",
               "overdue_days", "years_paid", "gender", "continuous_years"):
    setattr(ValidateCaseForm, f"validate_{_field}", _make_validator(_field))
