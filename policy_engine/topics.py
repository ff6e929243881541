"""Topics (contract question intents without "ask_") and the fields each computed answer needs."""
from __future__ import annotations

from typing import Callable

from .case import Case

TOPICS = (
    "can_backpay", "backpay_amount", "late_fee", "waiting_period", "lapse_impact", "paid_lost",
    "materials", "how_to_backpay", "personal_account", "contribution_years", "retirement_years",
    "resident_enrollment", "refund", "switch_scheme", "incentive",
)

# Conditions under which a field is asked (name -> predicate over the case).
CONDITIONS: dict[str, Callable[[Case], bool]] = {
    "always": lambda case: True,
    "not_resident": lambda case: case.insurance_type != "resident",
    "switching": lambda case: bool(case.switching_scheme),
    # The late fee in law is the employer's; for a personal lapse the general rule answers.
    "not_personal": lambda case: case.lapse_reason != "personal",
}

# topic -> ((field, condition), ...) in the order the fields should be asked.
REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    "can_backpay": (("city", "always"), ("insurance_type", "always"), ("lapse_reason", "not_resident"),
                    ("lapse_months", "always")),
    "backpay_amount": (("city", "always"), ("insurance_type", "always"), ("lapse_months", "always")),
    "late_fee": (("arrears", "not_personal"), ("overdue_days", "not_personal")),
    "waiting_period": (("city", "always"), ("insurance_type", "always"), ("lapse_months", "always")),
    "retirement_years": (("city", "always"), ("gender", "always"), ("years_paid", "always")),
    "incentive": (("city", "always"), ("continuous_years", "always")),
    "resident_enrollment": (("city", "always"),),
    "switch_scheme": (("continuous_years", "switching"), ("lapse_months", "switching")),
}


def required_fields(topic: str, case: Case) -> tuple[str, ...]:
    """Case fields a computed answer still needs (those that are None), in ask order."""
    return tuple(field for field, condition in REQUIRED.get(topic, ())
                 if CONDITIONS[condition](case) and getattr(case, field) is None)
