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


def test_endpoint_requests_reuse_one_connection_and_keep_rasas_behaviour():
    """Rasa's `EndpointConfig.request` (every action-server call) keeps its session open: the
    calls of a loop share one TCP connection, errors are still Rasa's, and a server restarted in
    between (its connections dropped) is reached on a new connection."""
    import asyncio
    import socket

    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    async def main():
        async def echo(request):
            body = await request.json()
            return web.json_response({"got": body, "peer": request.transport.get_extra_info("peername")[1]})

        async def fail(request):
            return web.Response(status=500, text="boom")

        async def serve(port):
            app = web.Application()
            app.add_routes([web.post("/webhook", echo), web.post("/fail", fail)])
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            return runner

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}")
        runner = await serve(port)
        replies = [await endpoint.request(json={"n": n}, subpath="webhook") for n in range(3)]
        with pytest.raises(ClientResponseError):
            await endpoint.request(json={}, subpath="fail")
        await runner.cleanup()
        runner = await serve(port)
        after_restart = await endpoint.request(json={"n": 3}, subpath="webhook")
        await runner.cleanup()
        return replies, after_restart

    replies, after_restart = asyncio.run(main())
    assert [r["got"] for r in replies] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert len({r["peer"] for r in replies}) == 1  # one connection, kept alive
    assert after_restart["got"] == {"n": 3}


def test_the_model_graph_runs_in_a_plain_loop_with_the_results_of_dask(model_path):
    """`assistant_runtime.graph_runs` replaces dask's scheduling of the model's graph: for the
    NLU pipeline and for a policy prediction, the outputs are those of Rasa's own dask run."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from assistant_runtime import graph_runs

    assert DaskGraphRunner.run is graph_runs.run
    agent = Agent.load(str(model_path))
    runner = agent.processor.graph_runner
    texts = ["我在南昌灵活就业，医保断了四个月，还能补吗？要交多少钱？", "公积金断了怎么办", "滞纳金谁出", "asdfgh"]

    def both(**kwargs):
        return graph_runs.run(runner, **kwargs), graph_runs.rasa_run(runner, **kwargs)

    for text in texts:
        parsed = asyncio.run(agent.parse_message(text))
        ours, dasks = both(inputs={"__message__": [UserMessage(text, sender_id="graph-runs")]},
                           targets=[agent.processor.model_metadata.nlu_target])
        nlu = agent.processor.model_metadata.nlu_target
        assert [m.as_dict(only_output_properties=True) for m in ours[nlu]] == \
               [m.as_dict(only_output_properties=True) for m in dasks[nlu]]
        assert ours[nlu][0].get("intent") == parsed["intent"]
        tracker = DialogueStateTracker.from_events(
            "graph-runs", [ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
            slots=agent.domain.slots)
        target = agent.processor.model_metadata.core_target
        ours, dasks = both(inputs={"__tracker__": tracker}, targets=[target])
        assert ours[target].max_confidence_index == dasks[target].max_confidence_index
        assert ours[target].probabilities == dasks[target].probabilities
