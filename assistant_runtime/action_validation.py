"""Validation of action-server responses with one compiled validator.

Rasa 3.6 (`RemoteAction._validate_action_result`) calls `jsonschema.validate(result, schema)` on
every custom-action response. With jsonschema 4.17 that call first checks the schema itself
against the draft 2020-12 meta-schema, which costs several times the validation of the response
(docs/performance.md). The schema is a constant of Rasa's, so it is checked once here and one
validator is reused. The response is still validated against the same schema, with the same
error (`jsonschema.ValidationError`, Rasa's hint appended) when it is invalid.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema import exceptions, validators


@lru_cache(maxsize=None)
def _validator_for(action_class: type):
    schema = action_class.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate() would on every call
    return cls(schema)


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_validator_for(type(self)).iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
