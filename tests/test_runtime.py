"""assistant_runtime: Rasa still rejects an invalid action-server response, through the compiled
validator that importing `ops` (as every Rasa server does) installs."""
from __future__ import annotations

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


def test_same_verdicts_as_jsonschema_validate(remote_action):
    import jsonschema

    schema = type(remote_action).action_response_format_spec()
    for case in (VALID, {"events": [{"event": "slot"}]}, {"events": [{"event": "bot", "text": 3}]}):
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
    category, module, message = warning_filters.KNOWN[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        warning_filters.install()
        warnings.warn_explicit(message + " (x)", DeprecationWarning, "f.py", 1, module=module)
        warnings.warn_explicit(message + " (x)", DeprecationWarning, "f.py", 1, module="our_module")
        warnings.warn_explicit("something else", DeprecationWarning, "f.py", 1, module=module)
    assert [str(w.message) for w in caught] == [message + " (x)", "something else"]


def test_pythonwarnings_value_is_accepted_by_python():
    value = subprocess.run([sys.executable, "-m", "assistant_runtime.warning_filters"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    result = subprocess.run([sys.executable, "-W", "error", "-c",
                             "import sys, warnings; print(len(warnings.filters))"],
                            env={"PYTHONWARNINGS": value, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert result.returncode == 0 and "Invalid -W option" not in result.stderr, result.stderr
    assert value.count("ignore:") == len(warning_filters.KNOWN)
