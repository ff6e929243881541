"""医保断缴补缴 policy engine: data, calculators and Chinese answers. No Rasa import here."""
from .answers import answer, case_summary, handoff_text
from .case import Case
from .compose import Answer
from .topics import TOPICS, required_fields
from .validation import validate

__all__ = ["Case", "Answer", "answer", "required_fields", "validate", "TOPICS", "handoff_text", "case_summary"]
