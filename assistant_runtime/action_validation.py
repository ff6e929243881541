"""Validation of action-server responses: the same schema and verdicts, checked once per event.

Rasa 3.6 (`RemoteAction._validate_action_result`) calls `jsonschema.validate(result, schema)` on
every custom-action response. With jsonschema 4.17 that call first checks the schema itself
against its meta-schema, which costs several times the validation of the response
(docs/performance.md). The schema is a constant of Rasa's, so it is checked once here.

The validation itself is mostly `oneOf` over Rasa's 23 event shapes for every event: each event is
tried against all 23, although each shape fixes `event` to one constant and so can only match the
events of that type. A valid response is therefore checked as two exact parts of the same schema:
the response without the `oneOf` (types, `required`, `responses`), and each event against the one
shape whose constant is its `event` (for any other shape its `const` fails, so "exactly one of the
shapes" holds exactly when that shape holds). When either part fails, or an event names a type
with no shape, the whole response is validated as Rasa does, so the error raised is the same
`jsonschema.ValidationError` as before, with Rasa's hint appended.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Tuple

from jsonschema import exceptions, validators


def _compiled(schema: Dict[str, Any]):
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate() would on every call
    return cls(schema)


def _split(schema: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Dict[str, Any]]]:
    """(the schema without the events' oneOf, {event type: its shape}); ({}, {}) if the schema
    does not have the shape this relies on (then only the whole schema is used)."""
    try:
        items = schema["properties"]["events"]["items"]
        shapes = items["oneOf"]
        consts = [shape["properties"]["event"]["const"] for shape in shapes]
    except (KeyError, TypeError):
        return {}, {}
    if len(set(consts)) != len(consts) or set(schema) - {"type", "properties"}:
        return {}, {}
    base_items = {k: v for k, v in items.items() if k != "oneOf"}
    base = {**schema, "properties": {**schema["properties"], "events": {**schema["properties"]["events"], "items": base_items}}}
    return base, dict(zip(consts, shapes))


@lru_cache(maxsize=None)
def _validators_for(action_class: type):
    schema = action_class.action_response_format_spec()
    base, shapes = _split(schema)
    return (_compiled(schema), _compiled(base) if base else None,
            {name: _compiled(shape) for name, shape in shapes.items()})


def _valid_by_parts(result: Any, base, shapes) -> bool:
    if base is None or not base.is_valid(result):
        return False
    for event in result.get("events", ()) if isinstance(result, dict) else ():
        shape = shapes.get(event.get("event"))
        if shape is None or not shape.is_valid(event):
            return False
    return True


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from rasa.shared.constants import DOCS_BASE_URL

    whole, base, shapes = _validators_for(type(self))
    if _valid_by_parts(result, base, shapes):
        return True
    error = exceptions.best_match(whole.iter_errors(result))
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
