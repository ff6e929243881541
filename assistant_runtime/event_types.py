"""Event classes looked up by type name once, not once per event.

Rasa 3.6 (`Event.resolve_by_type`, called by `Event.from_parameters` for every event it
deserialises) walks the whole tree of `Event` subclasses and checks each for abstractness on every
call: loading a tracker of 60 events walked it 60 times, a tenth of a REST turn
(docs/performance.md). The class of a type name does not change once it is found, so each one
found is remembered; a name not found (yet) still goes through Rasa's lookup, so an event class
imported later, the `default` fallback and the `ValueError` for an unknown name behave as before.
"""
from __future__ import annotations

from typing import Dict, Optional, Text, Type

_found: Dict[Text, type] = {}
_rasa_resolve_by_type = None


def resolve_by_type(type_name: Text, default: Optional[Type] = None) -> Optional[Type]:
    cls = _found.get(type_name)
    if cls is None:
        cls = _rasa_resolve_by_type(type_name, default)
        if cls is not None and getattr(cls, "type_name", None) == type_name:
            _found[type_name] = cls
    return cls


def install() -> None:
    global _rasa_resolve_by_type
    from rasa.shared.core.events import Event

    if _rasa_resolve_by_type is None:
        _rasa_resolve_by_type = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(resolve_by_type)
