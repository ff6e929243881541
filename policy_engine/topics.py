"""Topics (contract question intents without "ask_"): titles, follow-ups and required fields, all
read from data/topics.yaml (the one home shared with actions/ and the widget's buttons)."""
from __future__ import annotations

import functools
from typing import Callable

from . import params
from .case import Case

PREFIX = "ask_"


@functools.lru_cache(maxsize=None)
def _data() -> dict:
    return params.load_yaml("topics.yaml")


TOPICS = tuple(_data()["topics"])


def _chain(case: Case):
    return params.resolve(case.city, case.province)


def _premium_rows_left(case: Case, key: str) -> bool:
    if case.insurance_type != "resident":
        return False
    from .calc.amount import premium_choice_needed

    return premium_choice_needed(_chain(case), case, key)


# Conditions under which a field is asked (name -> predicate over the case).
CONDITIONS: dict[str, Callable[[Case], bool]] = {
    "always": lambda case: True,
    "not_resident": lambda case: case.insurance_type != "resident",
    "resident_or_unknown": lambda case: case.insurance_type in (None, "resident"),
    "switching": lambda case: bool(case.switching_scheme),
    # Only an employee has an employer that can be the reason for a lapse.
    "has_employer": lambda case: case.insurance_type in (None, "employee") and not case.at_birth(),
    # A newborn's first enrolment is in the resident scheme: nothing to ask about the scheme.
    "not_at_birth": lambda case: not case.at_birth(),
    # A resident's lapse may already be known as 年度 or as a first unpaid month; a newborn has none.
    "lapse_unknown": lambda case: not (case.at_birth() or (case.insurance_type == "resident"
                                                           and (case.lapsed_years or case.lapse_start))),
    # A resident's price is per 年度: no months needed; a newborn's first enrolment has no lapse.
    "months_needed": lambda case: case.insurance_type != "resident" and not case.at_birth(),
    # The late fee is computed once one of its two inputs is given; "who pays" needs neither.
    "amount_started": lambda case: case.arrears is not None or case.overdue_days is not None,
    # The can_backpay assessment and backpay_amount price no back-payment for a newborn's first enrolment
    # (backpay_amount gives the region's enrolment premiums, every row).
    "premium_by_group": lambda case: not case.at_birth() and _premium_rows_left(case, "group"),
    "premium_by_tier": lambda case: not case.at_birth() and _premium_rows_left(case, "tier"),
}


def required_fields(topic: str, case: Case) -> tuple[str, ...]:
    """Case fields a computed answer still needs (those that are None), in ask order."""
    spec = (_data()["topics"].get(topic) or {}).get("required") or ()
    return tuple(field for field, condition in spec
                 if CONDITIONS[condition](case) and getattr(case, field) is None)


def title(intent: str) -> str:
    """Button title of a question intent (ask_x) or another offered intent (human_handoff)."""
    data = _data()
    name = intent[len(PREFIX):] if intent.startswith(PREFIX) else intent
    item = data["topics"].get(name) or data.get("intents", {}).get(intent) or {}
    return item.get("title", "")


def intent_titles() -> dict[str, str]:
    data = _data()
    out = {PREFIX + name: item["title"] for name, item in data["topics"].items()}
    out.update({name: item["title"] for name, item in (data.get("intents") or {}).items()})
    return out


def follow_ups(topic: str, without: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """(title, payload) buttons offered after an answer on `topic` (less the topics `without`, which
    the answer says do not apply)."""
    data = _data()
    out = []
    for name in (data["topics"].get(topic) or {}).get("follow_ups") or ():
        if name in without:
            continue
        intent = name if name in (data.get("intents") or {}) else PREFIX + name
        out.append((title(intent), "/" + intent))
    return tuple(out)
