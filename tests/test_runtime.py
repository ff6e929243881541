"""assistant_runtime: Rasa still rejects an invalid action-server response, through the compiled
validator that importing `ops` (as every Rasa server does) installs."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
from jsonschema import ValidationError

import ops  # noqa: F401 - installs assistant_runtime, as in the Rasa server
from assistant_runtime import action_validation, warning_filters
from tests.support.servers import ROOT

VALID = {
    "events": [
        {"event": "slot", "name": "city", "value": "北京", "timestamp": None},
        {"event": "active_loop", "name": "case_form"},
        {"event": "followup", "name": "action_answer"},
    ],
    "responses": [{"text": "请问您参加的是哪种医保？", "buttons": [{"title": "职工医保", "payload": "/x"}]}],
}


@pytest.fixture
def remote_action():
    from rasa.core.actions.action import RemoteAction

    return RemoteAction("action_answer", None)


def test_rasa_uses_the_compiled_validator(remote_action):
    assert type(remote_action)._validate_action_result is action_validation._validate_action_result


def test_a_valid_response_passes(remote_action):
    assert remote_action._validate_action_result(VALID) is True
    assert remote_action._validate_action_result({"events": [], "responses": []}) is True


@pytest.mark.parametrize("bad", [
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "city", "value": "北京"}]},          # no "event" key
    {"events": [{"event": "slot", "value": "北京"}]},         # slot without a name
    {"events": "slot"},
    {"responses": ["text only"]},
    [],
])
def test_an_invalid_response_is_still_rejected_with_rasas_hint(remote_action, bad):
    with pytest.raises(ValidationError) as error:
        remote_action._validate_action_result(bad)
    assert "Failed to validate Action server response" in error.value.message


VERDICT_CASES = [
    VALID,
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "bot", "text": 3}]},
    {"events": [{"event": "bot", "text": "好的"}, {"event": "user", "text": "你好", "parse_data": {}}]},
    {"events": [{"event": "slot", "name": "city", "value": "北京"}, 5]},
    {"events": [{"event": "slot", "name": "city", "value": "北京", "timestamp": "now"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "form", "name": 7}]},
    {"events": [{"event": "reminder", "intent": "x", "date_time": "2026-12-01T10:00:00"}]},
    {"events": [{"event": 3}]},
    {"events": [{"event": "followup"}]},
    {"events": [{"event": "session_started", "metadata": "x"}]},
    {"events": [], "responses": [{"text": "好的"}, "x"]},
    {"responses": {"text": "好的"}},
    "not a response",
    None,
]


def test_each_event_is_checked_against_its_own_shape():
    """Rasa's schema still has the shape the fast path relies on (one `oneOf` shape per event type);
    if a Rasa upgrade changes it, this fails instead of every response taking the slow path."""
    from rasa.core.actions.action import RemoteAction

    base, shapes = action_validation._split(RemoteAction.action_response_format_spec())
    assert base and {"slot", "bot", "user", "active_loop", "followup", "session_started"} <= set(shapes)
    assert "oneOf" not in base["properties"]["events"]["items"]


def test_same_verdicts_as_jsonschema_validate(remote_action):
    import jsonschema

    schema = type(remote_action).action_response_format_spec()
    for case in VERDICT_CASES:
        try:
            jsonschema.validate(case, schema)
            expected = None
        except ValidationError as e:
            expected = e.message
        try:
            remote_action._validate_action_result(case)
            got = None
        except ValidationError as e:
            got = e.message.split(". Failed to validate")[0]
        assert got == expected


def test_known_warnings_are_ignored_and_others_still_show():
    module = "rasa.shared.utils.validation"
    message = "pkg_resources is deprecated as an API. See https://setuptools.pypa.io"
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        warning_filters.install()
        warnings.warn_explicit(message, DeprecationWarning, "f.py", 1, module=module)
        warnings.warn_explicit(message, DeprecationWarning, "f.py", 1, module="our_module")
        warnings.warn_explicit("something else", DeprecationWarning, "f.py", 1, module=module)
        warnings.warn_explicit(message, RuntimeWarning, "f.py", 1, module=module)
    assert [(str(w.message), w.category) for w in caught] == [
        (message, DeprecationWarning), ("something else", DeprecationWarning), (message, RuntimeWarning)]


def test_the_rasa_launcher_starts_quietly():
    """`python -m assistant_runtime --version` (as `make run` starts Rasa): no known warning."""
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("PYTHONWARNINGS", None)
    result = subprocess.run([sys.executable, "-m", "assistant_runtime", "--version"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "3.6.21" in result.stdout
    assert "Warning" not in result.stderr, result.stderr


def test_event_classes_are_found_as_rasa_finds_them():
    """`Event.resolve_by_type` remembers the class of each type name it found; the results are
    Rasa's own lookup's (every event class, the default, the error for an unknown name)."""
    import rasa.shared.utils.common
    from rasa.shared.core import events

    from assistant_runtime import event_types

    assert events.Event.resolve_by_type is event_types.resolve_by_type
    for cls in rasa.shared.utils.common.all_subclasses(events.Event):
        # Subclasses may share a type name (rasa.core.test.EndToEndUserUtterance is "user" too):
        # the answer must be the one Rasa's own lookup gives, first call and remembered alike.
        expected = event_types._rasa_resolve_by_type(cls.type_name)
        assert expected is not None and expected.type_name == cls.type_name
        assert events.Event.resolve_by_type(cls.type_name) is expected
        assert events.Event.resolve_by_type(cls.type_name) is expected  # remembered
    assert events.Event.resolve_by_type("no_such_event", events.BotUttered) is events.BotUttered
    assert events.Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        events.Event.resolve_by_type("no_such_event")
    slot = events.Event.from_parameters({"event": "slot", "name": "city", "value": "北京"})
    assert isinstance(slot, events.SlotSet) and slot.value == "北京"


def test_only_the_form_validation_action_is_sent_the_domain():
    """endpoints.yml enables Rasa's selective domain and domain.yml marks the one action that
    reads the domain (the form's validator), so the other actions' calls carry the tracker alone
    (16 KB less JSON per call). Built by Rasa's own RemoteAction from the repository's files."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(ROOT / "domain.yml")
    endpoint = read_endpoints_from_path(ROOT / "endpoints.yml").action
    tracker = DialogueStateTracker("selective", domain.slots)
    calls = {name: RemoteAction(name, endpoint)._action_call_format(tracker, domain)
             for name in domain.user_actions}
    assert "domain" in calls["validate_case_form"]
    assert calls["validate_case_form"]["domain"]["forms"]["case_form"]
    assert sorted(n for n, call in calls.items() if "domain" not in call) == sorted(
        n for n in domain.user_actions if n != "validate_case_form")
