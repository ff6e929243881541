"""Validation of case_form: asks only for what the engine still needs, re-asks invalid answers."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from policy_engine import TOPICS, required_fields, validate

from .common import case_from_tracker, skipped_fields

# An invalid answer is asked again with the reason at most twice; the third skips the field.
MAX_RETRIES = 3


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
        missing = (name for name in required if tracker.slots.get(name) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))

    def _invalid(self, field: Text, message: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != field:
            dispatcher.utter_message(text=message)
            return {field: None}
        retries = int(tracker.get_slot("retry_count") or 0) + 1
        if retries >= MAX_RETRIES:
            dispatcher.utter_message(text=message + "\n这一项先跳过，下面按全国通用规则回答。")
            return {field: None, "retry_count": 0, "skipped_fields": skipped_fields(tracker) + [field]}
        dispatcher.utter_message(text=message)
        return {field: None, "retry_count": retries}

    def _check(self, field: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        normalized, error = validate(field, value)
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
            dispatcher.utter_message(text=f"好的，按{entities['province']}的规定回答（没有具体城市的数据时按全省或全国规则）。")
            return {
                **self._valid("city", None, tracker),
                "province": entities["province"],
                "skipped_fields": skipped_fields(tracker) + ["city"],
            }
        return self._invalid(
            "city", f"抱歉，没有找到「{str(value)[:20]}」这个城市。请输入中国的城市名，例如：北京、南昌、广州。", dispatcher, tracker
        )


def _make_validator(field: Text):
    async def validator(self, value, dispatcher, tracker, domain):
        return self._check(field, value, dispatcher, tracker)

    validator.__name__ = f"validate_{field}"
    return validator


for _field in ("insurance_type", "lapse_reason", "lapse_months", "monthly_wage", "arrears",
               "overdue_days", "years_paid", "gender", "continuous_years"):
    setattr(ValidateCaseForm, f"validate_{_field}", _make_validator(_field))
